// The JetStream log's situation snapshots (server/log/jetstream_snapshot_bucket.h)
// on a real nats-server: a snapshot larger than a NATS message may be
// comes back whole from its chunks; the list is in sequence order; a
// second log on the same stream (another replica) sees them; retention
// purges those that can no longer start a rebuild.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/situation_snapshot_codec.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/missing_tool.h"
#include "tests/support/nats_server.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;

// `count` open incidents whose latest updates carry a 2 KiB description:
// about 2 KiB each encoded.
StoredSituation BigSituation(uint64_t sequence, int count) {
  StoredSituation snapshot;
  snapshot.sequence = sequence;
  snapshot.received_at = absl::FromUnixSeconds(1796536800);
  for (int i = 0; i < count; ++i) {
    v1::SituationUpdate update = NewIncident(absl::StrCat("inc-", i));
    update.set_sequence(static_cast<uint64_t>(i) + 1);
    update.set_publisher("test");
    update.set_event_id(absl::StrCat("e", i));
    update.set_description(std::string(2048, 'x'));
    IncidentRecord record;
    record.incident_id = update.incident_id();
    record.version = 1;
    record.latest = MakeLogEntry(update);
    record.state.set_opened_sequence(update.sequence());
    snapshot.incidents.push_back(
        std::make_shared<const IncidentRecord>(std::move(record)));
  }
  return snapshot;
}

class JetStreamSnapshotBucketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SharedNatsServer() == nullptr) {
      SITREP_MISSING_TOOL(::sitrep::testing::kNoNatsServer);
    }
    options_ = StreamOfItsOwn("snapshots");
    absl::StatusOr<std::unique_ptr<EventLog>> log =
        OpenJetStreamEventLog(options_);
    ASSERT_THAT(log, IsOk());
    log_ = *std::move(log);
  }

  JetStreamOptions options_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(JetStreamSnapshotBucketTest, ASnapshotLargerThanAMessageComesBackWhole) {
  // ~2.5 MB: five chunks of 512 KiB, more than max_payload (1 MiB).
  const StoredSituation big = BigSituation(40, 1200);
  ASSERT_GT(EncodeSituationSnapshot(big).size(), 2u << 20);
  ASSERT_THAT(log_->SaveSituationSnapshot(BigSituation(7, 3)), IsOk());
  ASSERT_THAT(log_->SaveSituationSnapshot(big), IsOk());
  EXPECT_THAT(log_->ListSituationSnapshots(), IsOkAndHolds(ElementsAre(7, 40)));
  absl::StatusOr<StoredSituation> loaded = log_->LoadSituationSnapshot(40);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(EncodeSituationSnapshot(*loaded), EncodeSituationSnapshot(big));
  EXPECT_THAT(log_->LoadSituationSnapshot(8),
              StatusIs(absl::StatusCode::kNotFound, "sequence 8"));

  // Another replica of the stream reads the same bucket.
  absl::StatusOr<std::unique_ptr<EventLog>> other =
      OpenJetStreamEventLog(options_);
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT((*other)->ListSituationSnapshots(),
              IsOkAndHolds(ElementsAre(7, 40)));
}

TEST_F(JetStreamSnapshotBucketTest, RetentionPurgesSnapshotsBeforeOldestMinusOne) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_THAT(AppendOneAndWait(log_.get(), [&] {
                  AppendRequest r;
                  r.update = PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("p", i));
                  r.update.set_publisher("test");
                  r.update.set_event_id(absl::StrCat("p", i));
                  return r;
                }()),
                IsOk());
  }
  for (uint64_t s : {3u, 8u, 9u, 11u}) {
    ASSERT_THAT(log_->SaveSituationSnapshot(BigSituation(s, 2)), IsOk());
  }
  ASSERT_THAT(RetainFrom(log_.get(), 10), IsOk());  // oldest 10
  EXPECT_THAT(log_->ListSituationSnapshots(), IsOkAndHolds(ElementsAre(9, 11)));
}

}  // namespace
}  // namespace sitrep::testing
