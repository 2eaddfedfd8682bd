// The compact situation (query/compact_situation.h): what the dashboard's
// list and map show of each incident, in the full view's names and values,
// and nothing else. (That the snapshot's answer is these incidents, joined:
// SituationIndexTest.TheCompactSituationIsTheFullOneCompacted.)
#include "server/query/compact_situation.h"

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/query/compact_incident_json.h"
#include "server/situation/json_line.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {
namespace {

// current_tier is deprecated (lead.tier says it); the compact view keeps it
// only for an incident without a lead, as older servers sent.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

v1::Incident FullIncident(const std::string& id) {
  v1::Incident incident;
  incident.set_incident_id(id);
  incident.set_version(3);
  incident.set_current_tier(v1::ROLE_SECOND_RESPONDER);
  incident.set_opened_by(v1::MISSION_KOSOVO_POLICE);
  incident.mutable_opened_at()->set_seconds(1'800'000'000);
  incident.set_opened_by_publisher("kp-desk");
  incident.set_opened_sequence(7);
  incident.set_peak_severity(v1::SEVERITY_SEVERE);
  incident.set_category(v1::CATEGORY_PUBLIC_ORDER);
  incident.mutable_lead()->set_mission(v1::MISSION_EULEX);
  incident.mutable_lead()->set_tier(v1::ROLE_SECOND_RESPONDER);
  incident.mutable_lead()->mutable_since()->set_seconds(1'800'000'100);
  incident.mutable_location()->set_municipality("zvecan");
  incident.mutable_location()->set_place("Rudare, \"the\" bridge");
  incident.mutable_location()->mutable_point()->set_latitude(42.9);
  incident.mutable_location()->mutable_point()->set_longitude(20.8);
  v1::SupportRequest* closed = incident.add_support_requests();
  closed->set_state(v1::SupportRequest::STATE_CLOSED);
  closed->set_requested_by("closed-one");
  v1::SupportRequest* open = incident.add_support_requests();
  open->set_state(v1::SupportRequest::STATE_OPEN);
  open->set_requested_by("open-one");
  incident.add_exceptions()->set_reason("KFOR took over at once");
  incident.add_participants()->set_mission(v1::MISSION_KOSOVO_POLICE);
  v1::SituationUpdate* latest = incident.mutable_latest();
  latest->set_event_id("ev-1");
  latest->set_mission(v1::MISSION_EULEX);
  latest->set_role(v1::ROLE_SECOND_RESPONDER);
  latest->set_severity(v1::SEVERITY_MODERATE);
  latest->set_category(v1::CATEGORY_PUBLIC_ORDER);
  latest->set_incident_id(id);
  latest->set_kind(v1::KIND_UPDATE);
  latest->mutable_occurred_at()->set_seconds(1'800'000'200);
  latest->set_headline("FPU on site, {calm}, [no injuries]");
  latest->set_description("A long description only the story shows.");
  latest->mutable_location()->set_municipality("zvecan");
  latest->set_status(v1::STATUS_EXERCISE);
  latest->set_sequence(12);
  latest->mutable_received_at()->set_seconds(1'800'000'201);
  latest->set_publisher("eulex-desk");
  (*latest->mutable_labels())["unit"] = "FPU 2";
  return incident;
}

TEST(CompactSituationTest, KeepsWhatTheListAndTheMapShow) {
  const v1::Incident full = FullIncident("inc-1");
  v1::Incident expected = full;
  expected.clear_current_tier();  // lead says it
  expected.mutable_lead()->clear_since_sequence();
  expected.clear_opened_by_publisher();
  expected.clear_opened_sequence();
  expected.clear_participants();
  expected.mutable_support_requests()->DeleteSubrange(0, 1);  // the closed one
  v1::SituationUpdate* latest = expected.mutable_latest();
  latest->clear_event_id();
  latest->clear_role();
  latest->clear_incident_id();
  latest->clear_description();
  latest->clear_location();  // the incident has one
  latest->clear_received_at();
  latest->clear_publisher();
  latest->clear_labels();
  // The incident's category is the latest update's: the dashboard reads
  // incident.category ?? latest.category.
  expected.clear_category();
  EXPECT_EQ(ToJsonLine(CompactIncident(full)), ToJsonLine(expected));
}

TEST(CompactSituationTest, TheCategoryStaysWhenTheLatestSaysAnother) {
  v1::Incident full = FullIncident("inc-1");
  full.mutable_latest()->set_category(v1::CATEGORY_CRIME);
  const v1::Incident compact = CompactIncident(full);
  EXPECT_EQ(compact.category(), v1::CATEGORY_PUBLIC_ORDER);
  EXPECT_EQ(compact.latest().category(), v1::CATEGORY_CRIME);
}

TEST(CompactSituationTest, TheLatestLocationStaysWhenTheIncidentHasNone) {
  v1::Incident full = FullIncident("inc-1");
  full.clear_location();
  full.clear_lead();
  const v1::Incident compact = CompactIncident(full);
  EXPECT_EQ(compact.latest().location().municipality(), "zvecan");
  EXPECT_FALSE(compact.has_lead());
  // Without a lead, the tier is the deprecated field's.
  EXPECT_EQ(compact.current_tier(), v1::ROLE_SECOND_RESPONDER);
}

TEST(CompactSituationTest, AnEmptySituationKeepsItsPoint) {
  SituationIndex::Snapshot empty;
  empty.sequence = 5;
  const absl::Time as_of = absl::FromUnixSeconds(1'800'000'000);
  v1::Situation expected;
  expected.set_sequence(5);
  expected.set_log_id("log-b");
  expected.mutable_as_of()->set_seconds(1'800'000'000);
  EXPECT_EQ(CompactSituationJson(empty, MissionSet::All(), "log-b", as_of),
            ToJsonLine(expected));
}

// The compact JSON is written field by field (compact_incident_json.h):
// it parses to the compact incident itself, whatever of it is set.
TEST(CompactSituationTest, TheWrittenJsonIsTheCompactIncident) {
  v1::Incident without_lead = FullIncident("inc-2");
  without_lead.clear_lead();
  without_lead.clear_location();
  without_lead.mutable_latest()->mutable_location()->mutable_point()->set_latitude(-0.5);
  without_lead.mutable_latest()->set_headline("Line\nbreak, tab\t, quote \" and \\ \x01 Zveçan");
  without_lead.mutable_latest()->mutable_occurred_at()->set_nanos(120'000'000);
  without_lead.add_exceptions()->set_rule("escalate-after-acknowledge");
  v1::Incident unknown_enum = FullIncident("inc-3");
  unknown_enum.mutable_latest()->set_severity(static_cast<v1::Severity>(77));
  for (const v1::Incident& full :
       {FullIncident("inc-1"), without_lead, unknown_enum, v1::Incident()}) {
    const v1::Incident compact = CompactIncident(full);
    std::string json;
    AppendCompactIncidentJson(compact, &json);
    v1::Incident parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, compact))
        << json << "\n  vs\n" << ToJsonLine(compact);
  }
}

#pragma GCC diagnostic pop

}  // namespace
}  // namespace sitrep
