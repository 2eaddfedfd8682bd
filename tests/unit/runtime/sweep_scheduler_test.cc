#include "server/runtime/sweep_scheduler.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace sitrep {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Records which sweeps ran, in order, and on which thread.
class Runs {
 public:
  absl::AnyInvocable<void()> Task(int id) {
    return [this, id] {
      absl::MutexLock lock(&mu_);
      ids_.push_back(id);
      threads_.push_back(std::this_thread::get_id());
    };
  }
  std::vector<int> ids() const {
    absl::MutexLock lock(&mu_);
    return ids_;
  }
  std::vector<std::thread::id> threads() const {
    absl::MutexLock lock(&mu_);
    return threads_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<int> ids_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
};

TEST(SweepSchedulerTest, SweepRunsOnceItsIntervalPassedOnTheInjectedClock) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  sweeps.Every(absl::Minutes(10), runs.Task(1));
  sweeps.Start();

  clock.Advance(absl::Minutes(9));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), IsEmpty());

  clock.Advance(absl::Minutes(1));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), ElementsAre(1));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), ElementsAre(1)) << "not due again until 10 more";
}

TEST(SweepSchedulerTest, NextIntervalStartsWhenTheSweepRan) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  sweeps.Every(absl::Minutes(10), runs.Task(1));
  sweeps.Start();

  // Late by 5 minutes: the next run is 10 minutes after this one.
  clock.Advance(absl::Minutes(15));
  sweeps.RunDueNow();
  clock.Advance(absl::Minutes(9));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), ElementsAre(1));
  clock.Advance(absl::Minutes(1));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), ElementsAre(1, 1));
}

TEST(SweepSchedulerTest, EachSweepKeepsItsOwnInterval) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  sweeps.Every(absl::Seconds(1), runs.Task(1));
  sweeps.Every(absl::Seconds(3), runs.Task(3));
  sweeps.Start();
  for (int second = 1; second <= 6; ++second) {
    clock.Advance(absl::Seconds(1));
    sweeps.RunDueNow();
  }
  EXPECT_THAT(runs.ids(), ElementsAre(1, 1, 1, 3, 1, 1, 1, 3));
}

TEST(SweepSchedulerTest, SweepsRunOnTheSchedulersThreadNeverTheCallers) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  sweeps.Every(absl::Seconds(1), runs.Task(1));
  sweeps.Every(absl::Seconds(1), runs.Task(2));
  sweeps.Start();
  clock.Advance(absl::Seconds(1));
  sweeps.RunDueNow();
  const std::vector<std::thread::id> threads = runs.threads();
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_NE(threads[0], std::this_thread::get_id());
  EXPECT_EQ(threads[0], threads[1]) << "one scheduler thread";
}

TEST(SweepSchedulerTest, SweepAddedAfterStartIsScheduledFromThen) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  sweeps.Start();
  clock.Advance(absl::Hours(1));
  sweeps.Every(absl::Minutes(1), runs.Task(7));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), IsEmpty());
  clock.Advance(absl::Minutes(1));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), ElementsAre(7));
}

TEST(SweepSchedulerTest, StopWaitsForTheRunningSweepThenRunsNoMore) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  absl::Notification entered;
  absl::Notification release;
  bool finished = false;
  sweeps.Every(absl::Seconds(1), [&] {
    entered.Notify();
    release.WaitForNotification();
    finished = true;
  });
  sweeps.Start();
  clock.Advance(absl::Seconds(1));
  std::thread asker([&] { sweeps.RunDueNow(); });
  entered.WaitForNotification();
  std::thread stopper([&] { sweeps.Stop(); });
  release.Notify();
  stopper.join();
  EXPECT_TRUE(finished);
  asker.join();  // A RunDueNow pending at Stop returns.

  sweeps.Every(absl::Seconds(1), runs.Task(3));
  clock.Advance(absl::Seconds(5));
  sweeps.RunDueNow();  // Returns at once: stopped.
  sweeps.Stop();       // Idempotent.
  EXPECT_THAT(runs.ids(), IsEmpty());
}

TEST(SweepSchedulerTest, NothingRunsBeforeStart) {
  FakeClock clock;
  Runs runs;
  SweepScheduler sweeps(&clock);
  sweeps.Every(absl::Seconds(1), runs.Task(1));
  clock.Advance(absl::Seconds(2));
  sweeps.RunDueNow();
  EXPECT_THAT(runs.ids(), IsEmpty());
}

}  // namespace
}  // namespace sitrep
