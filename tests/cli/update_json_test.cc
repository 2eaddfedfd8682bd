#include "client/update_json.h"

#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

TEST(UpdateJsonTest, AcceptsAPublishRequest) {
  absl::StatusOr<sitrep::v1::PublishRequest> r = ParsePublishJson(
      R"({"update": {"mission": "MISSION_KFOR", "headline": "x"},
          "expectedIncidentVersion": "3"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->update().mission(), sitrep::v1::MISSION_KFOR);
  EXPECT_EQ(r->expected_incident_version(), 3u);
}

TEST(UpdateJsonTest, AcceptsABareSituationUpdateWithProtoOrCamelNames) {
  absl::StatusOr<sitrep::v1::PublishRequest> r = ParsePublishJson(
      R"({"mission": "MISSION_EULEX", "incident_id": "i-1", "kind": "KIND_NEW",
          "location": {"municipality": "Zveçan"}, "labels": {"route": "A"}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->update().mission(), sitrep::v1::MISSION_EULEX);
  EXPECT_EQ(r->update().incident_id(), "i-1");
  EXPECT_EQ(r->update().location().municipality(), "Zveçan");
  EXPECT_EQ(r->update().labels().at("route"), "A");
}

TEST(UpdateJsonTest, RejectsWhatIsNotAnUpdateWithTheReason) {
  EXPECT_FALSE(ParsePublishJson("{nope").ok());
  EXPECT_FALSE(ParsePublishJson("[1,2]").ok());
  absl::StatusOr<sitrep::v1::PublishRequest> r =
      ParsePublishJson(R"({"mission": "MISSION_NATO"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SituationUpdate"), std::string::npos);
}

TEST(UpdateJsonTest, DerivedEventIdDependsOnContentOnly) {
  const auto a = ParsePublishJson(
      R"({"mission": "MISSION_KFOR", "headline": "x", "labels": {"a": "1", "b": "2"}})");
  const auto b = ParsePublishJson(
      R"({ "labels": {"b": "2", "a": "1"}, "headline": "x",   "mission": "MISSION_KFOR" })");
  const auto c = ParsePublishJson(R"({"mission": "MISSION_KFOR", "headline": "y"})");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(DeriveEventId(*a), DeriveEventId(*b));
  EXPECT_NE(DeriveEventId(*a), DeriveEventId(*c));
  EXPECT_EQ(DeriveEventId(*a).size(), 4u + 32u);
  EXPECT_EQ(DeriveEventId(*a).rfind("imp-", 0), 0u);
}

}  // namespace
}  // namespace sitrep::cli
