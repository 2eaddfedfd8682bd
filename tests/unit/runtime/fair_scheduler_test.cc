#include "server/runtime/fair_scheduler.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/manual_executor.h"

namespace sitrep {
namespace {

using ::testing::ElementsAre;

class FairSchedulerTest : public ::testing::Test {
 protected:
  FairScheduler::Options Options(size_t tasks_per_turn = 1) {
    FairScheduler::Options options;
    options.tasks_per_turn = tasks_per_turn;
    return options;
  }

  testing::ManualExecutor executor_;
  std::vector<std::string> ran_;
};

// M-5: one owner's thousand queued tasks delay another owner's task by one
// turn, not by a thousand tasks (a FIFO executor ran it last).
TEST_F(FairSchedulerTest, AnotherOwnersTaskWaitsOneTurnNotTheWholeBacklog) {
  FairScheduler scheduler(&executor_, Options());
  auto flood = scheduler.LaneFor("flood");
  auto victim = scheduler.LaneFor("victim");
  for (int i = 0; i < 1000; ++i) {
    scheduler.Schedule(flood, [this, i] { ran_.push_back(absl::StrCat("f", i)); });
  }
  scheduler.Schedule(victim, [this] { ran_.push_back("victim"); });
  executor_.RunReady();
  ASSERT_EQ(ran_.size(), 1001u);
  EXPECT_EQ(ran_[1], "victim");
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST_F(FairSchedulerTest, OwnersTakeTurnsOfTheirBudgetInOrder) {
  FairScheduler scheduler(&executor_, Options(/*tasks_per_turn=*/2));
  auto a = scheduler.LaneFor("a");
  auto b = scheduler.LaneFor("b");
  for (int i = 0; i < 3; ++i) {
    scheduler.Schedule(a, [this, i] { ran_.push_back(absl::StrCat("a", i)); });
    scheduler.Schedule(b, [this, i] { ran_.push_back(absl::StrCat("b", i)); });
  }
  executor_.RunReady();
  EXPECT_THAT(ran_, ElementsAre("a0", "a1", "b0", "b1", "a2", "b2"));
}

// Issue 24: light tasks (a wake-up's live deliveries) run several per turn,
// up to light_tasks_per_turn; another owner's task still waits one turn.
TEST_F(FairSchedulerTest, LightTasksRunInTurnsOfTheirBudget) {
  FairScheduler::Options options = Options();
  options.light_tasks_per_turn = 3;
  options.max_runners = 1;
  FairScheduler scheduler(&executor_, options);
  auto a = scheduler.LaneFor("a");
  auto b = scheduler.LaneFor("b");
  std::vector<FairScheduler::LightTask> light;
  for (int i = 0; i < 7; ++i) {
    light.push_back({a, [this, i] { ran_.push_back(absl::StrCat("a", i)); }});
  }
  light.push_back({b, [this] { ran_.push_back("b0"); }});
  scheduler.ScheduleLight(std::move(light));
  scheduler.Schedule(b, [this] { ran_.push_back("b1"); });
  scheduler.Schedule(a, [this] { ran_.push_back("a-full"); });
  executor_.RunReady();
  // b's light task and its full one share a turn (whichever budget ends
  // first); a full task ends a turn.
  EXPECT_THAT(ran_, ElementsAre("a0", "a1", "a2", "b0", "b1", "a3", "a4",
                                "a5", "a6", "a-full"));
  EXPECT_EQ(scheduler.queued(), 0u);
}

TEST_F(FairSchedulerTest, OneOwnersLaneIsSharedByItsHolders) {
  FairScheduler scheduler(&executor_, Options());
  auto first = scheduler.LaneFor("a");
  auto second = scheduler.LaneFor("a");
  EXPECT_EQ(first, second);
  EXPECT_NE(first, scheduler.LaneFor("b"));
}

TEST_F(FairSchedulerTest, TasksScheduledByTasksRunToo) {
  FairScheduler scheduler(&executor_, Options());
  auto a = scheduler.LaneFor("a");
  scheduler.Schedule(a, [&] {
    ran_.push_back("outer");
    scheduler.Schedule(a, [&] { ran_.push_back("inner"); });
  });
  executor_.RunReady();
  EXPECT_THAT(ran_, ElementsAre("outer", "inner"));
}

TEST_F(FairSchedulerTest, ARunnerGivesItsThreadBackAfterItsTurns) {
  FairScheduler::Options options = Options();
  options.turns_per_run = 4;
  options.max_runners = 1;
  FairScheduler scheduler(&executor_, options);
  auto a = scheduler.LaneFor("a");
  for (int i = 0; i < 10; ++i) scheduler.Schedule(a, [] {});
  // 10 tasks, 4 per run: 3 executor tasks, each after the other work queued.
  EXPECT_EQ(executor_.RunReady(), 3);
}

TEST_F(FairSchedulerTest, QueuedTasksAreDestroyedWithTheScheduler) {
  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> watch = held;
  {
    FairScheduler scheduler(&executor_, Options());
    auto lane = scheduler.LaneFor("a");
    // The task holds its own lane, as a stream's pump does.
    scheduler.Schedule(lane, [held, lane] {});
    held.reset();
  }
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace sitrep
