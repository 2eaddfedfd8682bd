#include "bench/rate_search.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;

// Runs the search against a system that keeps up with rates <= capacity;
// returns the rates it tried.
std::vector<double> Tried(RateSearch* search, double capacity) {
  std::vector<double> rates;
  while (!search->done() && rates.size() < 100) {
    rates.push_back(search->rate());
    search->Record(search->rate() <= capacity);
  }
  return rates;
}

TEST(RateSearchTest, GrowsUntilAFailureThenBisects) {
  RateSearch search(100, 2, 2, 20);
  EXPECT_THAT(Tried(&search, 500),
              ElementsAre(100, 200, 400, 800, 600, 500));
  EXPECT_THAT(search.best(), DoubleEq(500));
  EXPECT_THAT(search.lowest_failure(), DoubleEq(600));
  EXPECT_EQ(search.steps(), 6);
}

TEST(RateSearchTest, ShrinksBelowTheStartUntilAStepPassesThenBisects) {
  RateSearch search(100, 1.5, 2, 20);
  const double r1 = 100 / 1.5, r2 = r1 / 1.5, r3 = r2 / 1.5;
  EXPECT_THAT(Tried(&search, 30),
              ElementsAre(DoubleEq(100), DoubleEq(r1), DoubleEq(r2),
                          DoubleEq(r3), DoubleEq((r3 + r2) / 2),
                          DoubleEq((r3 + (r3 + r2) / 2) / 2)));
  EXPECT_THAT(search.best(), DoubleEq(r3));  // 29.6: the capacity is 30
}

TEST(RateSearchTest, NothingPassesMeansNoCapacity) {
  RateSearch search(100, 2, 3, 5);
  EXPECT_THAT(Tried(&search, 0), ElementsAre(100, 50, 25, 12.5, 6.25));
  EXPECT_THAT(search.best(), DoubleEq(0));
  EXPECT_THAT(search.lowest_failure(), DoubleEq(6.25));
}

TEST(RateSearchTest, StopsAtMaxStepsWhileStillPassing) {
  RateSearch search(10, 2, 3, 4);
  EXPECT_THAT(Tried(&search, 1e9), ElementsAre(10, 20, 40, 80));
  EXPECT_THAT(search.best(), DoubleEq(80));
  EXPECT_THAT(search.lowest_failure(), DoubleEq(0));  // a lower bound only
}

TEST(RateSearchTest, BadParametersAreDoneAtOnce) {
  EXPECT_TRUE(RateSearch(0, 2, 3, 4).done());
  EXPECT_TRUE(RateSearch(10, 1, 3, 4).done());
  EXPECT_TRUE(RateSearch(10, 2, 3, 0).done());
}

}  // namespace
}  // namespace sitrep::bench
