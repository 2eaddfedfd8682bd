#include "server/runtime/executor.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(ExecutorTest, RunsEveryScheduledTask) {
  ThreadPoolExecutor executor(2);
  constexpr int kTasks = 1000;
  absl::BlockingCounter done(kTasks);
  std::atomic<int> ran{0};
  for (int i = 0; i < kTasks; ++i) {
    executor.Schedule([&] {
      ran.fetch_add(1);
      done.DecrementCount();
    });
  }
  done.Wait();
  EXPECT_EQ(ran.load(), kTasks);
}

TEST(ExecutorTest, DelayedTasksRunInOrderOfDueTimeAfterTheirDelay) {
  // The delays are far apart so that the order of due times does not depend
  // on how long this thread is descheduled between the three calls: task 2 is
  // due before task 3 unless 200 ms pass between their calls, and task 1
  // (due at once) before task 2 unless 200 ms pass between those. With 20 and
  // 60 ms this test failed on a loaded 2-core machine.
  ThreadPoolExecutor executor(1);
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification last;
  const absl::Time start = absl::Now();
  executor.ScheduleAfter(absl::Milliseconds(400), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(3);
    last.Notify();
  });
  executor.ScheduleAfter(absl::Milliseconds(200), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(2);
  });
  executor.Schedule([&] {
    absl::MutexLock lock(&mu);
    order.push_back(1);
  });
  last.WaitForNotification();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(400));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ::testing::ElementsAre(1, 2, 3));
}

TEST(ExecutorTest, AnEarlierDelayedTaskWakesASleepingWorker) {
  ThreadPoolExecutor executor(1);
  absl::Notification early;
  // A worker now sleeps until the far task is due...
  executor.ScheduleAfter(absl::Hours(1), [] {});
  const absl::Time start = absl::Now();
  // ...and must wake for this one.
  executor.ScheduleAfter(absl::Milliseconds(10), [&] { early.Notify(); });
  EXPECT_TRUE(early.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(30));
}

TEST(ExecutorTest, ShutdownDropsPendingTasksAndRefusesNewOnes) {
  ThreadPoolExecutor executor(1);
  std::atomic<int> ran{0};
  executor.ScheduleAfter(absl::Hours(1), [&] { ran.fetch_add(1); });
  executor.Shutdown();
  executor.Schedule([&] { ran.fetch_add(1); });
  executor.Shutdown();  // idempotent
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace sitrep
