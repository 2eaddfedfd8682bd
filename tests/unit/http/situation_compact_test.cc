// GET /v1/situation?view=compact (situation_compact.h): the compact view is
// cut from the full JSON, keeps what the dashboard's list and map show in
// the full view's names and values, and drops the rest.
#include "server/http/situation_compact.h"

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
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

v1::Situation Compacted(const v1::Situation& full) {
  absl::StatusOr<std::string> compact = CompactSituationJson(ToJsonLine(full));
  EXPECT_TRUE(compact.ok()) << compact.status();
  v1::Situation parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  compact.ok() ? *compact : "{}", &parsed)
                  .ok())
      << *compact;
  return parsed;
}

TEST(SituationCompactTest, KeepsWhatTheListAndTheMapShow) {
  v1::Situation full;
  *full.add_incidents() = FullIncident("inc-1");
  *full.add_incidents() = FullIncident("inc-2");
  full.set_sequence(99);
  full.set_log_id("log-a");
  full.mutable_as_of()->set_seconds(1'800'000'300);

  v1::Situation expected = full;
  for (v1::Incident& incident : *expected.mutable_incidents()) {
    incident.clear_current_tier();  // lead says it
    incident.clear_opened_by_publisher();
    incident.clear_opened_sequence();
    incident.clear_participants();
    incident.mutable_support_requests()->DeleteSubrange(0, 1);  // the closed one
    v1::SituationUpdate* latest = incident.mutable_latest();
    latest->clear_event_id();
    latest->clear_role();
    latest->clear_incident_id();
    latest->clear_description();
    latest->clear_location();  // the incident has one
    latest->clear_received_at();
    latest->clear_publisher();
    latest->clear_labels();
  }
  EXPECT_EQ(ToJsonLine(Compacted(full)), ToJsonLine(expected));
}

TEST(SituationCompactTest, TheLatestLocationStaysWhenTheIncidentHasNone) {
  v1::Situation full;
  v1::Incident* incident = full.add_incidents();
  *incident = FullIncident("inc-1");
  incident->clear_location();
  incident->clear_lead();
  v1::Situation compact = Compacted(full);
  ASSERT_EQ(compact.incidents_size(), 1);
  EXPECT_EQ(compact.incidents(0).latest().location().municipality(), "zvecan");
  // Without a lead, the tier is the deprecated field's.
  EXPECT_EQ(compact.incidents(0).current_tier(), v1::ROLE_SECOND_RESPONDER);
}

TEST(SituationCompactTest, AnEmptySituationKeepsItsPoint) {
  v1::Situation full;
  full.set_sequence(5);
  full.set_log_id("log-b");
  EXPECT_EQ(*CompactSituationJson(ToJsonLine(full)), ToJsonLine(full));
}

TEST(SituationCompactTest, RefusesWhatIsNotASituationsJson) {
  for (const char* text : {"", "[]", "{\"incidents\":[{\"a\":1}", "{\"a\"}"}) {
    EXPECT_EQ(CompactSituationJson(text).status().code(),
              absl::StatusCode::kInternal)
        << text;
  }
}

TEST(SituationCompactTest, TheViewParameter) {
  EXPECT_FALSE(*WantsCompactSituation(""));
  EXPECT_FALSE(*WantsCompactSituation("filter.missions=kfor&view=full"));
  EXPECT_TRUE(*WantsCompactSituation("view=compact&filter.missions=kfor"));
  absl::StatusOr<bool> wrong = WantsCompactSituation("view=short");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("view: 'short'"), std::string::npos);
}

#pragma GCC diagnostic pop

}  // namespace
}  // namespace sitrep
