#include "server/fanout/wake_index.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/fanout/feed.h"
#include "tests/support/manual_executor.h"

namespace sitrep {
namespace {

using ::testing::ElementsAre;

class NamedWaiter final : public FeedWaiter {
 public:
  explicit NamedWaiter(int name) : name(name) {}
  void OnNewData() override {}
  const int name;
};

constexpr WakeKey kKfor = 1;
constexpr WakeKey kEulex = 2;

class WakeIndexTest : public ::testing::Test {
 protected:
  std::shared_ptr<NamedWaiter> Waiter(int name) {
    waiters_.push_back(std::make_shared<NamedWaiter>(name));
    return waiters_.back();
  }
  // The names of the waiters Take(keys) wakes, in order.
  std::vector<int> Take(std::vector<WakeKey> keys) {
    std::vector<WakeIndex::Woken> woken;
    index_.Take(keys, &woken);
    std::vector<int> names;
    for (const WakeIndex::Woken& w : woken) {
      names.push_back(static_cast<const NamedWaiter&>(*w.waiter).name);
    }
    return names;
  }

  WakeIndex index_;
  std::vector<std::shared_ptr<NamedWaiter>> waiters_;
};

// Issue 24: a live stream is filed once; each delivery only re-arms it.
TEST_F(WakeIndexTest, AWokenWaiterStaysFiledAndIsArmedAgain) {
  auto a = Waiter(1);
  index_.Add(a, {kKfor}, nullptr);
  EXPECT_THAT(Take({kKfor}), ElementsAre(1));
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.filed(), 1u);
  EXPECT_THAT(Take({kKfor}), ElementsAre());  // not armed: not woken again

  index_.Add(a, {kKfor}, nullptr);
  EXPECT_EQ(index_.size(), 1u);
  EXPECT_EQ(index_.filed(), 1u);
  EXPECT_THAT(Take({kKfor}), ElementsAre(1));
}

TEST_F(WakeIndexTest, AnUnarmedWaiterIsNotHeldByTheIndex) {
  auto a = Waiter(1);
  std::weak_ptr<NamedWaiter> watch = a;
  index_.Add(a, {kKfor}, nullptr);
  EXPECT_EQ(watch.use_count(), 3);  // here, waiters_, the index
  EXPECT_THAT(Take({kKfor}), ElementsAre(1));
  EXPECT_EQ(watch.use_count(), 2);
}

TEST_F(WakeIndexTest, AWaiterUnderTwoKeysIsWokenOnce) {
  auto a = Waiter(1);
  index_.Add(a, {kKfor, kEulex}, nullptr);
  EXPECT_THAT(Take({kKfor, kEulex}), ElementsAre(1));
}

// A wake-up's waiters come out grouped by connection, whatever the order
// they were filed in, so that one connection's writes start together.
TEST_F(WakeIndexTest, TakeYieldsWaitersGroupedByGroup) {
  const uint64_t groups[] = {7, 3, 7, 3, 5, 7};
  for (int i = 0; i < 6; ++i) index_.Add(Waiter(i), {kKfor}, nullptr, groups[i]);
  EXPECT_THAT(Take({kKfor}), ElementsAre(1, 3, 4, 0, 2, 5));
  // Re-armed in another order: the filing order holds.
  for (int i : {5, 4, 3, 2, 1, 0}) index_.Add(waiters_[i], {kKfor}, nullptr, groups[i]);
  EXPECT_THAT(Take({kKfor}), ElementsAre(1, 3, 4, 0, 2, 5));
}

TEST_F(WakeIndexTest, NewKeysOrGroupFileTheWaiterAgain) {
  auto a = Waiter(1);
  index_.Add(a, {kKfor}, nullptr);
  index_.Add(a, {kEulex}, nullptr);
  EXPECT_THAT(Take({kKfor}), ElementsAre());
  EXPECT_THAT(Take({kEulex}), ElementsAre(1));
  EXPECT_EQ(index_.filed(), 1u);
}

TEST_F(WakeIndexTest, DisarmKeepsTheFilingAndForgetDropsIt) {
  auto a = Waiter(1);
  index_.Add(a, {kKfor}, nullptr);
  EXPECT_EQ(index_.Disarm(a.get()), a);
  EXPECT_EQ(index_.Disarm(a.get()), nullptr);
  EXPECT_EQ(index_.filed(), 1u);
  index_.Add(a, {kKfor}, nullptr);
  EXPECT_EQ(index_.Forget(a.get()), a);
  EXPECT_EQ(index_.filed(), 0u);
  EXPECT_TRUE(index_.empty());
  EXPECT_THAT(Take({kKfor}), ElementsAre());
}

TEST_F(WakeIndexTest, TheLaneComesBackWithTheWaiter) {
  testing::ManualExecutor executor;
  FairScheduler scheduler(&executor, FairScheduler::Options());
  auto lane = scheduler.LaneFor("a");
  index_.Add(Waiter(1), {kKfor}, lane);
  std::vector<WakeIndex::Woken> woken;
  index_.Take(std::vector<WakeKey>{kKfor}, &woken);
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(woken[0].lane, lane);
}

}  // namespace
}  // namespace sitrep
