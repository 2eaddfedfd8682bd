// ScanStoredUpdate reads the fields a JetStream replica's indexes are made
// of as the protobuf parser would (the joining replay decodes most updates
// only this far: server/log/jetstream_replay.cc).

#include "server/log/stored_update_scan.h"

#include <string>

#include "gtest/gtest.h"
#include "server/log/append_rules.h"
#include "server/log/log_entry.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

// The fields as the parser reads them from `encoded`.
StoredUpdateFields Parsed(const std::string& encoded, v1::SituationUpdate* keep) {
  EXPECT_TRUE(keep->ParseFromString(encoded));
  StoredUpdateFields fields;
  fields.sequence = keep->sequence();
  fields.received_at_us = ReceivedAtMicros(*keep);
  fields.publisher = keep->publisher();
  fields.event_id = keep->event_id();
  fields.incident_id = keep->incident_id();
  return fields;
}

void ExpectScannedAsParsed(const std::string& encoded) {
  v1::SituationUpdate parsed;
  const StoredUpdateFields want = Parsed(encoded, &parsed);
  StoredUpdateFields got;
  ASSERT_TRUE(ScanStoredUpdate(encoded, &got));
  EXPECT_EQ(got.sequence, want.sequence);
  EXPECT_EQ(got.received_at_us, want.received_at_us);
  EXPECT_EQ(got.publisher, want.publisher);
  EXPECT_EQ(got.event_id, want.event_id);
  EXPECT_EQ(got.incident_id, want.incident_id);
}

v1::SituationUpdate Stored(uint64_t sequence, absl::Time received_at) {
  v1::SituationUpdate update = testing::NewIncident("INC-7");
  update.set_publisher("kp-north");
  update.set_event_id("ev-7");
  (*update.mutable_labels())["convoy"] = "12";
  update.mutable_location()->mutable_point()->set_latitude(42.88);
  update.add_response_types(v1::RESPONSE_TYPE_MONITOR);
  SetServerFields(sequence, received_at, 3, &update);
  return update;
}

TEST(StoredUpdateScanTest, ReadsAStoredEntrysFieldsAsTheParserDoes) {
  const absl::Time at = absl::FromUnixMicros(1765065600123456);
  LogEntryPtr entry = MakeLogEntry(Stored(1234567, at));
  ExpectScannedAsParsed(entry->encoded);
  StoredUpdateFields got;
  ASSERT_TRUE(ScanStoredUpdate(entry->encoded, &got));
  EXPECT_EQ(got.sequence, 1234567u);
  EXPECT_EQ(got.received_at_us, 1765065600123456);
  EXPECT_EQ(got.incident_id, "INC-7");
}

TEST(StoredUpdateScanTest, AStandAloneReportHasNoIncident) {
  v1::SituationUpdate update = testing::PatrolUpdate(v1::MISSION_EULEX);
  update.set_publisher("eulex-ops");
  update.set_event_id("p-1");
  SetServerFields(9, absl::FromUnixSeconds(1765065600), 0, &update);
  const std::string encoded = MakeLogEntry(update)->encoded;
  ExpectScannedAsParsed(encoded);
  StoredUpdateFields got;
  ASSERT_TRUE(ScanStoredUpdate(encoded, &got));
  EXPECT_TRUE(got.incident_id.empty());
}

TEST(StoredUpdateScanTest, RepeatedFieldsFollowTheParsersRules) {
  // Two encodings one after the other parse as one merged message: the
  // later strings and sequence win, received_at's seconds and nanos merge.
  v1::SituationUpdate first = Stored(5, absl::FromUnixMicros(1000001500000));
  v1::SituationUpdate second;
  second.set_sequence(6);
  second.set_event_id("ev-8");
  second.mutable_received_at()->set_nanos(999000);
  ExpectScannedAsParsed(first.SerializeAsString() + second.SerializeAsString());
  v1::SituationUpdate before_epoch = Stored(7, absl::FromUnixMicros(-1500));
  ExpectScannedAsParsed(before_epoch.SerializeAsString());
}

TEST(StoredUpdateScanTest, AFieldOfAnotherWireTypeIsAnUnknownField) {
  // Field 102 (publisher) as a varint: the parser keeps it as unknown.
  std::string encoded = Stored(5, absl::UnixEpoch()).SerializeAsString();
  encoded += std::string("\xb0\x06\x07", 3);
  ExpectScannedAsParsed(encoded);
}

TEST(StoredUpdateScanTest, RefusesWhatDoesNotParse) {
  const std::string encoded =
      MakeLogEntry(Stored(5, absl::FromUnixSeconds(1765065600)))->encoded;
  StoredUpdateFields fields;
  for (size_t cut : {encoded.size() - 1, encoded.size() / 2, size_t{1}}) {
    const std::string truncated = encoded.substr(0, cut);
    v1::SituationUpdate parsed;
    if (parsed.ParseFromString(truncated)) continue;  // a clean cut
    EXPECT_FALSE(ScanStoredUpdate(truncated, &fields)) << cut;
  }
  EXPECT_FALSE(ScanStoredUpdate(encoded + std::string(1, '\0'), &fields));
  EXPECT_FALSE(ScanStoredUpdate(std::string("\x8a\x01", 2), &fields));
}

// A length past INT_MAX (publisher, field 102, and received_at, field 101,
// each followed by 2^31 + 1 as their size) is refused, not read as "no
// limit".
TEST(StoredUpdateScanTest, RefusesALengthPastIntMax) {
  const std::string huge("\x81\x80\x80\x80\x08", 5);
  StoredUpdateFields fields;
  EXPECT_FALSE(
      ScanStoredUpdate(std::string("\xb2\x06", 2) + huge + "x", &fields));
  // What follows would read as a Timestamp (seconds = 1) if no limit held.
  EXPECT_FALSE(
      ScanStoredUpdate(std::string("\xaa\x06", 2) + huge + "\x08\x01", &fields));
}

}  // namespace
}  // namespace sitrep
