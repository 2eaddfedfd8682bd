#include "server/situation/situation_index.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/auth/principal.h"
#include "server/log/incident_thread.h"
#include "server/query/compact_situation.h"
#include "server/query/situation_encoding.h"

namespace sitrep {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// An update as the log stores it: `text` plus the server-set fields.
LogEntryPtr Entry(uint64_t sequence, uint64_t incident_version,
                  const std::string& text) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &update))
      << text;
  update.set_sequence(sequence);
  update.set_incident_version(incident_version);
  return MakeLogEntry(std::move(update));
}

LogEntryPtr Opened(uint64_t sequence, const std::string& id) {
  return Entry(sequence, 1, absl::StrCat(R"pb(
    mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MINOR category: CATEGORY_PUBLIC_ORDER
    kind: KIND_NEW headline: "Crowd at the bridge"
    occurred_at { seconds: 1699999000 } incident_id: ")pb",
                                         id, "\""));
}

// The index as the log's listener feeds it: each entry with the record the
// log's own fold (IncidentFolder) makes of it.
class FedIndex : public SituationIndex {
 public:
  using SituationIndex::Apply;
  void Apply(const std::vector<LogEntryPtr>& entries) {
    SituationIndex::Apply(entries, folder_.Fold(entries));
  }

 private:
  IncidentFolder folder_;
};

std::vector<std::string> Ids(const SituationIndex::Snapshot& snapshot) {
  std::vector<std::string> ids;
  for (const auto& shown : snapshot.incidents) {
    ids.push_back(shown.record->incident_id);
  }
  return ids;
}

// Matches the updates of one mission: the index only calls Matches.
class MissionFilter : public FilterMatcher {
 public:
  explicit MissionFilter(v1::Mission mission) : mission_(mission) {}
  bool Matches(const v1::SituationUpdate& update) const override {
    return update.mission() == mission_;
  }
  bool Readable(const v1::SituationUpdate&) const override { return true; }
  bool MatchesEverything() const override { return false; }
  MissionSet Missions() const override { return MissionSet::Of(mission_); }
  bool RestrictsKinds() const override { return false; }
  bool RestrictsStatuses() const override { return false; }

 private:
  v1::Mission mission_;
};

TEST(SituationIndexTest, StartsEmptyAtSequenceZero) {
  FedIndex index;
  EXPECT_EQ(index.sequence(), 0u);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_THAT(index.Take(nullptr, kNow).incidents, IsEmpty());
}

TEST(SituationIndexTest, NewIncidentBecomesCurrent) {
  FedIndex index;
  index.Apply({Opened(1, "KP-1")});
  const SituationIndex::Snapshot snapshot = index.Take(nullptr, kNow);
  EXPECT_EQ(snapshot.sequence, 1u);
  ASSERT_THAT(Ids(snapshot), ElementsAre("KP-1"));
  EXPECT_EQ(snapshot.incidents[0].record->version, 1u);
  EXPECT_EQ(snapshot.incidents[0].record->latest->sequence(), 1u);
}

TEST(SituationIndexTest, StandAloneReportOnlyAdvancesTheSequence) {
  FedIndex index;
  index.Apply({Entry(1, 0, R"pb(mission: MISSION_KFOR role: ROLE_LIAISON
                                 headline: "Meeting with the mayor")pb")});
  EXPECT_EQ(index.sequence(), 1u);
  EXPECT_EQ(index.size(), 0u);
}

TEST(SituationIndexTest, ClosingKindsRemoveTheIncident) {
  for (const char* kind : {"KIND_RESOLVE", "KIND_CANCEL", "KIND_EXPIRED"}) {
    FedIndex index;
    index.Apply({Opened(1, "KP-1"), Opened(2, "KP-2"),
                 Entry(3, 2, absl::StrCat("incident_id: 'KP-1' kind: ", kind))});
    EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("KP-2")) << kind;
    EXPECT_EQ(index.size(), 1u);
    EXPECT_EQ(index.sequence(), 3u);
  }
}

TEST(SituationIndexTest, SnapshotIsOrderedByLatestSequence) {
  FedIndex index;
  index.Apply({Opened(1, "A"), Opened(2, "B"), Opened(3, "C")});
  index.Apply({Entry(4, 2, "incident_id: 'A' kind: KIND_UPDATE")});
  EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("B", "C", "A"));
}

TEST(SituationIndexTest, ThreadFactsFollowTheWholeThread) {
  FedIndex index;
  index.Apply({
      Opened(1, "KP-1"),
      Entry(2, 2, R"pb(incident_id: "KP-1" kind: KIND_REQUEST_SUPPORT
                       role: ROLE_FIRST_RESPONDER severity: SEVERITY_SEVERE)pb"),
      Entry(3, 3, R"pb(incident_id: "KP-1" kind: KIND_ACKNOWLEDGE
                       mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
                       severity: SEVERITY_MODERATE)pb"),
      Entry(4, 4, R"pb(incident_id: "KP-1" kind: KIND_UPDATE
                       mission: MISSION_EULEX role: ROLE_SUPPORT
                       severity: SEVERITY_MINOR)pb"),
  });
  const auto snapshot = index.Take(nullptr, kNow);
  ASSERT_EQ(snapshot.incidents.size(), 1u);
  const IncidentRecord& record = *snapshot.incidents[0].record;
  EXPECT_EQ(record.version, 4u);
  // An acknowledge does not take the lead (only ESCALATE does).
  EXPECT_EQ(record.state.lead().tier(), v1::ROLE_FIRST_RESPONDER);
  ASSERT_EQ(record.state.support_requests_size(), 1);
  EXPECT_EQ(record.state.support_requests(0).state(),
            v1::SupportRequest::STATE_ACKNOWLEDGED);
  EXPECT_EQ(record.state.peak_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(record.state.opened_by(), v1::MISSION_KOSOVO_POLICE);
}

TEST(SituationIndexTest, FilterIsMatchedAgainstTheLatestUpdate) {
  FedIndex index;
  index.Apply({Opened(1, "A"), Opened(2, "B"),
               Entry(3, 2, R"pb(incident_id: "B" kind: KIND_ESCALATE
                                mission: MISSION_KFOR
                                role: ROLE_THIRD_RESPONDER)pb")});
  const MissionFilter kfor(v1::MISSION_KFOR);
  const auto snapshot = index.Take(&kfor, kNow);
  EXPECT_THAT(Ids(snapshot), ElementsAre("B"));
  EXPECT_EQ(snapshot.sequence, 3u);
}

// Issue 17, I-1: a reader who may read only EULEX keeps the incident EULEX
// took part in, seen through EULEX's newest update, when the Kosovo Police
// publishes after it; a reader of KFOR, which took no part, never sees it.
TEST(SituationIndexTest, AReaderSeesAnIncidentThroughItsNewestReadableUpdate) {
  FedIndex index;
  index.Apply({Opened(1, "A"),
               Entry(2, 2, R"pb(incident_id: "A" kind: KIND_UPDATE
                                mission: MISSION_EULEX
                                role: ROLE_SECOND_RESPONDER
                                severity: SEVERITY_MINOR)pb"),
               Entry(3, 3, R"pb(incident_id: "A" kind: KIND_UPDATE
                                mission: MISSION_KOSOVO_POLICE
                                role: ROLE_FIRST_RESPONDER
                                severity: SEVERITY_SEVERE)pb")});
  auto rights = [](v1::Mission mission) {
    return *FilterMatcher::Compile(v1::Filter(), {}, "filter",
                                  MissionSet::Of(mission));
  };
  const auto eulex = index.Take(rights(v1::MISSION_EULEX).get(), kNow);
  ASSERT_EQ(eulex.incidents.size(), 1u);
  EXPECT_EQ(eulex.incidents[0].latest->sequence(), 2u);
  EXPECT_TRUE(eulex.incidents[0].latest_replaced());
  EXPECT_EQ(eulex.incidents[0].record->latest->sequence(), 3u);
  const v1::Incident shown =
      ToIncidentProtoFor(eulex.incidents[0], MissionSet::Of(v1::MISSION_EULEX));
  EXPECT_EQ(shown.latest().sequence(), 2u);
  EXPECT_EQ(shown.peak_severity(), v1::SEVERITY_MINOR);
  EXPECT_THAT(index.Take(rights(v1::MISSION_KFOR).get(), kNow).incidents,
              IsEmpty());
  const auto police = index.Take(rights(v1::MISSION_KOSOVO_POLICE).get(), kNow);
  ASSERT_EQ(police.incidents.size(), 1u);
  EXPECT_FALSE(police.incidents[0].latest_replaced());
}

TEST(SituationIndexTest, ExpiredIncidentLeavesSnapshotAndIsReportedForExpiry) {
  FedIndex index;
  index.Apply({Opened(1, "A"), Opened(2, "B"),
               Entry(3, 2, absl::StrCat("incident_id: 'A' kind: KIND_UPDATE ",
                                        "expires_at { seconds: ",
                                        absl::ToUnixSeconds(kNow), " }"))});
  // expires_at == now counts as expired; one second earlier it is current.
  EXPECT_THAT(Ids(index.Take(nullptr, kNow - absl::Seconds(1))),
              ElementsAre("B", "A"));
  EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("B"));
  EXPECT_THAT(index.ExpiredAt(kNow - absl::Seconds(1)), IsEmpty());
  const std::vector<IncidentRecordPtr> expired = index.ExpiredAt(kNow);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]->incident_id, "A");
  EXPECT_EQ(expired[0]->version, 2u);
  // Still open until the server appends the KIND_EXPIRED update.
  EXPECT_EQ(index.size(), 2u);
}

TEST(SituationIndexTest, LaterUpdateWithoutExpiryKeepsIncidentCurrent) {
  FedIndex index;
  index.Apply({Opened(1, "A"),
               Entry(2, 2, "incident_id: 'A' kind: KIND_UPDATE "
                           "expires_at { seconds: 1 }"),
               Entry(3, 3, "incident_id: 'A' kind: KIND_UPDATE")});
  EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("A"));
  EXPECT_THAT(index.ExpiredAt(kNow), IsEmpty());
}

TEST(SituationIndexTest, TakenSnapshotDoesNotChangeWhenIndexMovesOn) {
  FedIndex index;
  index.Apply({Opened(1, "A")});
  const auto before = index.Take(nullptr, kNow);
  index.Apply({Entry(2, 2, "incident_id: 'A' kind: KIND_UPDATE"),
               Entry(3, 3, "incident_id: 'A' kind: KIND_RESOLVE")});
  ASSERT_EQ(before.incidents.size(), 1u);
  EXPECT_EQ(before.incidents[0].record->version, 1u);
  EXPECT_EQ(before.sequence, 1u);
  EXPECT_THAT(index.Take(nullptr, kNow).incidents, IsEmpty());
}

TEST(SituationIndexTest, ResetReplacesEverythingAndSkipsClosedRecords) {
  FedIndex index;
  index.Apply({Opened(1, "old")});

  EventLog::OpenIncidents initial;
  initial.head = 10;
  IncidentRecord open;
  ApplyToIncident(Opened(7, "open"), &open);
  IncidentRecord closed;
  ApplyToIncident(Opened(8, "closed"), &closed);
  closed.closed = true;
  initial.incidents = {std::make_shared<IncidentRecord>(open),
                       std::make_shared<IncidentRecord>(closed)};
  index.Reset(std::move(initial));

  EXPECT_EQ(index.sequence(), 10u);
  EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("open"));
}

TEST(SituationIndexTest, EntriesAlreadyCoveredByResetAreSkipped) {
  FedIndex index;
  EventLog::OpenIncidents initial;
  initial.head = 5;
  index.Reset(std::move(initial));
  // Delivered by the listener while the open incidents were loading.
  index.Apply({Opened(5, "seen"), Opened(6, "new")});
  EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("new"));
  EXPECT_EQ(index.sequence(), 6u);
}

TEST(SituationIndexTest, UpdateOfUnknownIncidentIsStillShown) {
  FedIndex index;
  index.Apply({Entry(4, 3, R"pb(incident_id: "X" kind: KIND_UPDATE
                                mission: MISSION_EULEX)pb")});
  const auto snapshot = index.Take(nullptr, kNow);
  ASSERT_THAT(Ids(snapshot), ElementsAre("X"));
  EXPECT_EQ(snapshot.incidents[0].record->version, 3u);
}

TEST(SituationIndexTest, ToIncidentProtoFillsEveryField) {
  FedIndex index;
  index.Apply({Opened(1, "KP-1"),
               Entry(2, 2, R"pb(incident_id: "KP-1" kind: KIND_ESCALATE
                                mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER
                                severity: SEVERITY_EXTREME)pb")});
  const auto snapshot = index.Take(nullptr, kNow);
  ASSERT_EQ(snapshot.incidents.size(), 1u);
  const v1::Incident incident = ToIncidentProto(*snapshot.incidents[0].record);
  EXPECT_EQ(incident.incident_id(), "KP-1");
  EXPECT_EQ(incident.latest().sequence(), 2u);
  EXPECT_EQ(incident.latest().kind(), v1::KIND_ESCALATE);
  // The deprecated summary fields are still filled for old clients.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(incident.current_tier(), v1::ROLE_THIRD_RESPONDER);
  EXPECT_FALSE(incident.support_requested());
  EXPECT_FALSE(incident.support_acknowledged());
#pragma GCC diagnostic pop
  EXPECT_EQ(incident.opened_at().seconds(), 1699999000);
  EXPECT_EQ(incident.opened_by(), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(incident.version(), 2u);
  EXPECT_EQ(incident.peak_severity(), v1::SEVERITY_EXTREME);
}

// Every sequence opens one incident, so a consistent snapshot holds exactly
// `sequence` incidents, never one more or less.
TEST(SituationIndexTest, SnapshotsTakenDuringApplyAreConsistent) {
  constexpr uint64_t kUpdates = 2000;
  std::vector<LogEntryPtr> entries;
  for (uint64_t s = 1; s <= kUpdates; ++s) {
    entries.push_back(Opened(s, absl::StrCat("I-", s)));
  }
  FedIndex index;
  std::thread writer([&] {
    for (const LogEntryPtr& entry : entries) index.Apply({entry});
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      uint64_t last = 0;
      while (last < kUpdates) {
        const auto snapshot = index.Take(nullptr, kNow);
        ASSERT_EQ(snapshot.incidents.size(), snapshot.sequence);
        ASSERT_GE(snapshot.sequence, last);
        last = snapshot.sequence;
      }
    });
  }
  writer.join();
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(index.size(), kUpdates);
}

TEST(SituationIndexTest, ExercisesCountOnlyWhenTheFilterAsksForThem) {
  FedIndex index;
  index.Apply({Opened(1, "REAL"),
               Entry(2, 1, R"pb(mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
                                severity: SEVERITY_EXTREME category: CATEGORY_CIVIL_DISTURBANCE
                                status: STATUS_EXERCISE kind: KIND_NEW
                                headline: "EXERCISE: simulated riot" incident_id: "EX")pb"),
               Entry(3, 1, R"pb(mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
                                severity: SEVERITY_SEVERE category: CATEGORY_EXERCISE
                                kind: KIND_NEW headline: "Old-style exercise"
                                incident_id: "OLD")pb")});
  EXPECT_THAT(Ids(index.Take(nullptr, kNow)), ElementsAre("REAL"));
  auto everything = FilterMatcher::Compile(v1::Filter());
  ASSERT_TRUE(everything.ok());
  EXPECT_THAT(Ids(index.Take(everything->get(), kNow)), ElementsAre("REAL"));
  v1::Filter exercises;
  exercises.add_statuses(v1::STATUS_EXERCISE);
  auto matcher = FilterMatcher::Compile(exercises);
  ASSERT_TRUE(matcher.ok());
  EXPECT_THAT(Ids(index.Take(matcher->get(), kNow)), ElementsAre("EX", "OLD"));
}

// GetSituation's encoded answer (situation_encoding.h) parses to exactly
// the Situation built from Incident messages, for a reader of every
// mission, a reader who sees an older update than the thread's latest (the
// police) and a reader whose rights redact the state (EULEX).
TEST(SituationIndexTest, TheEncodedSituationIsTheBuiltOne) {
  FedIndex index;
  v1::Situation empty;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  SituationJson(index.Take(nullptr, kNow), MissionSet::All(), "l", kNow),
                  &empty)
                  .ok());
  EXPECT_EQ(empty.log_id(), "l");
  index.Apply({
      Opened(1, "KP-1"),
      Entry(2, 2, R"pb(incident_id: "KP-1" kind: KIND_REQUEST_SUPPORT
                       role: ROLE_FIRST_RESPONDER severity: SEVERITY_SEVERE
                       labels { key: "unit" value: "Region 3" })pb"),
      Entry(3, 3, R"pb(incident_id: "KP-1" kind: KIND_ACKNOWLEDGE
                       mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
                       severity: SEVERITY_MODERATE publisher: "eulex-ops")pb"),
      Opened(4, "KP-2"),
      Entry(5, 0, R"pb(mission: MISSION_KFOR role: ROLE_LIAISON
                       severity: SEVERITY_MINOR)pb"),
  });
  const absl::Time as_of = kNow + absl::Seconds(1);
  for (MissionSet readable : {MissionSet::All(),
                              MissionSet::Of(v1::MISSION_KOSOVO_POLICE),
                              MissionSet::Of(v1::MISSION_EULEX)}) {
    SCOPED_TRACE(readable.bits());
    const auto rights = *FilterMatcher::Compile(v1::Filter(), {}, "filter", readable);
    const auto snapshot = index.Take(rights.get(), kNow);
    ASSERT_FALSE(snapshot.incidents.empty());
    // The police see KP-1 through their own request (EULEX's acknowledge
    // is unreadable to them); EULEX sees KP-1 redacted and not KP-2.
    if (readable == MissionSet::Of(v1::MISSION_KOSOVO_POLICE)) {
      EXPECT_TRUE(std::any_of(snapshot.incidents.begin(), snapshot.incidents.end(),
                              [](const SituationIndex::Shown& shown) {
                                return shown.latest_replaced();
                              }));
    }
    v1::Situation built;
    for (const SituationIndex::Shown& shown : snapshot.incidents) {
      *built.add_incidents() = ToIncidentProtoFor(shown, readable);
    }
    built.set_sequence(snapshot.sequence);
    built.set_log_id("log-1");
    built.mutable_as_of()->set_seconds(absl::ToUnixSeconds(as_of));
    v1::Situation encoded;
    ASSERT_TRUE(encoded.ParseFromString(
        EncodeSituation(snapshot, readable, "log-1", as_of)));
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(encoded, built))
        << encoded.DebugString() << "\n  vs built\n" << built.DebugString();
    // And HTTP's JSON of it.
    v1::Situation from_json;
    const std::string json = SituationJson(snapshot, readable, "log-1", as_of);
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(json, &from_json).ok())
        << json;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(from_json, built))
        << json << "\n  vs built\n" << built.DebugString();
    if (readable.IsAll() && index.sequence() == 5) {
      // The state's encoding is kept per record: a new update makes a new
      // record, which is encoded again (the loop's next round checks it).
      index.Apply({Entry(6, 4, R"pb(incident_id: "KP-1" kind: KIND_ESCALATE
                                   mission: MISSION_EULEX
                                   role: ROLE_SECOND_RESPONDER
                                   severity: SEVERITY_SEVERE)pb")});
      const auto again = index.Take(rights.get(), kNow);
      v1::Situation reencoded;
      ASSERT_TRUE(reencoded.ParseFromString(
          EncodeSituation(again, readable, "log-1", as_of)));
      ASSERT_EQ(reencoded.incidents_size(), 2);
      EXPECT_EQ(reencoded.incidents(1).version(), 4u);
      EXPECT_EQ(reencoded.incidents(1).lead().mission(), v1::MISSION_EULEX);
    }
  }
}

// The compact situation (query/compact_situation.h) is the built Situation
// with each incident compacted, for every kind of reader as above; the
// compact JSON kept per record follows the record.
TEST(SituationIndexTest, TheCompactSituationIsTheFullOneCompacted) {
  FedIndex index;
  index.Apply({
      Opened(1, "KP-1"),
      Entry(2, 2, R"pb(incident_id: "KP-1" kind: KIND_REQUEST_SUPPORT
                       role: ROLE_FIRST_RESPONDER severity: SEVERITY_SEVERE
                       description: "Only the story shows this.")pb"),
      Entry(3, 3, R"pb(incident_id: "KP-1" kind: KIND_ACKNOWLEDGE
                       mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
                       severity: SEVERITY_MODERATE publisher: "eulex-ops")pb"),
      Opened(4, "KP-2"),
  });
  const absl::Time as_of = kNow + absl::Seconds(1);
  auto compact_of = [&](const SituationIndex::Snapshot& snapshot,
                        MissionSet readable) {
    v1::Situation parsed;
    const std::string json =
        CompactSituationJson(snapshot, readable, "log-1", as_of);
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
        << json;
    return parsed;
  };
  // Every mission; the police (shown KP-1's request, not EULEX's later
  // acknowledge); EULEX (the state redacted).
  const MissionSet readers[] = {MissionSet::All(),
                                MissionSet::Of(v1::MISSION_KOSOVO_POLICE),
                                MissionSet::Of(v1::MISSION_EULEX)};
  for (const MissionSet readable : readers) {
    SCOPED_TRACE(readable.bits());
    const SituationIndex::Snapshot snapshot = index.Take(
        FilterMatcher::Compile(v1::Filter(), {}, "filter", readable)->get(), kNow);
    ASSERT_FALSE(snapshot.incidents.empty());
    v1::Situation expected;
    for (const SituationIndex::Shown& shown : snapshot.incidents) {
      *expected.add_incidents() =
          CompactIncident(ToIncidentProtoFor(shown, readable));
    }
    expected.set_sequence(snapshot.sequence);
    expected.set_log_id("log-1");
    expected.mutable_as_of()->set_seconds(absl::ToUnixSeconds(as_of));
    // Twice: the second answer is made of the kept pieces.
    for (int call = 0; call < 2; ++call) {
      const v1::Situation compact = compact_of(snapshot, readable);
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(compact, expected))
          << compact.DebugString() << "\n  vs expected\n" << expected.DebugString();
    }
  }
  // A new update makes a new record, compacted again.
  index.Apply({Entry(5, 4, R"pb(incident_id: "KP-1" kind: KIND_ESCALATE
                               mission: MISSION_EULEX role: ROLE_SECOND_RESPONDER
                               severity: SEVERITY_SEVERE headline: "Escalated")pb")});
  const v1::Situation again = compact_of(index.Take(nullptr, kNow), MissionSet::All());
  ASSERT_EQ(again.incidents_size(), 2);
  EXPECT_EQ(again.incidents(1).incident_id(), "KP-1");
  EXPECT_EQ(again.incidents(1).version(), 4u);
  EXPECT_EQ(again.incidents(1).latest().headline(), "Escalated");
  EXPECT_TRUE(again.incidents(1).latest().description().empty());
}

}  // namespace
}  // namespace sitrep
