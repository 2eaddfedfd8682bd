// Webhook sinks across a sitrepd restart (same data directory and port):
// the sink resumes from its cursor file, so nothing the receiver
// acknowledged is posted again — except at most the batch in flight when
// the server stopped.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/integration/webhook_calls.h"
#include "tests/support/http_receiver.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsSubsetOf;

class WebhookRestartTest : public ::testing::Test {
 protected:
  void StartServer(absl::Duration shutdown_grace) {
    const std::string path = WriteFile(
        dir_.path() + "/webhooks.json",
        absl::StrReplaceAll(R"({"webhooks": [{
            "name": "ops", "url": "$URL", "max_batch": 2,
            "backoff_initial": "0.01s", "backoff_max": "0.05s"}]})",
                            {{"$URL", receiver_.Url()}}));
    server_ = std::make_unique<TestServer>([&](ServerConfig& config) {
      config.webhooks_file = path;
      config.shutdown_grace = shutdown_grace;
    });
    stub_ = server_->NewStub();
  }

  std::vector<uint64_t> PublishPatrols(int count) {
    std::vector<uint64_t> sequences;
    for (int i = 0; i < count; ++i) {
      sequences.push_back(MustPublish(
          *stub_, PatrolUpdate(v1::MISSION_KFOR,
                               absl::StrCat("patrol ", ++published_))));
    }
    return sequences;
  }

  HttpReceiver receiver_;
  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_;
  int published_ = 0;
};

TEST_F(WebhookRestartTest, NothingAcknowledgedIsPostedAgain) {
  StartServer(absl::Seconds(2));
  std::vector<uint64_t> expected = PublishPatrols(6);
  ASSERT_TRUE(WaitDelivered(receiver_, expected.back()));
  const size_t before_restart = receiver_.requests().size();

  server_->Restart();
  stub_ = server_->NewStub();
  for (uint64_t s : PublishPatrols(4)) expected.push_back(s);
  ASSERT_TRUE(WaitDelivered(receiver_, expected.back()));

  const std::vector<HttpReceiver::Request> requests = receiver_.requests();
  // Every update arrived, in order; a repeat can only be the last batch
  // before the restart (acknowledged by the receiver while sitrepd stopped).
  std::vector<uint64_t> delivered = Delivered(requests);
  std::vector<uint64_t> firsts;
  std::vector<uint64_t> repeats;
  std::set<uint64_t> seen;
  for (uint64_t s : delivered) {
    (seen.insert(s).second ? firsts : repeats).push_back(s);
  }
  EXPECT_THAT(firsts, ElementsAreArray(expected));
  EXPECT_THAT(repeats, IsSubsetOf(SequencesOf(requests[before_restart - 1])));
  // The stop let the last POST finish: here, nothing at all was repeated.
  EXPECT_THAT(repeats, ::testing::IsEmpty());
}

TEST_F(WebhookRestartTest, OnlyTheBatchInFlightIsPostedAgain) {
  // A short grace: the POST that hangs is aborted by the stop.
  StartServer(absl::Milliseconds(200));
  const std::vector<uint64_t> acknowledged = PublishPatrols(3);
  ASSERT_TRUE(WaitDelivered(receiver_, acknowledged.back()));
  receiver_.Hang();
  std::vector<uint64_t> rest = PublishPatrols(1);
  ASSERT_TRUE(receiver_.WaitUntil([](const auto& requests) {
    return CountAnswered(requests, 0) == 1;
  }));
  const std::vector<uint64_t> in_flight =
      SequencesOf(receiver_.requests().back());
  for (uint64_t s : PublishPatrols(3)) rest.push_back(s);  // queued behind

  receiver_.Answer(200);  // for the restarted sink
  server_->Restart();
  ASSERT_TRUE(WaitDelivered(receiver_, rest.back()));

  const std::vector<HttpReceiver::Request> requests = receiver_.requests();
  std::vector<uint64_t> all = acknowledged;
  all.insert(all.end(), rest.begin(), rest.end());
  // Acknowledged ones once; the in-flight batch (never acknowledged) and
  // what queued behind it after the restart, in order.
  EXPECT_THAT(Delivered(requests), ElementsAreArray(all));
  EXPECT_THAT(in_flight, ElementsAreArray({rest.front()}));
  std::vector<uint64_t> posted;
  for (const HttpReceiver::Request& request : requests) {
    for (uint64_t s : SequencesOf(request)) posted.push_back(s);
  }
  std::vector<uint64_t> posted_twice;
  std::set<uint64_t> seen;
  for (uint64_t s : posted) {
    if (!seen.insert(s).second) posted_twice.push_back(s);
  }
  EXPECT_THAT(posted_twice, ElementsAreArray(in_flight));
}

}  // namespace
}  // namespace sitrep::testing
