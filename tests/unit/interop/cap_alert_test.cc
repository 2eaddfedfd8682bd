// CAP 1.2 out and in on one update: the elements sitrep writes, and what
// the importer refuses, naming the element. The independent readers are in
// tests/interop (cap_test.py, cloudevents_test.mjs).
#include "server/interop/cap_alert.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/interop/cap_import.h"
#include "server/interop/cloud_event.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

v1::SituationUpdate Stored() {
  v1::SituationUpdate u;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    sequence: 7 event_id: "kp-7" publisher: "kp-desk"
    mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_EXTREME category: CATEGORY_CIVIL_DISTURBANCE
    status: STATUS_EXERCISE incident_id: "ex-1" kind: KIND_UPDATE
    received_at { seconds: 1796540400 nanos: 500 }
    occurred_at { seconds: 1796540300 }
    headline: "Riot <drill> & stones" instruction: "Stay away"
    response_types: RESPONSE_TYPE_AVOID
    location { municipality: "zvecan" point { latitude: 42.9 longitude: 20.84 } }
  )pb", &u));
  return u;
}

TEST(CapAlertTest, WritesTheAlertInCapTerms) {
  CapSender sender;
  sender.log_id = "abc";
  CapReference previous;
  previous.sequence = 3;
  previous.sent.set_seconds(1796540000);
  const std::string xml = RenderCapAlert(Stored(), {previous}, sender);
  for (const char* part : {
           "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
           "<identifier>urn:sitrep:abc:7</identifier>",
           "<sent>2026-12-06T07:00:00+00:00</sent>",
           "<status>Exercise</status>", "<msgType>Update</msgType>",
           "<scope>Restricted</scope>",
           "<references>sitrep,urn:sitrep:abc:3,2026-12-06T06:53:20+00:00</references>",
           "<incidents>ex-1</incidents>", "<category>Security</category>",
           "<event>Civil disturbance</event>", "<responseType>Avoid</responseType>",
           "<severity>Extreme</severity>", "<certainty>Unknown</certainty>",
           "<headline>Riot &lt;drill&gt; &amp; stones</headline>",
           "<circle>42.9,20.84 0</circle>",
           "<valueName>sitrep:municipality</valueName>"}) {
    EXPECT_THAT(xml, HasSubstr(part));
  }
}

TEST(CapAlertTest, OwnAlertsReadBackAsTheUpdate) {
  const v1::SituationUpdate stored = Stored();
  absl::StatusOr<v1::PublishRequest> back =
      ParseCapAlert(RenderCapAlert(stored, {}, CapSender()), {});
  ASSERT_THAT(back, IsOk());
  const v1::SituationUpdate& u = back->update();
  EXPECT_EQ(u.event_id(), "kp-7");
  EXPECT_EQ(u.status(), v1::STATUS_EXERCISE);
  EXPECT_EQ(u.kind(), v1::KIND_UPDATE);
  EXPECT_EQ(u.incident_id(), "ex-1");
  EXPECT_EQ(u.category(), v1::CATEGORY_CIVIL_DISTURBANCE);
  EXPECT_EQ(u.headline(), stored.headline());
  EXPECT_EQ(u.location().point().latitude(), 42.9);
  EXPECT_EQ(u.location().municipality(), "zvecan");
  EXPECT_EQ(u.occurred_at().seconds(), 1796540300);
  EXPECT_TRUE(u.labels().empty());
}

constexpr char kForeign[] = R"(<?xml version="1.0"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>EU.2026:1</identifier><sender>other@example.org</sender>
  <sent>2026-12-06T08:00:00+01:00</sent><status>STATUS</status>
  <msgType>TYPE</msgType><scope>Public</scope>
  <info><category>Fire</category><event>Forest fire</event>
    <urgency>Expected</urgency><severity>Moderate</severity>
    <certainty>Very Likely</certainty>
    <area><areaDesc>Brezovica</areaDesc></area></info>
</alert>)";

std::string Foreign(const std::string& status, const std::string& type) {
  std::string xml = kForeign;
  xml.replace(xml.find("STATUS"), 6, status);
  xml.replace(xml.find("TYPE"), 4, type);
  return xml;
}

TEST(CapImportTest, AnotherSystemsAlertOpensAnIncident) {
  CapImportOptions options;
  options.mission = v1::MISSION_KFOR;
  absl::StatusOr<v1::PublishRequest> r = ParseCapAlert(Foreign("Actual", "Alert"), options);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->update().mission(), v1::MISSION_KFOR);
  EXPECT_EQ(r->update().role(), v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(r->update().kind(), v1::KIND_NEW);
  EXPECT_EQ(r->update().incident_id(), "EU.2026:1");
  EXPECT_EQ(r->update().category(), v1::CATEGORY_OTHER);
  EXPECT_EQ(r->update().certainty(), v1::CERTAINTY_LIKELY);
  EXPECT_EQ(r->update().headline(), "Forest fire");
  EXPECT_EQ(r->update().location().place(), "Brezovica");
  EXPECT_EQ(r->update().labels().at("cap.sender"), "other@example.org");
}

TEST(CapImportTest, WhatCannotBeMappedIsRefusedNamingTheElement) {
  CapImportOptions options;
  options.mission = v1::MISSION_KFOR;
  EXPECT_THAT(ParseCapAlert(Foreign("Draft", "Alert"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "alert.status: 'Draft' cannot be mapped"));
  EXPECT_THAT(ParseCapAlert(Foreign("Actual", "Ack"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "alert.msgType: 'Ack' cannot be mapped"));
  EXPECT_THAT(ParseCapAlert(Foreign("Actual", "Update"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "alert.references: a CAP Update must name the alert"));
  EXPECT_THAT(ParseCapAlert(Foreign("Actual", "Alert"), {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "mission: the alert names no sitrep:mission"));
  EXPECT_THAT(ParseCapAlert("<alert>", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "alert: is not well-formed XML"));
  EXPECT_THAT(ParseCapAlert("<alert xmlns=\"urn:other\"/>", options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "alert: the document is no CAP 1.2 alert"));
}

TEST(CloudEventTest, StructuredAndBinaryCarryTheSameAttributes) {
  const CloudEvent event = MakeCloudEvent(Stored(), R"({"sequence":"7"})", "abc");
  const std::string structured = StructuredCloudEvent(event);
  EXPECT_THAT(structured, HasSubstr(R"("id":"kp-7")"));
  EXPECT_THAT(structured, HasSubstr(R"("source":"/sitrep/abc/publishers/kp-desk")"));
  EXPECT_THAT(structured, HasSubstr(R"("type":"eu.sitrep.update.v1")"));
  EXPECT_THAT(structured, HasSubstr(R"("subject":"ex-1")"));
  EXPECT_THAT(structured, HasSubstr(R"("sitrepstatus":"exercise")"));
  EXPECT_THAT(structured, HasSubstr(R"("data":{"sequence":"7"}})"));
  const std::vector<std::string> headers = BinaryCloudEventHeaders(event);
  EXPECT_THAT(headers, ::testing::Contains("ce-specversion: 1.0"));
  EXPECT_THAT(headers, ::testing::Contains("ce-id: kp-7"));
  EXPECT_THAT(headers, Not(::testing::Contains(HasSubstr("datacontenttype"))));
}

}  // namespace
}  // namespace sitrep
