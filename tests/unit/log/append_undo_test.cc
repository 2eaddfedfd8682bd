// PrepareAppend's undo gives back exactly the update it was given, whatever
// it changed: the server-set fields, occurred_at filled in, the incident's
// location and status carried into a follow-up. The JetStream writer moves
// every request into its entry and relies on this to decide a request
// again after a refused round.
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/log/append_rules.h"

namespace sitrep {
namespace {

using ::google::protobuf::util::MessageDifferencer;

AppendRequest Request(const std::string& text) {
  AppendRequest request;
  EXPECT_TRUE(
      google::protobuf::TextFormat::ParseFromString(text, &request.update))
      << text;
  return request;
}

// Prepares `text` against `current` and checks that the undo gives the
// request's update back; returns the stored entry.
LogEntryPtr PrepareAndUndo(const std::string& text,
                           const IncidentRecord* current, uint64_t sequence,
                           IncidentRecordPtr* record = nullptr) {
  AppendRequest request = Request(text);
  const v1::SituationUpdate sent = request.update;
  AppendUndo undo;
  absl::StatusOr<PreparedAppend> prepared =
      PrepareAppend(std::move(request), current, sequence,
                    absl::FromUnixSeconds(1800000000 + sequence), &undo);
  EXPECT_TRUE(prepared.ok()) << prepared.status();
  if (!prepared.ok()) return nullptr;
  const v1::SituationUpdate back =
      UpdateBeforePrepare(prepared->entry->update, undo);
  EXPECT_TRUE(MessageDifferencer::Equals(back, sent))
      << "sent: " << sent.ShortDebugString()
      << "\nback: " << back.ShortDebugString();
  EXPECT_EQ(back.has_location(), sent.has_location());
  EXPECT_EQ(back.has_occurred_at(), sent.has_occurred_at());
  EXPECT_EQ(back.has_received_at(), sent.has_received_at());
  if (record != nullptr) *record = prepared->record;
  return prepared->entry;
}

constexpr char kOpen[] = R"pb(
  publisher: "kp-desk" event_id: "e1" incident_id: "KP-1" kind: KIND_NEW
  mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
  status: STATUS_EXERCISE headline: "Roadblock"
  location { municipality: "Zubin Potok" place: "bridge" }
)pb";

TEST(AppendUndoTest, AStandAloneReportComesBack) {
  PrepareAndUndo(R"pb(publisher: "p" event_id: "a" headline: "Patrol"
                      labels { key: "unit" value: "kfor-1" })pb",
                 nullptr, 7);
  // With its own occurred_at, and with server-set fields a caller left in.
  PrepareAndUndo(R"pb(publisher: "p" event_id: "b" sequence: 99
                      incident_version: 4 received_at { seconds: 5 nanos: 6 }
                      occurred_at { seconds: 1700000000 })pb",
                 nullptr, 8);
}

TEST(AppendUndoTest, AFollowUpWithTheIncidentsLocationAndStatusComesBack) {
  IncidentRecordPtr opened;
  PrepareAndUndo(kOpen, nullptr, 1, &opened);
  ASSERT_NE(opened, nullptr);
  const std::string follow_up = R"pb(
    publisher: "kp-desk" incident_id: "KP-1" kind: KIND_UPDATE
    mission: MISSION_KOSOVO_POLICE role: ROLE_FIRST_RESPONDER
  )pb";
  // No location at all, then an empty one (both "left out"), then one whose
  // left-out location says it was carried: each stored with the
  // incident's, each given back as sent.
  LogEntryPtr stored = PrepareAndUndo(
      absl::StrCat(follow_up, "event_id: 'e2'"), opened.get(), 2);
  ASSERT_NE(stored, nullptr);
  EXPECT_TRUE(stored->update.location_carried());
  EXPECT_TRUE(stored->update.status_carried());
  EXPECT_EQ(stored->update.location().place(), "bridge");
  PrepareAndUndo(absl::StrCat(follow_up, "event_id: 'e3' location {}"),
                 opened.get(), 3);
  PrepareAndUndo(absl::StrCat(follow_up,
                              "event_id: 'e4' location_carried: true "
                              "status_carried: true location {}"),
                 opened.get(), 4);
  // Its own location and status: nothing carried.
  stored = PrepareAndUndo(
      absl::StrCat(follow_up, "event_id: 'e5' status: STATUS_ACTUAL "
                              "location { municipality: 'Mitrovica' }"),
      opened.get(), 5);
  ASSERT_NE(stored, nullptr);
  EXPECT_FALSE(stored->update.location_carried());
}

}  // namespace
}  // namespace sitrep
