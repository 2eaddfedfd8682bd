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

TEST(RateSearchTest, BisectsBelowTheStartWhenTheFirstStepFails) {
  RateSearch search(100, 1.5, 2, 20);
  EXPECT_THAT(Tried(&search, 30), ElementsAre(100, 50, 25));
  EXPECT_THAT(search.best(), DoubleEq(25));
}

TEST(RateSearchTest, NothingPassesMeansNoCapacity) {
  RateSearch search(100, 1.5, 3, 20);
  Tried(&search, 0);
  EXPECT_THAT(search.best(), DoubleEq(0));
  EXPECT_THAT(search.lowest_failure(), DoubleEq(12.5));
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
