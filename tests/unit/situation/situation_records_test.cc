// One source of incident state: the situation index holds the records the
// log folded, not copies it folds again. After every append the index's
// record of each open incident is the very pointer the log hands out
// (LoadOpenIncidents), so the two can never disagree; a closing update
// removes it from both; the expiry sweep's look (ExpiredAt) hands out the
// same pointers. Run on the SQLite log and the in-memory test log.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "server/runtime/proto_time.h"
#include "server/situation/situation_adapter.h"
#include "server/situation/situation_index.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_event_log.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

enum class Backend { kSqlite, kInMemory };

class SituationRecordsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) {
      SqliteOptions options;
      options.data_dir = dir_.path();
      options.fsync = FsyncPolicy::kOff;
      options.clock = &clock_;
      absl::StatusOr<std::unique_ptr<EventLog>> log =
          OpenSqliteEventLog(options);
      ASSERT_THAT(log, IsOk());
      log_ = *std::move(log);
    } else {
      log_ = NewInMemoryEventLog(&clock_);
    }
    log_->SetAppendListener(&adapter_);
  }
  void TearDown() override {
    if (log_ != nullptr) log_->Close();
  }

  void Append(v1::SituationUpdate update) {
    AppendRequest request;
    request.update = std::move(update);
    request.update.set_publisher("test");
    request.update.set_event_id(absl::StrCat("e", ++events_));
    ASSERT_THAT(AppendOneAndWait(log_.get(), std::move(request)), IsOk());
  }

  v1::SituationUpdate Follow(const std::string& id, v1::Kind kind) {
    v1::SituationUpdate update = NewIncident(id);
    update.set_kind(kind);
    return update;
  }

  // The index holds exactly the log's open records, pointer for pointer.
  void ExpectTheLogsRecords() {
    absl::StatusOr<EventLog::OpenIncidents> open = log_->LoadOpenIncidents();
    ASSERT_THAT(open, IsOk());
    const SituationIndex::Snapshot taken = index_.TakeAll();
    EXPECT_EQ(taken.sequence, open->head);
    ASSERT_EQ(taken.incidents.size(), open->incidents.size());
    for (size_t i = 0; i < open->incidents.size(); ++i) {
      EXPECT_EQ(taken.incidents[i].record.get(), open->incidents[i].get())
          << open->incidents[i]->incident_id;
    }
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::unique_ptr<EventLog> log_;
  SituationIndex index_;
  SituationAdapter adapter_{&index_, &clock_};
  int events_ = 0;
};

TEST_P(SituationRecordsTest, IndexHoldsTheRecordsTheLogHolds) {
  Append(NewIncident("A"));
  Append(NewIncident("B"));
  ExpectTheLogsRecords();
  Append(Follow("A", v1::KIND_UPDATE));
  ExpectTheLogsRecords();
  Append(Follow("B", v1::KIND_RESOLVE));
  ExpectTheLogsRecords();
  EXPECT_EQ(index_.size(), 1u);
  // A fresh index from the log (a restart) holds the same records too.
  absl::StatusOr<EventLog::OpenIncidents> open = log_->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  index_.Reset(*std::move(open), log_.get());
  ExpectTheLogsRecords();
  Append(Follow("A", v1::KIND_UPDATE));
  ExpectTheLogsRecords();
  EXPECT_EQ(index_.TakeAll().incidents[0].record->version, 3u);
}

// The expiry sweep works from the same records: ExpiredAt hands out the
// log's pointers, not copies of them.
TEST_P(SituationRecordsTest, ExpiredAtHandsOutTheLogsRecords) {
  v1::SituationUpdate expiring = NewIncident("A");
  *expiring.mutable_expires_at() = ToProtoTime(clock_.Now() + absl::Minutes(1));
  Append(std::move(expiring));
  Append(NewIncident("B"));
  clock_.Advance(absl::Minutes(2));
  const std::vector<IncidentRecordPtr> expired = index_.ExpiredAt(clock_.Now());
  ASSERT_EQ(expired.size(), 1u);
  absl::StatusOr<EventLog::OpenIncidents> open = log_->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  ASSERT_EQ(open->incidents.size(), 2u);
  EXPECT_EQ(expired[0].get(), open->incidents[0].get());
  EXPECT_EQ(expired[0]->incident_id, "A");
}

INSTANTIATE_TEST_SUITE_P(Backends, SituationRecordsTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kInMemory),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite
                                      ? "Sqlite"
                                      : "InMemory";
                         });

}  // namespace
}  // namespace sitrep::testing
