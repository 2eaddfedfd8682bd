#include "tests/support/updates.h"

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/incident/tiers.h"

namespace sitrep::testing {

v1::SituationUpdate UpdateFromText(absl::string_view text) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                            &update))
      << text;
  return update;
}

v1::PublishRequest PublishRequestFromText(absl::string_view text) {
  v1::PublishRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                            &request))
      << text;
  return request;
}

v1::SituationUpdate PatrolUpdate(v1::Mission mission,
                                 absl::string_view headline) {
  v1::SituationUpdate update = UpdateFromText(R"pb(
    role: ROLE_SUPPORT
    severity: SEVERITY_MINOR
    category: CATEGORY_PATROL
    location { municipality: "Prishtinë" }
  )pb");
  update.set_mission(mission);
  update.set_headline(std::string(headline));
  return update;
}

v1::SituationUpdate NewIncident(absl::string_view incident_id,
                                v1::Mission mission) {
  v1::SituationUpdate update = UpdateFromText(R"pb(
    severity: SEVERITY_MODERATE
    category: CATEGORY_CIVIL_DISTURBANCE
    kind: KIND_NEW
    headline: "Crowd gathering at the main bridge"
    location { municipality: "Mitrovicë" place: "Ibar bridge" }
    labels { key: "unit" value: "ROSU" }
  )pb");
  update.set_mission(mission);
  update.set_role(TierOfMission(mission));
  if (mission != v1::MISSION_KOSOVO_POLICE) {
    update.mutable_chain_exception()->set_reason(
        "test: the mission opens the incident under its own mandate");
  }
  update.set_incident_id(std::string(incident_id));
  return update;
}

std::vector<uint64_t> Sequences(const std::vector<v1::SituationUpdate>& updates) {
  std::vector<uint64_t> sequences;
  sequences.reserve(updates.size());
  for (const v1::SituationUpdate& update : updates) sequences.push_back(update.sequence());
  return sequences;
}

std::vector<uint64_t> SequenceRange(uint64_t first, uint64_t last) {
  std::vector<uint64_t> range;
  for (uint64_t s = first; s <= last; ++s) range.push_back(s);
  return range;
}

}  // namespace sitrep::testing
