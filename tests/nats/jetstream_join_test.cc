// Issue 24: a replica joining a stream (jetstream_replay.cc) decodes in full
// only the incident updates and the newest `cache_entries` updates, and
// reads the rest's received_at and (publisher, event_id) straight from
// their encoding. What it serves must be exactly what a replica that read
// every update as it was appended serves: the same head and oldest, the
// same incident records (snapshots from before retention included), the
// same duplicates, the same received_at lookups, the same reads.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/append_rules.h"
#include "server/log/event_log.h"
#include "server/log/incident_record_codec.h"
#include "server/log/jetstream_event_log.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/incident_request.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::SharedNatsServer;
using ::sitrep::testing::StatusIs;

AppendRequest Report(const std::string& event_id) {
  AppendRequest request = PatrolReport("kfor-ops", event_id);
  (*request.update.mutable_labels())["n"] = event_id;
  return request;
}

AppendRequest IncidentUpdate(const std::string& event_id,
                             const std::string& incident_id, v1::Kind kind) {
  return testing::IncidentRequest(event_id, incident_id, kind);
}

// Every retained entry of `log`, ascending.
absl::StatusOr<std::vector<LogEntryPtr>> ReadAll(const EventLog& log) {
  ReadRange range;
  range.limit = 100000;
  return log.Read(range);
}

std::string Encoded(const IncidentRecordPtr& record) {
  return record == nullptr ? "none" : EncodeIncidentRecord(*record);
}

class JetStreamJoinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    options_ = testing::StreamOfItsOwn("join");
    options_.nats_url = SharedNatsServer()->url();
    options_.clock = &clock_;
  }

  std::unique_ptr<EventLog> Open(size_t cache_entries) {
    JetStreamOptions options = options_;
    options.cache_entries = cache_entries;
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }

  // Appends `request` (remembered for the duplicate checks) a few
  // milliseconds after the one before.
  void Append(EventLog* log, AppendRequest request) {
    clock_.Advance(absl::Milliseconds(3));
    sent_.push_back(request);
    ASSERT_THAT(AppendOneAndWait(log, std::move(request)), IsOk());
  }

  // A history with everything the join must get right: reports, a
  // publish sent twice, incidents opened, updated, resolved and cancelled,
  // retention (incident snapshots) in the middle, a batch sharing one
  // received_at.
  void WriteHistory(EventLog* log) {
    // INC-B's whole thread and INC-A's first update go with retention:
    // they come from the incident snapshots.
    Append(log, IncidentUpdate("a1", "INC-A", v1::KIND_NEW));
    Append(log, IncidentUpdate("b1", "INC-B", v1::KIND_NEW));
    Append(log, IncidentUpdate("b2", "INC-B", v1::KIND_RESOLVE));
    for (int i = 0; i < 40; ++i) Append(log, Report(absl::StrCat("r", i)));
    Append(log, Report("r3"));  // a duplicate: stored once
    Append(log, IncidentUpdate("a2", "INC-A", v1::KIND_REQUEST_SUPPORT));
    for (int i = 40; i < 60; ++i) Append(log, Report(absl::StrCat("r", i)));
    ASSERT_EQ(log->Head(), 64u);
    ASSERT_THAT(RetainFrom(log, 39), IsOk());
    Append(log, IncidentUpdate("a3", "INC-A", v1::KIND_UPDATE));
    Append(log, IncidentUpdate("c1", "INC-C", v1::KIND_NEW));
    Append(log, IncidentUpdate("d1", "INC-D", v1::KIND_NEW));
    Append(log, IncidentUpdate("d2", "INC-D", v1::KIND_CANCEL));
    std::vector<AppendRequest> batch;
    for (int i = 60; i < 90; ++i) batch.push_back(Report(absl::StrCat("r", i)));
    batch.push_back(Report("r65"));  // a duplicate within the batch
    sent_.insert(sent_.end(), batch.begin(), batch.end());
    for (const auto& result : AppendAndWait(log, std::move(batch))) {
      ASSERT_THAT(result, IsOk());
    }
    Append(log, IncidentUpdate("c2", "INC-C", v1::KIND_UPDATE));
  }

  FakeClock clock_;
  JetStreamOptions options_;
  std::vector<AppendRequest> sent_;
};

void ExpectSameIndexes(const EventLog& joined, const EventLog& all) {
  EXPECT_EQ(joined.Head(), all.Head());
  EXPECT_EQ(joined.Oldest(), all.Oldest());
  const JetStreamIndexSizes a = JetStreamIndexSizesOf(all);
  const JetStreamIndexSizes j = JetStreamIndexSizesOf(joined);
  EXPECT_EQ(j.retained, a.retained);
  EXPECT_EQ(j.event_ids, a.event_ids);
  EXPECT_EQ(j.incidents, a.incidents);
  // received_at of every retained update, and between them.
  absl::StatusOr<std::vector<LogEntryPtr>> entries =
      ReadAll(all);
  ASSERT_THAT(entries, IsOk());
  for (const LogEntryPtr& entry : *entries) {
    const absl::Time at =
        absl::FromUnixMicros(ReceivedAtMicros(entry->update));
    for (absl::Time t : {at - absl::Microseconds(1), at,
                         at + absl::Microseconds(1)}) {
      EXPECT_EQ(joined.FirstSequenceAtOrAfter(t).value_or(0),
                all.FirstSequenceAtOrAfter(t).value_or(1))
          << entry->sequence();
    }
  }
}

void ExpectSameEntries(const EventLog& joined, const EventLog& all) {
  absl::StatusOr<std::vector<LogEntryPtr>> j =
      ReadAll(joined);
  absl::StatusOr<std::vector<LogEntryPtr>> a =
      ReadAll(all);
  ASSERT_THAT(j, IsOk());
  ASSERT_THAT(a, IsOk());
  ASSERT_EQ(j->size(), a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*j)[i]->encoded, (*a)[i]->encoded) << i;
    EXPECT_EQ((*j)[i]->previous == nullptr, (*a)[i]->previous == nullptr);
  }
}

void ExpectSameIncidents(const EventLog& joined, const EventLog& all) {
  absl::StatusOr<EventLog::OpenIncidents> j = joined.LoadOpenIncidents();
  absl::StatusOr<EventLog::OpenIncidents> a = all.LoadOpenIncidents();
  ASSERT_THAT(j, IsOk());
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(j->head, a->head);
  ASSERT_EQ(j->incidents.size(), a->incidents.size());
  for (size_t i = 0; i < a->incidents.size(); ++i) {
    EXPECT_EQ(Encoded(j->incidents[i]), Encoded(a->incidents[i]));
  }
  for (const char* id : {"INC-A", "INC-B", "INC-C", "INC-D", "INC-E"}) {
    absl::StatusOr<std::optional<IncidentRecord>> jr = joined.LoadIncident(id);
    absl::StatusOr<std::optional<IncidentRecord>> ar = all.LoadIncident(id);
    ASSERT_THAT(jr, IsOk());
    ASSERT_THAT(ar, IsOk());
    ASSERT_EQ(jr->has_value(), ar->has_value()) << id;
    if (ar->has_value()) {
      EXPECT_EQ(EncodeIncidentRecord(**jr), EncodeIncidentRecord(**ar)) << id;
    }
  }
}

TEST_F(JetStreamJoinTest, AJoiningReplicaServesWhatTheReplicaThatReadEverythingServes) {
  std::unique_ptr<EventLog> all = Open(/*cache_entries=*/100000);
  ASSERT_NE(all, nullptr);
  WriteHistory(all.get());
  ASSERT_EQ(all->Oldest(), 39u);
  // Decodes only the newest 4 and the incident updates in full.
  std::unique_ptr<EventLog> joined = Open(/*cache_entries=*/4);
  ASSERT_NE(joined, nullptr);
  EXPECT_EQ(JetStreamIndexSizesOf(*joined).cached_entries, 4u);
  ExpectSameIndexes(*joined, *all);
  ExpectSameEntries(*joined, *all);
  ExpectSameIncidents(*joined, *all);

  // Every publish again: a duplicate of its stored update while that is
  // retained, on the joined replica as on the other. (Removed by
  // retention, a report is stored again and an incident's NEW refused.)
  const uint64_t head = all->Head();
  int duplicates = 0;
  for (const AppendRequest& request : sent_) {
    absl::StatusOr<AppendResult> a = AppendOneAndWait(all.get(), request);
    if (!a.ok() || !a->duplicate) continue;
    ++duplicates;
    absl::StatusOr<AppendResult> j = AppendOneAndWait(joined.get(), request);
    ASSERT_THAT(j, IsOk());
    EXPECT_TRUE(j->duplicate) << request.update.event_id();
    EXPECT_EQ(j->entry->sequence(), a->entry->sequence());
  }
  EXPECT_GT(duplicates, 30);
  EXPECT_GT(all->Head(), head);
  // The incident rules on the joined replica: closed ids stay used.
  EXPECT_THAT(AppendOneAndWait(joined.get(),
                               IncidentUpdate("b3", "INC-B", v1::KIND_NEW)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already exists"));
}

TEST_F(JetStreamJoinTest, AnEventIdWhoseUpdateRetentionRemovedIsNewOnTheJoinedReplica) {
  std::unique_ptr<EventLog> all = Open(/*cache_entries=*/100000);
  ASSERT_NE(all, nullptr);
  WriteHistory(all.get());
  std::unique_ptr<EventLog> joined = Open(/*cache_entries=*/4);
  ASSERT_NE(joined, nullptr);
  const uint64_t head = joined->Head();
  absl::StatusOr<AppendResult> again = AppendOneAndWait(joined.get(), Report("r0"));
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), head + 1);
}

}  // namespace
}  // namespace sitrep
