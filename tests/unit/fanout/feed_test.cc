#include "server/fanout/feed.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/test_feed.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

// Counts how often the Feed told it about new data.
class CountingWaiter final : public FeedWaiter {
 public:
  void OnNewData() override { ++woken; }
  std::atomic<int> woken{0};
};

std::vector<WakeKey> KeysOf(const v1::Filter& filter) {
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> compiled =
      FilterMatcher::Compile(filter);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() ? (*compiled)->WakeKeys() : std::vector<WakeKey>{};
}

v1::Filter LabelFilter(absl::string_view selector) {
  v1::Filter filter;
  filter.add_missions(v1::MISSION_KFOR);
  filter.set_label_selector(std::string(selector));
  return filter;
}

class FeedWakeTest : public ::testing::Test {
 protected:
  void Append(v1::SituationUpdate update) { test_.Append(std::move(update)); }

  testing::TestFeed test_;
  Feed* const feed_ = test_.feed.get();
  testing::ManualExecutor& executor_ = test_.executor;
};

// M-5: a thousand streams of the updates' mission whose filters never match
// them cost nothing per append (before, each append woke and pumped all).
TEST_F(FeedWakeTest, AppendDoesNotWakeWaitersWhoseFiltersCannotMatch) {
  std::vector<std::shared_ptr<CountingWaiter>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_shared<CountingWaiter>());
    ASSERT_TRUE(feed_->WaitForNew(idle.back(), feed_->head(),
                                  KeysOf(LabelFilter("unit=ghost"))));
  }
  for (int i = 0; i < 20; ++i) {
    Append(testing::PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("p", i)));
  }
  EXPECT_EQ(executor_.pending(), 0u);
  EXPECT_EQ(feed_->waiting(), 1000u);

  v1::SituationUpdate ghost = testing::PatrolUpdate(v1::MISSION_KFOR);
  (*ghost.mutable_labels())["unit"] = "ghost";
  Append(ghost);
  executor_.RunReady();
  EXPECT_EQ(feed_->waiting(), 0u);
  for (const auto& waiter : idle) EXPECT_EQ(waiter->woken, 1);
}

TEST_F(FeedWakeTest, MissionWaitersAreWokenByTheirMissionsOnly) {
  auto kfor = std::make_shared<CountingWaiter>();
  auto eulex = std::make_shared<CountingWaiter>();
  ASSERT_TRUE(feed_->WaitForNew(kfor, 0, MissionSet::Of(v1::MISSION_KFOR)));
  ASSERT_TRUE(feed_->WaitForNew(eulex, 0, MissionSet::Of(v1::MISSION_EULEX)));
  Append(testing::PatrolUpdate(v1::MISSION_KFOR));
  executor_.RunReady();
  EXPECT_EQ(kfor->woken, 1);
  EXPECT_EQ(eulex->woken, 0);
}

TEST_F(FeedWakeTest, AnIncidentLeavingTheViewWakesByItsPreviousUpdate) {
  v1::Filter filter;
  filter.add_incident_ids("KP-7");
  auto waiter = std::make_shared<CountingWaiter>();
  Append(testing::NewIncident("KP-7"));
  ASSERT_TRUE(feed_->WaitForNew(waiter, feed_->head(), KeysOf(filter)));
  // Same incident id: woken by the update's own key.
  v1::SituationUpdate resolve = testing::NewIncident("KP-7");
  resolve.set_kind(v1::KIND_RESOLVE);
  Append(resolve);
  executor_.RunReady();
  EXPECT_EQ(waiter->woken, 1);

  // A filter on a label the closing update lost: woken by previous's key.
  v1::Filter by_unit = LabelFilter("unit=ROSU");
  by_unit.clear_missions();
  auto unit_waiter = std::make_shared<CountingWaiter>();
  Append(testing::NewIncident("KP-8"));
  ASSERT_TRUE(feed_->WaitForNew(unit_waiter, feed_->head(), KeysOf(by_unit)));
  v1::SituationUpdate close = testing::NewIncident("KP-8");
  close.set_kind(v1::KIND_RESOLVE);
  close.clear_labels();
  Append(close);
  executor_.RunReady();
  EXPECT_EQ(unit_waiter->woken, 1);
}

TEST_F(FeedWakeTest, EndWaitOfAnUnwokenWaiterReturnsTheHeadToSkipTo) {
  auto waiter = std::make_shared<CountingWaiter>();
  ASSERT_TRUE(feed_->WaitForNew(waiter, 0, KeysOf(LabelFilter("unit=ghost"))));
  for (int i = 0; i < 5; ++i) Append(testing::PatrolUpdate(v1::MISSION_KFOR));
  EXPECT_EQ(feed_->EndWait(waiter.get()), std::optional<uint64_t>(5));
  EXPECT_EQ(feed_->EndWait(waiter.get()), std::nullopt);
  EXPECT_EQ(feed_->waiting(), 0u);
}

// The log announces retention (AppendListener::OnRetained): the Feed moves
// its oldest sequence and drops the removed entries from its ring without
// being told by hand.
TEST_F(FeedWakeTest, RetentionInTheLogTrimsTheRing) {
  for (int i = 0; i < 6; ++i) {
    Append(testing::PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("p", i)));
  }
  ASSERT_EQ(feed_->ring().first(), 1u);
  RetentionPolicy keep_two;
  keep_two.max_updates = 2;
  ASSERT_TRUE(test_.log->ApplyRetention(keep_two, test_.clock.Now()).ok());
  EXPECT_EQ(feed_->oldest(), 5u);
  EXPECT_EQ(feed_->ring().first(), 5u);
  EXPECT_EQ(feed_->ring().last(), 6u);
}

}  // namespace
}  // namespace sitrep
