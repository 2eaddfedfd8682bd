// The JetStream log's writer keeps one group commit's round in flight while
// it sends the next one chained to it (server/log/jetstream_pipelining.cc).
// Against a real nats-server: every appender hears exactly what became of
// its update when rounds are pipelined, when another replica's appends
// refuse a round in flight (and the chain refuses the one behind it), when
// nats-server is killed with rounds in flight, and when a later round
// repeats an event of the round in flight.

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/incident_request.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::SharedNatsServer;

using Batches = std::vector<std::vector<AppendRequest>>;
using Results = std::vector<std::vector<absl::StatusOr<AppendResult>>>;

// Small group commits, so that queued appends make many rounds.
constexpr size_t kMaxBatch = 40;

// Batch k opens incident "<name>-k" and updates incident "<name>-(k-1)",
// opened by the batch before it (so a round's incident update is decided
// on the round in flight's state), with `reports` patrol reports.
Batches IncidentChain(const std::string& name, int batches, int reports) {
  Batches all(batches);
  for (int k = 0; k < batches; ++k) {
    all[k].push_back(testing::IncidentRequest(absl::StrCat(name, "-new-", k),
                                              absl::StrCat(name, "-", k),
                                              v1::KIND_NEW));
    if (k > 0) {
      all[k].push_back(testing::IncidentRequest(absl::StrCat(name, "-upd-", k),
                                                absl::StrCat(name, "-", k - 1),
                                                v1::KIND_UPDATE));
    }
    for (int i = 0; i < reports; ++i) {
      all[k].push_back(
          PatrolReport("kfor-ops", absl::StrCat(name, "-r-", k, "-", i)));
    }
  }
  return all;
}

// Queues every batch at once (the writer takes them as group commits while
// earlier ones are in flight) and waits (at most a minute) for every
// answer.
Results AppendAllAtOnce(EventLog* log, Batches batches) {
  absl::Mutex mu;
  size_t left = batches.size();
  Results results(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    log->Append(std::move(batches[i]),
                [&mu, &left, &results,
                 i](std::vector<absl::StatusOr<AppendResult>> answered) {
                  absl::MutexLock lock(&mu);
                  results[i] = std::move(answered);
                  --left;
                });
  }
  absl::MutexLock lock(&mu);
  auto done = [&left]() { return left == 0; };
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&done), absl::Minutes(1)));
  return results;
}

// The stream's whole content, through a fresh replica.
std::vector<LogEntryPtr> ReadAll(const JetStreamOptions& options) {
  absl::StatusOr<std::unique_ptr<EventLog>> reader =
      OpenJetStreamEventLog(options);
  EXPECT_THAT(reader, IsOk());
  if (!reader.ok()) return {};
  std::vector<LogEntryPtr> all;
  const uint64_t head = (*reader)->Head();
  for (uint64_t first = 1; first <= head; first += 500) {
    absl::StatusOr<std::vector<LogEntryPtr>> read =
        (*reader)->Read({first, std::min(first + 499, head)});
    EXPECT_THAT(read, IsOk());
    if (!read.ok()) return {};
    all.insert(all.end(), read->begin(), read->end());
  }
  EXPECT_EQ(all.size(), head);
  return all;
}

// Every answered update is stored at the answered sequence, exactly once;
// an update answered with an error is stored at most once (UNAVAILABLE may
// mean stored: its retry is a duplicate). Returns the number answered OK.
size_t ExpectAnswersMatchTheStream(const Results& results,
                                   const std::vector<LogEntryPtr>& all) {
  std::map<std::string, int> copies;
  for (const LogEntryPtr& entry : all) ++copies[entry->update.event_id()];
  for (const auto& [event_id, count] : copies) {
    EXPECT_EQ(count, 1) << event_id;
  }
  size_t ok = 0;
  for (const auto& batch : results) {
    for (const absl::StatusOr<AppendResult>& result : batch) {
      if (!result.ok()) continue;
      ++ok;
      const uint64_t sequence = result->entry->sequence();
      EXPECT_GE(sequence, 1u);
      if (sequence < 1 || sequence > all.size()) continue;
      EXPECT_EQ(all[sequence - 1]->update.event_id(),
                result->entry->update.event_id());
    }
  }
  return ok;
}

// Every incident of the chain was opened once and updated once, in the
// order of its batches: no update was stored for an incident the stream
// does not hold, whichever rounds were refused.
void ExpectIncidentChainsHold(const std::vector<LogEntryPtr>& all) {
  std::map<std::string, std::vector<v1::Kind>> kinds;
  for (const LogEntryPtr& entry : all) {
    if (entry->update.incident_id().empty()) continue;
    kinds[entry->update.incident_id()].push_back(entry->update.kind());
  }
  for (const auto& [incident_id, seen] : kinds) {
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), v1::KIND_NEW) << incident_id;
    EXPECT_LE(seen.size(), 2u) << incident_id;
  }
}

class JetStreamPipeliningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    options_ = testing::StreamOfItsOwn("pipelining");
    options_.max_batch = kMaxBatch;
  }

  std::unique_ptr<EventLog> Open(const JetStreamOptions& options) {
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }

  JetStreamOptions options_;
};

TEST_F(JetStreamPipeliningTest, PipelinedRoundsAnswerEveryUpdateOnce) {
  std::unique_ptr<EventLog> log = Open(options_);
  ASSERT_NE(log, nullptr);
  constexpr int kBatches = 60;
  const Results results =
      AppendAllAtOnce(log.get(), IncidentChain("p", kBatches, 18));
  for (const auto& batch : results) {
    for (const absl::StatusOr<AppendResult>& result : batch) {
      ASSERT_THAT(result, IsOk());
      EXPECT_FALSE(result->duplicate);
    }
  }
  EXPECT_GT(JetStreamWriterCountsOf(*log).rounds_sent_behind, 0u);
  const std::vector<LogEntryPtr> all = ReadAll(options_);
  EXPECT_EQ(all.size(), kBatches * 20u - 1);
  EXPECT_EQ(ExpectAnswersMatchTheStream(results, all), all.size());
  ExpectIncidentChainsHold(all);
}

TEST_F(JetStreamPipeliningTest,
       ALaterRoundRepeatingTheRoundInFlightIsADuplicate) {
  std::unique_ptr<EventLog> log = Open(options_);
  ASSERT_NE(log, nullptr);
  // Batch k repeats batch k-1's reports: in a round chained behind the one
  // that stores them, they are duplicates of what is still in flight.
  constexpr int kBatches = 40;
  Batches batches(kBatches);
  for (int k = 0; k < kBatches; ++k) {
    for (int i = 0; i < 20; ++i) {
      batches[k].push_back(
          PatrolReport("kfor-ops", absl::StrCat("d-", k / 2, "-", i)));
    }
  }
  const Results results = AppendAllAtOnce(log.get(), std::move(batches));
  for (int k = 0; k < kBatches; ++k) {
    for (int i = 0; i < 20; ++i) {
      const absl::StatusOr<AppendResult>& result = results[k][i];
      ASSERT_THAT(result, IsOk());
      EXPECT_EQ(result->duplicate, k % 2 == 1);
      if (k % 2 == 1) {
        EXPECT_EQ(result->entry->sequence(),
                  results[k - 1][i]->entry->sequence());
      }
    }
  }
  EXPECT_GT(JetStreamWriterCountsOf(*log).rounds_sent_behind, 0u);
  const std::vector<LogEntryPtr> all = ReadAll(options_);
  EXPECT_EQ(all.size(), kBatches * 10u);
  ExpectAnswersMatchTheStream(results, all);
}

// Two replicas append at once: each one's rounds in flight are refused
// whenever the other appended first, with rounds chained behind them. The
// race is repeated (at most 10 times) until a refused round had one behind
// it.
TEST_F(JetStreamPipeliningTest, ARefusedRoundInFlightRefusesTheRoundBehindIt) {
  std::unique_ptr<EventLog> a = Open(options_);
  std::unique_ptr<EventLog> b = Open(options_);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Results all_results;
  for (int race = 0; race < 10; ++race) {
    Results on_a, on_b;
    std::thread writer_a([&] {
      on_a = AppendAllAtOnce(a.get(),
                             IncidentChain(absl::StrCat("a", race), 30, 10));
    });
    std::thread writer_b([&] {
      on_b = AppendAllAtOnce(b.get(),
                             IncidentChain(absl::StrCat("b", race), 30, 10));
    });
    writer_a.join();
    writer_b.join();
    for (Results* results : {&on_a, &on_b}) {
      for (auto& batch : *results) {
        for (const absl::StatusOr<AppendResult>& result : batch) {
          ASSERT_THAT(result, IsOk());
          EXPECT_FALSE(result->duplicate);
        }
        all_results.push_back(std::move(batch));
      }
    }
    if (JetStreamWriterCountsOf(*a).refusals_in_flight +
            JetStreamWriterCountsOf(*b).refusals_in_flight >
        0) {
      break;
    }
  }
  EXPECT_GT(JetStreamWriterCountsOf(*a).refusals_in_flight +
                JetStreamWriterCountsOf(*b).refusals_in_flight,
            0u);
  const std::vector<LogEntryPtr> all = ReadAll(options_);
  EXPECT_EQ(ExpectAnswersMatchTheStream(all_results, all), all.size());
  ExpectIncidentChainsHold(all);
}

// nats-server killed while rounds are in flight: what was answered OK is
// stored, nothing is stored twice, and once it is back every update sent
// again is answered (a duplicate where it was stored after all).
TEST_F(JetStreamPipeliningTest, KillingNatsWithRoundsInFlight) {
  absl::StatusOr<std::unique_ptr<testing::NatsServer>> nats =
      testing::NatsServer::Start();
  ASSERT_THAT(nats, IsOk());
  JetStreamOptions options = options_;
  options.nats_url = (*nats)->url();
  options.request_timeout = absl::Seconds(1);
  options.tail_heartbeat = absl::Milliseconds(250);
  absl::Mutex mu;
  int reconnected = 0;
  bool disconnected = false;
  options.on_connection_change = [&](bool connected) {
    absl::MutexLock lock(&mu);
    if (!connected) disconnected = true;
    if (connected && disconnected) ++reconnected;
  };
  std::unique_ptr<EventLog> log = Open(options);
  ASSERT_NE(log, nullptr);
  Batches batches = IncidentChain("k", 200, 30);
  const Batches again = batches;
  // The kill comes as the first batch is answered: the rest is queued or
  // in flight.
  absl::Notification first;
  log->Append(
      std::move(batches[0]),
      [&first](std::vector<absl::StatusOr<AppendResult>>) { first.Notify(); });
  batches.erase(batches.begin());
  Results results;
  std::thread appender(
      [&] { results = AppendAllAtOnce(log.get(), std::move(batches)); });
  ASSERT_TRUE(first.WaitForNotificationWithTimeout(absl::Seconds(30)));
  (*nats)->Kill();
  appender.join();
  ASSERT_THAT((*nats)->Restart(), IsOk());
  {
    absl::MutexLock lock(&mu);
    auto back = [&reconnected]() { return reconnected > 0; };
    ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&back), absl::Seconds(30)));
  }
  // Everything again, once it is back: each is stored, now or before.
  const Results retried = AppendAllAtOnce(log.get(), again);
  for (const auto& batch : retried) {
    for (const absl::StatusOr<AppendResult>& result : batch) {
      ASSERT_THAT(result, IsOk());
    }
  }
  log.reset();
  const std::vector<LogEntryPtr> all = ReadAll(options);
  EXPECT_EQ(all.size(), 200u * 32 - 1);
  ExpectAnswersMatchTheStream(results, all);
  ExpectAnswersMatchTheStream(retried, all);
  ExpectIncidentChainsHold(all);
}

}  // namespace
}  // namespace sitrep
