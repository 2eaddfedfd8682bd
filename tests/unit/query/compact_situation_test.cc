// The compact situation (query/compact_situation.h): what the dashboard's
// list and map show of each incident, in the full view's names and values,
// and nothing else. (That the snapshot's answer is these incidents, joined:
// SituationIndexTest.TheCompactSituationIsTheFullOneCompacted.)
#include "server/query/compact_situation.h"

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "google/protobuf/struct.pb.h"
#include "server/query/compact_incident_json.h"
#include "server/query/compact_incident_row.h"
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

// A reader of the rows (compact_incident_row.h), as the dashboard's
// situation-rows.js reads them: the places in their documented order.
class RowReader {
 public:
  explicit RowReader(const std::string& json) {
    ok_ = google::protobuf::util::JsonStringToMessage(json, &row_).ok();
  }
  bool ok() const { return ok_; }
  int size() const { return row_.values_size(); }
  const google::protobuf::Value& At(int i) const {
    static const google::protobuf::Value* const kNull = new google::protobuf::Value;
    return i < row_.values_size() ? row_.values(i) : *kNull;
  }
  int Number(int i) const { return static_cast<int>(At(i).number_value()); }
  bool Time(int i, google::protobuf::Timestamp* time) const {
    if (At(i).kind_case() != google::protobuf::Value::kNumberValue) return false;
    const int64_t ms = static_cast<int64_t>(At(i).number_value());
    time->set_seconds(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    time->set_nanos(static_cast<int32_t>((ms - time->seconds() * 1000) * 1'000'000));
    return true;
  }
  template <typename Message>
  void Each(int i, google::protobuf::RepeatedPtrField<Message>* out) const {
    for (const google::protobuf::Value& value : At(i).list_value().values()) {
      std::string json;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(value, &json).ok());
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, out->Add()).ok()) << json;
    }
  }

  v1::Incident Incident() const {
    v1::Incident incident;
    incident.set_incident_id(At(0).string_value());
    incident.set_version(static_cast<uint64_t>(At(1).number_value()));
    v1::SituationUpdate* latest = incident.mutable_latest();
    uint64_t sequence = 0;
    EXPECT_TRUE(absl::SimpleAtoi(At(2).string_value(), &sequence) || At(2).string_value().empty());
    latest->set_sequence(sequence);
    latest->set_mission(static_cast<v1::Mission>(Number(3)));
    latest->set_severity(static_cast<v1::Severity>(Number(4)));
    latest->set_category(static_cast<v1::Category>(Number(5)));
    latest->set_kind(static_cast<v1::Kind>(Number(6)));
    latest->set_status(static_cast<v1::Status>(Number(7)));
    if (!Time(8, latest->mutable_occurred_at())) latest->clear_occurred_at();
    latest->set_headline(At(9).string_value());
    if (!Time(10, incident.mutable_opened_at())) incident.clear_opened_at();
    incident.set_opened_by(static_cast<v1::Mission>(Number(11)));
    incident.set_peak_severity(static_cast<v1::Severity>(Number(12)));
    if (Number(14) != 0) {
      incident.mutable_lead()->set_mission(static_cast<v1::Mission>(Number(13)));
      incident.mutable_lead()->set_tier(static_cast<v1::Role>(Number(14)));
      if (!Time(15, incident.mutable_lead()->mutable_since())) {
        incident.mutable_lead()->clear_since();
      }
    }
    if (!At(16).string_value().empty() || !At(17).string_value().empty() ||
        At(18).kind_case() == google::protobuf::Value::kNumberValue) {
      v1::Location* where = incident.mutable_location();
      where->set_municipality(At(16).string_value());
      where->set_place(At(17).string_value());
      if (At(18).kind_case() == google::protobuf::Value::kNumberValue) {
        where->mutable_point()->set_latitude(At(18).number_value());
        where->mutable_point()->set_longitude(At(19).number_value());
      }
    }
    incident.set_category(static_cast<v1::Category>(Number(20)));
    incident.set_current_tier(static_cast<v1::Role>(Number(21)));
    Each(22, incident.mutable_support_requests());
    Each(23, incident.mutable_exceptions());
    return incident;
  }

 private:
  google::protobuf::ListValue row_;
  bool ok_ = false;
};

// The row is the compact incident: read back by its places, it is the
// compact incident with its location where the dashboard looks first (the
// incident's, else the latest update's) and its times in milliseconds.
TEST(CompactSituationTest, TheRowIsTheCompactIncident) {
  v1::Incident without_lead = FullIncident("inc-2");
  without_lead.clear_lead();
  without_lead.clear_location();
  without_lead.mutable_latest()->mutable_location()->mutable_point()->set_latitude(-0.5);
  without_lead.mutable_latest()->set_headline("Line\nbreak, \"quote\" and \\ Zveçan");
  without_lead.mutable_latest()->mutable_occurred_at()->set_nanos(120'999'999);
  without_lead.mutable_latest()->set_category(v1::CATEGORY_CRIME);
  without_lead.add_exceptions()->set_rule("escalate-after-acknowledge");
  v1::Incident before_1970 = FullIncident("inc-3");
  before_1970.mutable_opened_at()->set_seconds(-2);
  before_1970.mutable_opened_at()->set_nanos(500'000'000);
  for (const v1::Incident& full :
       {FullIncident("inc-1"), without_lead, before_1970, v1::Incident()}) {
    v1::Incident expected = CompactIncident(full);
    std::string row;
    AppendCompactIncidentRow(expected, &row);
    SCOPED_TRACE(row);
    const RowReader reader(row);
    ASSERT_TRUE(reader.ok());
    EXPECT_LE(reader.size(), kCompactRowFieldCount);
    if (!expected.has_location() && expected.latest().has_location()) {
      *expected.mutable_location() = expected.latest().location();
    }
    expected.mutable_latest()->clear_location();
    auto to_millis = [](google::protobuf::Timestamp* time) {
      time->set_nanos(time->nanos() / 1'000'000 * 1'000'000);
    };
    if (expected.latest().has_occurred_at()) {
      to_millis(expected.mutable_latest()->mutable_occurred_at());
    }
    const v1::Incident read = reader.Incident();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read, expected))
        << ToJsonLine(read) << "\n  vs\n" << ToJsonLine(expected);
  }
  // Trailing empty places are left out; the ones before them stay.
  std::string empty;
  AppendCompactIncidentRow(v1::Incident(), &empty);
  EXPECT_EQ(empty, R"(["",0,"0"])");
}

// The answer names the places and the enums once.
TEST(CompactSituationTest, TheRowsAnswerSaysHowToReadItsRows) {
  SituationIndex::Snapshot empty;
  empty.sequence = 5;
  const std::string json = CompactSituationRowsJson(
      empty, MissionSet::All(), "log-b", absl::FromUnixSeconds(1'800'000'000));
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("rowsVersion").number_value(), 1);
  ASSERT_EQ(fields.at("fields").list_value().values_size(), kCompactRowFieldCount);
  EXPECT_EQ(fields.at("fields").list_value().values(9).string_value(), "latest.headline");
  EXPECT_EQ(fields.at("enums").struct_value().fields().at("severity").struct_value()
                .fields().at(absl::StrCat(static_cast<int>(v1::SEVERITY_SEVERE))).string_value(),
            "SEVERITY_SEVERE");
  EXPECT_EQ(fields.at("sequence").string_value(), "5");
  EXPECT_EQ(fields.at("logId").string_value(), "log-b");
  EXPECT_EQ(fields.count("incidents"), 0u);
}

#pragma GCC diagnostic pop

}  // namespace
}  // namespace sitrep
