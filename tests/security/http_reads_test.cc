// M-6 (docs/security.md): history pages and the situation are read on the
// executor, never on the HTTP loop thread, so long reads do not hold other
// connections; and a page is bounded in bytes as well as in rows.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/http_get.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

// Publishes `count` KFOR patrols with `description_bytes` of description,
// in batches.
void PublishMany(TestServer& server, int count, size_t description_bytes) {
  auto stub = v1::SituationFeed::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  const std::string description(description_bytes, 'd');
  // Messages well under the server's 1 MiB limit.
  const int per_message =
      static_cast<int>(std::min<size_t>(500, 600000 / (description_bytes + 200)));
  for (int done = 0; done < count;) {
    v1::PublishRequest message;
    for (int i = 0; i < per_message && done < count; ++i, ++done) {
      v1::PublishRequest* request = message.add_batch();
      *request->mutable_update() =
          PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("Patrol ", done));
      request->mutable_update()->set_description(description);
    }
    absl::StatusOr<std::vector<v1::PublishAck>> acks =
        PublishStreamAnswers(*stub, {message});
    ASSERT_TRUE(acks.ok()) << acks.status();
    ASSERT_EQ(acks->size(), 1u);
    for (const v1::PublishAck& ack : (*acks)[0].batch()) {
      ASSERT_GT(ack.sequence(), 0u)
          << ack.DebugString();
    }
  }
}

TEST(HttpReadsTest, APageOfLargeUpdatesIsBoundedInBytes) {
  TestServer server;
  // 600 updates of 8,000 bytes: 4.8 MB, above the 4 MiB page bound.
  PublishMany(server, 600, 8000);
  absl::StatusOr<HttpGetResult> page = HttpGet(
      server.server().http_port(), "/v1/updates?page_size=1000",
      absl::Seconds(30));
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->status, 200);
  EXPECT_LT(page->body.size(), size_t{5} << 20);
  EXPECT_TRUE(absl::StrContains(page->body, "nextPageToken"))
      << "the whole range in one page of " << page->body.size() << " bytes";
}

TEST(HttpReadsTest, LongReadsDoNotHoldOtherConnections) {
  TestServer server;
  // Pages that scan the most rows a page may (20,000) and match none.
  PublishMany(server, 20000, 10);
  const int port = server.server().http_port();
  HttpCall scan;
  scan.path = "/v1/updates?filter.missions=MISSION_EULEX&page_size=1000";
  // One such page alone.
  absl::Time start = absl::Now();
  absl::StatusOr<HttpGetResult> alone = HttpFetch(port, scan, absl::Seconds(30));
  const absl::Duration one_read = absl::Now() - start;
  ASSERT_TRUE(alone.ok()) << alone.status();
  ASSERT_EQ(alone->status, 200);

  // Eight at once, then a small request on another connection.
  constexpr int kReads = 8;
  std::vector<int> reads;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (int i = 0; i < kReads; ++i) {
    absl::StatusOr<int> fd = HttpOpen(port, scan, deadline);
    ASSERT_TRUE(fd.ok()) << fd.status();
    reads.push_back(*fd);
  }
  start = absl::Now();
  absl::StatusOr<HttpGetResult> small =
      HttpGet(port, "/v1/municipalities", absl::Seconds(30));
  const absl::Duration waited = absl::Now() - start;
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->status, 200);
  // On the loop thread the small request waits for the eight reads
  // (~8 x one_read); on the executor it does not wait for them.
  EXPECT_LT(waited, 3 * one_read)
      << "one read took " << one_read << ", the small request waited "
      << waited;
  for (int fd : reads) close(fd);
}

}  // namespace
}  // namespace sitrep::testing
