#include "common/json_input.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sitrep/v1/filter.pb.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;

TEST(JsonInputTest, TakesTheFlagsShortEnumNamesInAnyCase) {
  v1::SituationUpdate update;
  ASSERT_THAT(ParseJsonInput(R"json({"mission": "kfor", "severity": "Severe",
      "kind": "update", "role": "third", "category": "public-order",
      "targetTier": "Second", "headline": "x"})json", &update),
              IsOk());
  EXPECT_EQ(update.mission(), v1::MISSION_KFOR);
  EXPECT_EQ(update.severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(update.kind(), v1::KIND_UPDATE);
  EXPECT_EQ(update.role(), v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(update.category(), v1::CATEGORY_PUBLIC_ORDER);
  EXPECT_EQ(update.target_tier(), v1::ROLE_SECOND_RESPONDER);
}

TEST(JsonInputTest, FullNamesNumbersAndProtoFieldNamesStillWork) {
  v1::SituationUpdate update;
  ASSERT_THAT(ParseJsonInput(R"json({"mission": "MISSION_EULEX",
      "severity": 4, "incident_id": "kp-1", "kind": "KIND_ACKNOWLEDGE"})json",
                             &update),
              IsOk());
  EXPECT_EQ(update.mission(), v1::MISSION_EULEX);
  EXPECT_EQ(update.severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(update.incident_id(), "kp-1");
  EXPECT_EQ(update.kind(), v1::KIND_ACKNOWLEDGE);
}

TEST(JsonInputTest, RewritesOnlyEnumValuesAndKeepsEverythingElseByteForByte) {
  const std::string json =
      R"json({ "headline" : "a \"kfor\" \u00eb",  "mission":"kp",
      "labels": {"unit": "kfor"}, "occurredAt": "2024-05-01T12:00:00Z" })json";
  absl::StatusOr<std::string> out =
      NormalizeJsonInput(json, *v1::SituationUpdate::descriptor());
  ASSERT_THAT(out.status(), IsOk());
  EXPECT_EQ(*out,
            R"json({ "headline" : "a \"kfor\" \u00eb",  "mission":"MISSION_KOSOVO_POLICE",
      "labels": {"unit": "kfor"}, "occurredAt": "2024-05-01T12:00:00Z" })json");
}

TEST(JsonInputTest, NestedAndRepeatedEnumsInAPublishRequestAndAFilter) {
  v1::PublishRequest request;
  ASSERT_THAT(ParseJsonInput(R"json({"update": {"mission": "police",
      "chainException": {"reason": "r"}}, "expectedIncidentVersion": "3"})json",
                             &request),
              IsOk());
  EXPECT_EQ(request.update().mission(), v1::MISSION_KOSOVO_POLICE);
  v1::Filter filter;
  ASSERT_THAT(ParseJsonInput(R"json({"missions": ["kfor", "KP"],
      "minSeverity": "severe", "kinds": ["ack", "escalate"]})json", &filter),
              IsOk());
  EXPECT_EQ(filter.missions_size(), 2);
  EXPECT_EQ(filter.missions(1), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(filter.min_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(filter.kinds(0), v1::KIND_ACKNOWLEDGE);
}

TEST(JsonInputTest, ReportsEveryWrongFieldInTheOrderOfTheText) {
  v1::PublishRequest request;
  EXPECT_THAT(
      ParseJsonInput(R"json({"update": {"severity": "severer", "missoin": "kfor",
          "mission": "nato", "headline": 5, "location": {"municipality": "x",
          "point": "here"}, "labels": {"a": 1}}})json",
                     &request),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "update.severity: 'severer' is not a severity; accepted: "
               "unknown, minor, moderate, severe, extreme (any case); did you "
               "mean severe?; "
               "update.missoin: unknown field; did you mean mission?; "
               "update.mission: 'nato' is not a mission; accepted: kfor, "
               "eulex, kosovo-police (any case); "
               "update.headline: expected a string, not a number; "
               "update.location.point: expected an object, not a string; "
               "update.labels.a: expected a string, not a number"));
}

TEST(JsonInputTest, PathsNameListElementsAndThePrefix) {
  v1::Filter filter;
  EXPECT_THAT(ParseJsonInput(R"json({"missions": ["kfor", "kforr"],
      "kinds": "new"})json", &filter, "webhooks[0].filter"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "webhooks[0].filter.missions[1]: 'kforr' is not a "
                       "mission; accepted: kfor, eulex, kosovo-police (any "
                       "case); did you mean kfor?; webhooks[0].filter.kinds: "
                       "expected a list, not a string"));
}

TEST(JsonInputTest, NotJsonIsReportedWithProtobufsReason) {
  v1::SituationUpdate update;
  EXPECT_THAT(ParseJsonInput(R"json({"mission": )json", &update),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object: "));
  EXPECT_THAT(ParseJsonInput(R"json(["kfor"])json", &update),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
  EXPECT_THAT(ParseJsonInput(R"json({"mission": "kfor"} x)json", &update),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a JSON object"));
}

TEST(JsonInputTest, WhatOnlyProtobufChecksIsStillItsError) {
  v1::SituationUpdate update;
  EXPECT_THAT(ParseJsonInput(R"json({"occurredAt": "yesterday"})json", &update),
              StatusIs(absl::StatusCode::kInvalidArgument, "occurredAt"));
}

TEST(JsonInputTest, EscapedNamesAreDecoded) {
  v1::SituationUpdate update;
  ASSERT_THAT(ParseJsonInput(R"json({"\u006dission": "\u006bfor",
      "headline": "Zve\u00e7an \ud83d\ude80"})json", &update),
              IsOk());
  EXPECT_EQ(update.mission(), v1::MISSION_KFOR);
  EXPECT_EQ(update.headline(), "Zveçan \U0001F680");
}

TEST(JsonInputTest, NullMeansTheDefault) {
  v1::SituationUpdate update;
  ASSERT_THAT(ParseJsonInput(R"json({"mission": null, "location": null})json",
                             &update),
              IsOk());
  EXPECT_EQ(update.mission(), v1::MISSION_UNSPECIFIED);
}

}  // namespace
}  // namespace sitrep
