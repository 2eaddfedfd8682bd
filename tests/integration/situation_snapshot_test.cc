// The current situation against a real sitrepd: GetSituation (the latest
// update of every open incident with the facts of its thread, filtered, at a
// consistent sequence) and Subscribe with `situation: true` (the same
// incidents, then SnapshotEnd, then every later update live).
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/incident/tiers.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// The latest update of each incident of a Situation, as (id, sequence).
std::vector<std::pair<std::string, uint64_t>> IncidentsOf(
    const v1::Situation& situation) {
  std::vector<std::pair<std::string, uint64_t>> incidents;
  for (const v1::Incident& incident : situation.incidents()) {
    incidents.emplace_back(incident.incident_id(), incident.latest().sequence());
  }
  return incidents;
}

std::vector<std::pair<std::string, uint64_t>> IncidentsOf(
    const std::vector<v1::SituationUpdate>& updates) {
  std::vector<std::pair<std::string, uint64_t>> incidents;
  for (const v1::SituationUpdate& update : updates) {
    incidents.emplace_back(update.incident_id(), update.sequence());
  }
  return incidents;
}

using Pair = std::pair<std::string, uint64_t>;

// An update of `incident_id`'s thread, from text.
v1::SituationUpdate InThread(absl::string_view incident_id,
                             absl::string_view text) {
  v1::SituationUpdate update = UpdateFromText(text);
  update.set_incident_id(std::string(incident_id));
  return update;
}

v1::SituationUpdate Resolve(absl::string_view incident_id) {
  return InThread(incident_id, R"pb(
    mission: MISSION_KOSOVO_POLICE
    role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MINOR
    category: CATEGORY_CIVIL_DISTURBANCE
    kind: KIND_RESOLVE
    headline: "Crowd dispersed"
  )pb");
}

v1::SituationUpdate Cancel(absl::string_view incident_id) {
  return InThread(incident_id, R"pb(
    mission: MISSION_KOSOVO_POLICE
    role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MINOR
    category: CATEGORY_CIVIL_DISTURBANCE
    kind: KIND_CANCEL
    headline: "Reported in error"
  )pb");
}

// An update of `mission` acting as its own tier. These tests are about
// filters, not the chain: another mission than the Kosovo Police updates
// out of turn, with a chain exception.
v1::SituationUpdate Update(absl::string_view incident_id,
                           v1::Mission mission = v1::MISSION_KOSOVO_POLICE) {
  v1::SituationUpdate update = InThread(incident_id, R"pb(
    severity: SEVERITY_MODERATE
    category: CATEGORY_CIVIL_DISTURBANCE
    kind: KIND_UPDATE
    headline: "Crowd still gathering"
    location { municipality: "Mitrovicë" }
  )pb");
  update.set_mission(mission);
  update.set_role(TierOfMission(mission));
  if (mission != v1::MISSION_KOSOVO_POLICE) {
    update.mutable_chain_exception()->set_reason("test: out of turn");
  }
  return update;
}

class SituationTest : public ::testing::Test {
 protected:
  uint64_t Publish(const v1::SituationUpdate& update) {
    return MustPublish(*stub_, update);
  }
  v1::Situation Situation(const v1::Filter& filter = {}) {
    absl::StatusOr<v1::Situation> situation = GetSituation(*stub_, filter);
    EXPECT_THAT(situation, IsOk());
    return situation.ok() ? *situation : v1::Situation();
  }
  v1::SubscribeRequest SituationStart(const v1::Filter& filter = {}) {
    v1::SubscribeRequest request;
    *request.mutable_filter() = filter;
    request.set_situation(true);
    return request;
  }

  TestServer server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_ = server_.NewStub();
};

TEST_F(SituationTest, EmptyFeedHasAnEmptySituationAtSequenceZero) {
  v1::Situation situation = Situation();
  EXPECT_THAT(situation.incidents(), IsEmpty());
  EXPECT_EQ(situation.sequence(), 0u);
  EXPECT_EQ(situation.log_id(), server_.server().log_id());
  EXPECT_TRUE(situation.has_as_of());
}

TEST_F(SituationTest, EachOpenIncidentAppearsOnceWithItsLatestUpdateAndThreadFacts) {
  v1::SituationUpdate opening = NewIncident("bridge-1");
  *opening.mutable_occurred_at() =
      ToProtoTime(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())) -
                  absl::Minutes(10));
  ASSERT_EQ(Publish(opening), 1u);
  ASSERT_EQ(Publish(NewIncident("border-2", v1::MISSION_KFOR)), 2u);
  ASSERT_EQ(Publish(PatrolUpdate(v1::MISSION_EULEX)), 3u);  // no incident
  ASSERT_EQ(Publish(InThread("bridge-1", R"pb(
              mission: MISSION_KOSOVO_POLICE
              role: ROLE_FIRST_RESPONDER
              severity: SEVERITY_SEVERE
              category: CATEGORY_CIVIL_DISTURBANCE
              kind: KIND_REQUEST_SUPPORT
              headline: "Crowd growing, EULEX support requested"
            )pb")),
            4u);
  ASSERT_EQ(Publish(InThread("bridge-1", R"pb(
              mission: MISSION_EULEX
              role: ROLE_SECOND_RESPONDER
              severity: SEVERITY_SEVERE
              category: CATEGORY_CIVIL_DISTURBANCE
              kind: KIND_ACKNOWLEDGE
              headline: "FPU on the way"
            )pb")),
            5u);
  ASSERT_EQ(Publish(InThread("bridge-1", R"pb(
              mission: MISSION_EULEX
              role: ROLE_SECOND_RESPONDER
              severity: SEVERITY_SEVERE
              category: CATEGORY_CIVIL_DISTURBANCE
              kind: KIND_ESCALATE
              headline: "EULEX FPU in charge"
            )pb")),
            6u);
  // A non-responder update changes neither the tier nor the peak severity.
  ASSERT_EQ(Publish(InThread("bridge-1", R"pb(
              mission: MISSION_EULEX
              role: ROLE_SUPPORT
              severity: SEVERITY_MINOR
              category: CATEGORY_CIVIL_DISTURBANCE
              kind: KIND_UPDATE
              headline: "Calmer now"
            )pb")),
            7u);

  v1::Situation situation = Situation();
  EXPECT_EQ(situation.sequence(), 7u);
  // In the order of their latest sequence.
  EXPECT_THAT(IncidentsOf(situation),
              ElementsAre(Pair("border-2", 2), Pair("bridge-1", 7)));
  ASSERT_EQ(situation.incidents_size(), 2);

  const v1::Incident& border = situation.incidents(0);
  EXPECT_EQ(border.latest().kind(), v1::KIND_NEW);
  EXPECT_EQ(border.version(), 1u);
  EXPECT_EQ(border.latest().incident_version(), 1u);
  // KFOR opened it under its own mandate: a chain exception, and KFOR leads.
  EXPECT_EQ(border.lead().tier(), v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(border.lead().mission(), v1::MISSION_KFOR);
  ASSERT_EQ(border.exceptions_size(), 1);
  EXPECT_EQ(border.exceptions(0).rule(), "open-by-first-responder");
  EXPECT_TRUE(border.support_requests().empty());
  EXPECT_EQ(border.opened_by(), v1::MISSION_KFOR);
  EXPECT_EQ(border.peak_severity(), v1::SEVERITY_MODERATE);

  const v1::Incident& bridge = situation.incidents(1);
  EXPECT_EQ(bridge.latest().kind(), v1::KIND_UPDATE);
  EXPECT_EQ(bridge.latest().headline(), "Calmer now");
  EXPECT_EQ(bridge.latest().publisher(), "anonymous");
  EXPECT_EQ(bridge.version(), 5u);
  EXPECT_EQ(bridge.latest().incident_version(), 5u);
  EXPECT_EQ(bridge.lead().tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(bridge.lead().mission(), v1::MISSION_EULEX);
  EXPECT_EQ(bridge.lead().since_sequence(), 6u);
  ASSERT_EQ(bridge.support_requests_size(), 1);
  EXPECT_EQ(bridge.support_requests(0).requested_sequence(), 4u);
  EXPECT_EQ(bridge.support_requests(0).acknowledged_sequence(), 5u);
  EXPECT_EQ(bridge.location().municipality(), "mitrovice");
  EXPECT_TRUE(bridge.latest().location_carried());
  EXPECT_TRUE(bridge.exceptions().empty());
  // What older clients read, derived from the lead and the requests.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(bridge.current_tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_TRUE(bridge.support_requested());
  EXPECT_TRUE(bridge.support_acknowledged());
#pragma GCC diagnostic pop
  EXPECT_EQ(bridge.opened_by(), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(bridge.opened_at().seconds(), opening.occurred_at().seconds());
  EXPECT_EQ(bridge.peak_severity(), v1::SEVERITY_SEVERE);
}

TEST_F(SituationTest, SupportRequestedButNotYetAcknowledgedIsReportedSo) {
  Publish(NewIncident("road-3"));
  Publish(InThread("road-3", R"pb(
    mission: MISSION_KOSOVO_POLICE
    role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MODERATE
    category: CATEGORY_FREEDOM_OF_MOVEMENT
    kind: KIND_REQUEST_SUPPORT
    headline: "Road blocked, support requested"
  )pb"));
  v1::Situation situation = Situation();
  ASSERT_EQ(situation.incidents_size(), 1);
  ASSERT_EQ(situation.incidents(0).support_requests_size(), 1);
  EXPECT_EQ(situation.incidents(0).support_requests(0).state(),
            v1::SupportRequest::STATE_OPEN);
  EXPECT_EQ(situation.incidents(0).support_requests(0).to_mission(),
            v1::MISSION_EULEX);
}

TEST_F(SituationTest, ResolvedAndCancelledIncidentsLeaveTheSituation) {
  Publish(NewIncident("a"));
  Publish(NewIncident("b"));
  Publish(NewIncident("c"));
  EXPECT_EQ(Situation().incidents_size(), 3);

  Publish(Resolve("a"));
  Publish(Cancel("b"));

  v1::Situation situation = Situation();
  EXPECT_THAT(IncidentsOf(situation), ElementsAre(Pair("c", 3)));
  EXPECT_EQ(situation.sequence(), 5u);
}

TEST_F(SituationTest, FiltersMatchEachIncidentsLatestUpdate) {
  Publish(NewIncident("north-1", v1::MISSION_KOSOVO_POLICE));  // Mitrovicë
  v1::SituationUpdate prizren = NewIncident("south-2", v1::MISSION_KFOR);
  prizren.mutable_location()->set_municipality("Prizren");
  prizren.set_severity(v1::SEVERITY_SEVERE);
  (*prizren.mutable_labels())["unit"] = "MNBG-E";
  Publish(prizren);
  // north-1's latest update is now KFOR's: the filter sees that one.
  Publish(Update("north-1", v1::MISSION_KFOR));
  Publish(NewIncident("north-3", v1::MISSION_EULEX));

  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(missions: MISSION_KFOR)pb"))),
              ElementsAre(Pair("south-2", 2), Pair("north-1", 3)));
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(missions: MISSION_KOSOVO_POLICE)pb"))),
              IsEmpty());
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(municipalities: "Kosovska Mitrovica")pb"))),
              ElementsAre(Pair("north-1", 3), Pair("north-3", 4)));
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(min_severity: SEVERITY_SEVERE)pb"))),
              ElementsAre(Pair("south-2", 2)));
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(label_selector: "unit=ROSU")pb"))),
              ElementsAre(Pair("north-3", 4)));
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(incident_ids: "north-3" incident_ids: "south-2")pb"))),
              ElementsAre(Pair("south-2", 2), Pair("north-3", 4)));
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(R"pb(
                missions: MISSION_KFOR
                municipalities: "Mitrovica"
              )pb"))),
              ElementsAre(Pair("north-1", 3)));
  // The sequence is the feed's, whatever the filter.
  EXPECT_EQ(Situation(FilterFromText(R"pb(missions: MISSION_EULEX)pb"))
                .sequence(),
            4u);
}

TEST_F(SituationTest, InvalidFilterIsInvalidArgumentNamingTheField) {
  EXPECT_THAT(GetSituation(*stub_, FilterFromText(
                                       R"pb(label_selector: "unit in (")pb")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.label_selector"));
  absl::StatusOr<v1::Situation> unknown = GetSituation(
      *stub_, FilterFromText(R"pb(municipalities: "Atlantis")pb"));
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kInvalidArgument,
                                "Atlantis"));
  EXPECT_THAT(std::string(unknown.status().message()),
              StartsWith("filter.municipalities"));
}

TEST_F(SituationTest, SituationSequenceIsWhereAResumedSubscriptionContinues) {
  Publish(NewIncident("a"));
  Publish(PatrolUpdate(v1::MISSION_KFOR));  // stand-alone: moves the sequence
  v1::Situation situation = Situation();
  ASSERT_EQ(situation.sequence(), 2u);

  v1::SubscribeRequest request;
  request.set_after_sequence(situation.sequence());
  request.set_log_id(situation.log_id());
  StreamReader reader(*stub_, request);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  Publish(Update("a"));
  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].sequence(), 3u);
  EXPECT_EQ(updates[0].incident_id(), "a");
}

TEST_F(SituationTest, SituationStartSendsCurrentIncidentsThenSnapshotEndThenLive) {
  Publish(NewIncident("a"));                // 1
  Publish(NewIncident("b"));                // 2
  Publish(Update("a"));                     // 3: a's latest
  Publish(NewIncident("c"));                // 4
  Publish(Resolve("c"));                    // 5: c closed
  Publish(PatrolUpdate(v1::MISSION_KFOR));  // 6: no incident

  StreamReader reader(*stub_, SituationStart());
  std::vector<v1::SituationUpdate> snapshot;
  std::optional<v1::SubscribeResponse> end =
      reader.ReadUntil(IsSnapshotEnd, &snapshot);
  ASSERT_TRUE(end.has_value()) << reader.Finish().error_message();
  EXPECT_THAT(IncidentsOf(snapshot), ElementsAre(Pair("b", 2), Pair("a", 3)));
  EXPECT_EQ(end->snapshot_end().sequence(), 6u);
  EXPECT_EQ(end->cursor().sequence(), 6u);
  EXPECT_EQ(end->cursor().log_id(), server_.server().log_id());

  std::vector<v1::SituationUpdate> before_caught_up;
  std::optional<v1::SubscribeResponse> caught_up =
      reader.ReadUntil(IsCaughtUp, &before_caught_up);
  ASSERT_TRUE(caught_up.has_value());
  EXPECT_THAT(before_caught_up, IsEmpty());
  EXPECT_EQ(caught_up->caught_up().sequence(), 6u);

  // Live: every update after the snapshot's sequence, incident or not.
  Publish(NewIncident("d"));                 // 7
  Publish(Update("a"));                      // 8
  Publish(PatrolUpdate(v1::MISSION_EULEX));  // 9
  std::vector<v1::SituationUpdate> live = reader.ReadUpdates(3);
  EXPECT_THAT(Sequences(live), ElementsAre(7, 8, 9));

  // SnapshotEnd came once, before CaughtUp.
  std::vector<v1::SubscribeResponse::MarkerCase> markers;
  for (const v1::SubscribeResponse& marker : reader.markers()) {
    if (!marker.has_heartbeat()) markers.push_back(marker.marker_case());
  }
  EXPECT_THAT(markers, ElementsAre(v1::SubscribeResponse::kSnapshotEnd,
                                   v1::SubscribeResponse::kCaughtUp));
}

TEST_F(SituationTest, SnapshotBatchesCarryThePreSnapshotCursor) {
  Publish(NewIncident("a"));
  Publish(NewIncident("b"));
  StreamReader reader(*stub_, SituationStart());
  std::optional<v1::SubscribeResponse> first = NextNonHeartbeat(reader);
  ASSERT_TRUE(first.has_value());
  ASSERT_GT(first->updates_size(), 0);
  EXPECT_EQ(first->cursor().sequence(), 0u);
  EXPECT_EQ(first->cursor().log_id(), server_.server().log_id());
}

TEST_F(SituationTest, SituationStartOnAnEmptyFeedIsSnapshotEndThenCaughtUpThenLive) {
  StreamReader reader(*stub_, SituationStart());
  std::optional<v1::SubscribeResponse> first = NextNonHeartbeat(reader);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_snapshot_end()) << first->DebugString();
  EXPECT_EQ(first->snapshot_end().sequence(), 0u);
  std::optional<v1::SubscribeResponse> second = NextNonHeartbeat(reader);
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(second->has_caught_up()) << second->DebugString();

  Publish(NewIncident("a"));
  std::vector<v1::SituationUpdate> live = reader.ReadUpdates(1);
  EXPECT_THAT(IncidentsOf(live), ElementsAre(Pair("a", 1)));
}

TEST_F(SituationTest, SituationStartHonoursTheFilterInSnapshotAndLive) {
  Publish(NewIncident("kp-1", v1::MISSION_KOSOVO_POLICE));  // 1
  Publish(NewIncident("kfor-2", v1::MISSION_KFOR));         // 2
  Publish(PatrolUpdate(v1::MISSION_KFOR));                  // 3

  StreamReader reader(
      *stub_, SituationStart(FilterFromText(R"pb(missions: MISSION_KFOR)pb")));
  std::vector<v1::SituationUpdate> snapshot;
  std::optional<v1::SubscribeResponse> end =
      reader.ReadUntil(IsSnapshotEnd, &snapshot);
  ASSERT_TRUE(end.has_value());
  EXPECT_THAT(IncidentsOf(snapshot), ElementsAre(Pair("kfor-2", 2)));
  EXPECT_EQ(end->snapshot_end().sequence(), 3u);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));

  Publish(Update("kp-1", v1::MISSION_KOSOVO_POLICE));  // 4: filtered out
  Publish(Update("kfor-2", v1::MISSION_KFOR));         // 5
  std::vector<v1::SituationUpdate> live = reader.ReadUpdates(1);
  EXPECT_THAT(Sequences(live), ElementsAre(5));
}

TEST_F(SituationTest, LargeSnapshotSpansBatchesWithNoIncidentTwice) {
  constexpr int kIncidents = 600;  // more than one 256-update batch
  for (int i = 0; i < kIncidents; ++i) {
    ASSERT_NE(Publish(NewIncident(absl::StrCat("inc-", i))), 0u);
  }
  StreamReader reader(*stub_, SituationStart());
  std::vector<v1::SituationUpdate> snapshot;
  std::optional<v1::SubscribeResponse> end =
      reader.ReadUntil(IsSnapshotEnd, &snapshot);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->snapshot_end().sequence(), static_cast<uint64_t>(kIncidents));
  ASSERT_EQ(snapshot.size(), static_cast<size_t>(kIncidents));
  std::set<std::string> ids;
  for (size_t i = 0; i < snapshot.size(); ++i) {
    EXPECT_TRUE(ids.insert(snapshot[i].incident_id()).second)
        << snapshot[i].incident_id() << " twice";
    EXPECT_EQ(snapshot[i].sequence(), i + 1) << "in sequence order";
  }
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  Publish(Update("inc-0"));
  std::vector<v1::SituationUpdate> live = reader.ReadUpdates(1);
  EXPECT_THAT(Sequences(live), ElementsAre(kIncidents + 1));
}

// The filter is applied to each update, so without more a `situation`
// subscriber filtered to the Kosovo Police would never learn that KFOR
// resolved an incident in its snapshot. The server also sends an incident
// update whose incident's previous update matched the filter.
TEST_F(SituationTest,
       IncidentClosedByAnUpdateOutsideTheFilterLeavesAFilteredSituationStream) {
  Publish(NewIncident("kp-1", v1::MISSION_KOSOVO_POLICE));  // 1
  StreamReader reader(*stub_, SituationStart(FilterFromText(
                                  R"pb(missions: MISSION_KOSOVO_POLICE)pb")));
  std::vector<v1::SituationUpdate> snapshot;
  ASSERT_TRUE(reader.ReadUntil(IsSnapshotEnd, &snapshot));
  ASSERT_THAT(IncidentsOf(snapshot), ElementsAre(Pair("kp-1", 1)));
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));

  // KFOR closes it out of turn (the chain lets only the lead close an
  // incident; an exception lets KFOR), outside the subscriber's filter.
  v1::SituationUpdate resolve = Resolve("kp-1");
  resolve.set_mission(v1::MISSION_KFOR);
  resolve.set_role(v1::ROLE_THIRD_RESPONDER);
  resolve.mutable_chain_exception()->set_reason("test: out of turn");
  Publish(resolve);                                    // 2
  Publish(NewIncident("kp-3", v1::MISSION_KOSOVO_POLICE));  // 3
  EXPECT_THAT(IncidentsOf(Situation(FilterFromText(
                  R"pb(missions: MISSION_KOSOVO_POLICE)pb"))),
              ElementsAre(Pair("kp-3", 3)));
  // Read up to and including kp-3's NEW (which does match).
  std::vector<v1::SituationUpdate> live;
  while (live.empty() || live.back().incident_id() != "kp-3") {
    std::optional<v1::SubscribeResponse> response = reader.Next();
    ASSERT_TRUE(response.has_value());
    live.insert(live.end(), response->updates().begin(),
                response->updates().end());
  }
  live.pop_back();
  EXPECT_THAT(IncidentsOf(live), ElementsAre(Pair("kp-1", 2)))
      << "the subscriber was not told that kp-1 was resolved";
}

}  // namespace
}  // namespace sitrep::testing
