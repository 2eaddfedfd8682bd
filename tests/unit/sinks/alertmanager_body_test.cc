// The Alertmanager body: its JSON shape (labels, annotations, startsAt,
// endsAt per kind), the superseded alert of a changed label set, escaping.
#include "server/sinks/alertmanager_body.h"

#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep {
namespace {

using ::google::protobuf::Value;

v1::SituationUpdate Update(const std::string& text) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &update))
      << text;
  return update;
}

constexpr char kNew[] = R"pb(
  sequence: 7
  mission: MISSION_KOSOVO_POLICE
  role: ROLE_FIRST_RESPONDER
  severity: SEVERITY_MODERATE
  category: CATEGORY_FREEDOM_OF_MOVEMENT
  incident_id: "inc-1"
  kind: KIND_NEW
  occurred_at { seconds: 1700000000 }
  headline: "Trucks block the road"
  description: "Two trucks, \"no\" passage"
  location { municipality: "leposaviq" place: "Jarinje" }
  publisher: "kp-desk"
)pb";

// Parses the body; fails the test when it is not JSON.
Value ParseBody(const std::string& body) {
  Value value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &value).ok())
      << body;
  return value;
}

std::string Field(const Value& object, const std::string& name) {
  auto it = object.struct_value().fields().find(name);
  return it == object.struct_value().fields().end() ? "<absent>"
                                                     : it->second.string_value();
}

const Value& Object(const Value& object, const std::string& name) {
  return object.struct_value().fields().at(name);
}

TEST(AlertmanagerBodyTest, OneAlertPerUpdateWithLabelsAndAnnotations) {
  const Value body = ParseBody(
      EncodeAlertmanagerAlerts({MakeLogEntry(Update(kNew))}));
  ASSERT_EQ(body.kind_case(), Value::kListValue);
  ASSERT_EQ(body.list_value().values_size(), 1);
  const Value& alert = body.list_value().values(0);
  const Value& labels = Object(alert, "labels");
  EXPECT_EQ(labels.struct_value().fields_size(), 6);
  EXPECT_EQ(Field(labels, "alertname"), "SitrepUpdate");
  EXPECT_EQ(Field(labels, "mission"), "kosovo_police");
  EXPECT_EQ(Field(labels, "severity"), "moderate");
  EXPECT_EQ(Field(labels, "category"), "freedom_of_movement");
  EXPECT_EQ(Field(labels, "municipality"), "leposaviq");
  EXPECT_EQ(Field(labels, "incident_id"), "inc-1");
  const Value& annotations = Object(alert, "annotations");
  EXPECT_EQ(Field(annotations, "headline"), "Trucks block the road");
  EXPECT_EQ(Field(annotations, "description"), "Two trucks, \"no\" passage");
  EXPECT_EQ(Field(annotations, "kind"), "new");
  EXPECT_EQ(Field(annotations, "sequence"), "7");
  EXPECT_EQ(Field(annotations, "place"), "Jarinje");
  EXPECT_EQ(Field(annotations, "publisher"), "kp-desk");
  EXPECT_EQ(Field(alert, "startsAt"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(Field(alert, "endsAt"), "<absent>");
  // Nothing else: Alertmanager's postableAlert has only these fields.
  EXPECT_EQ(alert.struct_value().fields_size(), 3);
}

TEST(AlertmanagerBodyTest, ExpiresAtEndsAnOpenAlert) {
  v1::SituationUpdate update = Update(kNew);
  update.mutable_expires_at()->set_seconds(1700003600);
  const Value alert = ParseBody(EncodeAlertmanagerAlerts(
                                    {MakeLogEntry(update)}))
                          .list_value()
                          .values(0);
  EXPECT_EQ(Field(alert, "endsAt"), "2023-11-14T23:13:20Z");
}

TEST(AlertmanagerBodyTest, ClosingKindsResolveTheAlert) {
  for (v1::Kind kind : {v1::KIND_RESOLVE, v1::KIND_CANCEL, v1::KIND_EXPIRED}) {
    v1::SituationUpdate update = Update(kNew);
    update.set_kind(kind);
    update.set_sequence(9);
    update.mutable_occurred_at()->set_seconds(1700000600);
    update.mutable_expires_at()->set_seconds(1700003600);
    // Same label set as the previous update: one alert, resolved.
    const Value body = ParseBody(EncodeAlertmanagerAlerts(
        {MakeLogEntry(update, FilterView(Update(kNew)))}));
    ASSERT_EQ(body.list_value().values_size(), 1) << v1::Kind_Name(kind);
    const Value& alert = body.list_value().values(0);
    EXPECT_EQ(Field(alert, "startsAt"), "2023-11-14T22:23:20Z");
    EXPECT_EQ(Field(alert, "endsAt"), "2023-11-14T22:23:20Z");
  }
}

TEST(AlertmanagerBodyTest, ChangedLabelsResolveThePreviousAlert) {
  v1::SituationUpdate escalated = Update(kNew);
  escalated.set_sequence(8);
  escalated.set_kind(v1::KIND_ESCALATE);
  escalated.set_mission(v1::MISSION_EULEX);
  escalated.set_severity(v1::SEVERITY_SEVERE);
  escalated.mutable_occurred_at()->set_seconds(1700000300);
  const Value body = ParseBody(EncodeAlertmanagerAlerts(
      {MakeLogEntry(escalated, FilterView(Update(kNew)))}));
  ASSERT_EQ(body.list_value().values_size(), 2);
  const Value& old_alert = body.list_value().values(0);
  EXPECT_EQ(Field(Object(old_alert, "labels"), "mission"), "kosovo_police");
  EXPECT_EQ(Field(Object(old_alert, "labels"), "severity"), "moderate");
  EXPECT_EQ(Field(old_alert, "startsAt"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(Field(old_alert, "endsAt"), "2023-11-14T22:18:20Z");
  const Value& new_alert = body.list_value().values(1);
  EXPECT_EQ(Field(Object(new_alert, "labels"), "mission"), "eulex");
  EXPECT_EQ(Field(Object(new_alert, "labels"), "severity"), "severe");
  EXPECT_EQ(Field(Object(new_alert, "labels"), "incident_id"), "inc-1");
  EXPECT_EQ(Field(new_alert, "startsAt"), "2023-11-14T22:18:20Z");
  EXPECT_EQ(Field(new_alert, "endsAt"), "<absent>");
  EXPECT_EQ(Field(Object(new_alert, "annotations"), "kind"), "escalate");
}

TEST(AlertmanagerBodyTest, StandAloneReportsAreDistinctAlerts) {
  v1::SituationUpdate report = Update(kNew);
  report.clear_incident_id();
  report.clear_kind();
  report.set_sequence(12);
  const Value alert =
      ParseBody(EncodeAlertmanagerAlerts({MakeLogEntry(report)}))
          .list_value()
          .values(0);
  const Value& labels = Object(alert, "labels");
  EXPECT_EQ(Field(labels, "incident_id"), "<absent>");
  EXPECT_EQ(Field(labels, "sequence"), "12");
  EXPECT_EQ(Field(Object(alert, "annotations"), "kind"), "<absent>");
}

TEST(AlertmanagerBodyTest, EscapesControlCharactersAndKeepsUtf8) {
  v1::SituationUpdate update = Update(kNew);
  update.set_headline("Mitrovicë\tbridge\n\x01 \\ closed");
  const std::string body = EncodeAlertmanagerAlerts({MakeLogEntry(update)});
  EXPECT_THAT(body, ::testing::HasSubstr(
                        R"(Mitrovicë\tbridge\n\u0001 \\ closed)"));
  const Value alert = ParseBody(body).list_value().values(0);
  EXPECT_EQ(Field(Object(alert, "annotations"), "headline"),
            update.headline());
}

TEST(AlertmanagerBodyTest, SeveralUpdatesInOrderAndEmptyBatch) {
  v1::SituationUpdate second = Update(kNew);
  second.set_incident_id("inc-2");
  second.set_sequence(8);
  const Value body = ParseBody(EncodeAlertmanagerAlerts(
      {MakeLogEntry(Update(kNew)), MakeLogEntry(second)}));
  ASSERT_EQ(body.list_value().values_size(), 2);
  EXPECT_EQ(Field(Object(body.list_value().values(1), "labels"),
                  "incident_id"),
            "inc-2");
  EXPECT_EQ(EncodeAlertmanagerAlerts({}), "[]");
}

}  // namespace
}  // namespace sitrep
