// RetentionSweeper on a real SQLite log: a run stores the situation just
// before its cut, so that the oldest point it leaves stays answerable, and
// removes what the policy says.
#include "server/situation/retention_sweeper.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "server/situation/situation_adapter.h"
#include "server/situation/situation_index.h"
#include "server/situation/situation_replay.h"
#include "server/situation/situation_snapshotter.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/sqlite_test_log.h"
#include "tests/support/temp_dir.h"
#include "tests/support/status_matchers.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;

class RetentionSweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(OpenSqliteTestLog(dir_, &clock_, &log_), IsOk());
    index_.Reset(EventLog::OpenIncidents(), log_.get());
    log_->SetAppendListener(&adapter_);
    snapshotter_ = std::make_unique<SituationSnapshotter>(log_.get(), &index_,
                                                          /*every=*/0);
  }
  void TearDown() override {
    if (log_ != nullptr) log_->Close();
  }

  // Appends `count` incidents, one a minute.
  void AppendIncidents(int count) {
    for (int i = 1; i <= count; ++i) {
      AppendRequest request;
      request.update = NewIncident(absl::StrCat("inc-", i));
      request.update.set_publisher("test");
      request.update.set_event_id(absl::StrCat("e", i));
      ASSERT_THAT(AppendOneAndWait(log_.get(), std::move(request)), IsOk());
      clock_.Advance(absl::Minutes(1));
    }
  }

  RetentionSweeper Sweeper(uint64_t max_updates) {
    RetentionPolicy policy;
    policy.max_updates = max_updates;
    return RetentionSweeper(log_.get(), snapshotter_.get(), &clock_, policy);
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventLog> log_;
  SituationIndex index_;
  SituationAdapter adapter_{&index_, &clock_};
  std::unique_ptr<SituationSnapshotter> snapshotter_;
};

TEST_F(RetentionSweeperTest, StoresTheSituationBeforeTheCutThenRemoves) {
  AppendIncidents(5);
  RetentionSweeper retention = Sweeper(/*max_updates=*/2);
  absl::StatusOr<uint64_t> removed = retention.RunNow();
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 3u);
  EXPECT_EQ(log_->Oldest(), 4u);
  EXPECT_THAT(log_->ListSituationSnapshots(), IsOkAndHolds(ElementsAre(3u)));

  // Every point retention left can be rebuilt, its first one included.
  absl::StatusOr<PastSituation> past = RebuildSituationAt(*log_, 3);
  ASSERT_THAT(past, IsOk());
  EXPECT_EQ(past->index->TakeAll().incidents.size(), 3u);
}

TEST_F(RetentionSweeperTest, NothingToRemoveStoresNothing) {
  AppendIncidents(2);
  RetentionSweeper retention = Sweeper(/*max_updates=*/5);
  EXPECT_THAT(retention.RunNow(), IsOkAndHolds(0u));
  EXPECT_EQ(log_->Oldest(), 1u);
  EXPECT_THAT(log_->ListSituationSnapshots(), IsOkAndHolds(ElementsAre()));
}

}  // namespace
}  // namespace sitrep::testing
