// Concurrency and isolation against a real sitrepd: concurrent publishers get
// dense unique sequences, every subscriber sees its matches in order, and a
// subscriber that stops reading neither holds up publishers nor other
// subscribers nor grows the server's memory.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

bool IsCaughtUp(const v1::SubscribeResponse& r) { return r.has_caught_up(); }

const v1::Mission kMissions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                 v1::MISSION_KOSOVO_POLICE};

// Publishes `count` updates over one PublishStream; returns the sequences
// acknowledged.
std::vector<uint64_t> PublishOverStream(v1::SituationFeed::Stub& stub,
                                        int publisher, int count,
                                        size_t description_bytes = 0) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
  auto stream = stub.PublishStream(&context);
  std::thread writer([&] {
    for (int i = 0; i < count; ++i) {
      v1::PublishRequest request;
      *request.mutable_update() = PatrolUpdate(
          kMissions[(publisher + i) % 3], absl::StrCat("p", publisher, "-", i));
      request.mutable_update()->set_description(
          std::string(description_bytes, 'x'));
      request.mutable_update()->set_event_id(
          absl::StrCat("load-", publisher, "-", i));
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  std::vector<uint64_t> sequences;
  v1::PublishAck ack;
  while (stream->Read(&ack)) {
    EXPECT_FALSE(ack.has_error()) << ack.error().message();
    sequences.push_back(ack.sequence());
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  return sequences;
}

TEST(LoadTest, ConcurrentPublishersGetDenseUniqueSequencesAndEverySubscriberAllItsMatches) {
  TestServer server;
  auto stub = server.NewStub();
  // One subscriber per mission, and one for everything.
  std::vector<std::unique_ptr<StreamReader>> readers;
  for (int i = 0; i < 4; ++i) {
    v1::SubscribeRequest request;
    if (i < 3) request.mutable_filter()->add_missions(kMissions[i]);
    readers.push_back(std::make_unique<StreamReader>(*stub, request,
                                                     absl::Seconds(120)));
    ASSERT_TRUE(readers.back()->ReadUntil(IsCaughtUp));
  }
  constexpr int kPublishers = 8;
  constexpr int kPerPublisher = 1000;
  std::vector<std::vector<uint64_t>> acked(kPublishers);
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      auto own_stub = server.NewStub();
      acked[p] = PublishOverStream(*own_stub, p, kPerPublisher);
    });
  }
  for (auto& t : publishers) t.join();

  std::vector<uint64_t> all;
  for (const auto& sequences : acked) {
    EXPECT_EQ(sequences.size(), static_cast<size_t>(kPerPublisher));
    EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()))
        << "one stream's acks come in order";
    all.insert(all.end(), sequences.begin(), sequences.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kPublishers * kPerPublisher));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1);

  constexpr size_t kTotal = kPublishers * kPerPublisher;
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(absl::StrCat("subscriber ", i));
    const size_t expected = i < 3 ? kTotal / 3 + (i < static_cast<int>(kTotal % 3) ? 1 : 0) : kTotal;
    std::vector<v1::SituationUpdate> updates = readers[i]->ReadUpdates(expected);
    ASSERT_EQ(updates.size(), expected);
    for (size_t k = 0; k < updates.size(); ++k) {
      if (i < 3) {
        ASSERT_EQ(updates[k].mission(), kMissions[i]);
      }
      if (k > 0) {
        ASSERT_LT(updates[k - 1].sequence(), updates[k].sequence());
      }
    }
  }
}

int64_t ResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      if (absl::SimpleAtoi(digits, &kib)) return kib;
    }
  }
  return -1;
}

TEST(LoadTest, ASubscriberThatStopsReadingHoldsUpNobodyAndGrowsNoMemory) {
  TestServer server([](ServerConfig& c) {
    c.ring_capacity = 1024;
    // 40,000 publishes from one principal within seconds: more than the
    // default token bucket (20,000 burst, 5,000/s) lets through on a fast
    // machine. This test is about subscribers, not the rate limit.
    c.publish_rate = 0;
  });
  auto stub = server.NewStub();
  StreamReader healthy(*stub, v1::SubscribeRequest(), absl::Seconds(120));
  ASSERT_TRUE(healthy.ReadUntil(IsCaughtUp));
  // Counts updates without keeping them: the test itself must not hold
  // the feed in memory while it measures the server's.
  auto read_count = [&healthy](size_t count) {
    size_t seen = 0;
    healthy.ReadUntil([&](const v1::SubscribeResponse& r) {
      seen += r.updates_size();
      return seen >= count;
    });
    return seen;
  };
  constexpr int kCount = 20000;  // 20,000 x 6 KiB = 120 MiB through the feed
  constexpr size_t kBytes = 6 * 1024;

  // Phase A, without a stalled subscriber: brings caches, the store and the
  // allocator to their working size.
  PublishOverStream(*stub, 1, kCount, kBytes);
  ASSERT_EQ(read_count(kCount), static_cast<size_t>(kCount));
  const int64_t before = ResidentKiB();

  // Phase B: the same again while a subscriber to everything never reads.
  grpc::ClientContext stalled_context;
  stalled_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
  auto stalled = stub->Subscribe(&stalled_context, v1::SubscribeRequest());
  std::vector<uint64_t> acked = PublishOverStream(*stub, 2, kCount, kBytes);
  EXPECT_EQ(acked.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(read_count(kCount), static_cast<size_t>(kCount))
      << "the other subscriber got everything meanwhile";
  const int64_t after = ResidentKiB();

  // Had the server queued the feed for the stalled subscriber, it would hold
  // 120 MiB more; it holds one write in flight and a cursor. (Under
  // AddressSanitizer RSS says little: its quarantine holds freed memory.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(after - before, 60 * 1024)
      << "RSS grew by " << (after - before) << " KiB";
#endif
  std::printf("RSS grew by %lld KiB with a stalled subscriber\n",
              static_cast<long long>(after - before));
  stalled_context.TryCancel();
  v1::SubscribeResponse ignored;
  while (stalled->Read(&ignored)) {
  }
  stalled->Finish();
}

TEST(LoadTest, MaxLagEndsAHopelessSubscriber) {
  TestServer server([](ServerConfig& c) { c.ring_capacity = 1024; });
  auto stub = server.NewStub();
  v1::SubscribeRequest request;
  request.set_max_lag(1000);
  StreamReader lagging(*stub, request, absl::Seconds(120));
  ASSERT_TRUE(lagging.ReadUntil(IsCaughtUp));
  // The subscriber reads nothing while 20,000 big updates go by, so gRPC's
  // flow control stops its writes and it falls behind.
  PublishOverStream(*stub, 0, 20000, 4096);
  std::vector<v1::SituationUpdate> got = lagging.ReadUpdates(20000);
  EXPECT_LT(got.size(), 20000u);
  grpc::Status status = lagging.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace sitrep::testing
