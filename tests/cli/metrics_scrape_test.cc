// `sitrep check --metrics`: reading a replica's metrics endpoint
// (client/metrics_scrape.h).
#include "client/metrics_scrape.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kText[] = R"(# HELP sitrep_replica_lag_updates Stream last sequence minus ...
# TYPE sitrep_replica_lag_updates gauge
sitrep_replica_lag_updates{replica="a"} 20
sitrep_replica_lag_updates{replica="b"} 0
sitrep_replica_lag_updates_other{replica="c"} 9
sitrep_replicas 2
sitrep_replica_probe_up 1
)";

TEST(MetricsScrapeTest, GaugeSamplesTakeTheNamedGaugeByLabel) {
  EXPECT_THAT(GaugeSamples(kText, "sitrep_replica_lag_updates", "replica"),
              ElementsAre(Pair("a", 20.0), Pair("b", 0.0)));
  EXPECT_THAT(GaugeSamples(kText, "sitrep_replicas", ""), ElementsAre(Pair("", 2.0)));
  EXPECT_TRUE(GaugeSamples(kText, "sitrep_missing", "").empty());
}

TEST(MetricsScrapeTest, AnAddressWithoutPortIsAUsageError) {
  EXPECT_EQ(FetchMetrics("localhost", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MetricsScrapeTest, NothingListeningIsUnavailable) {
  // Port 1 on loopback: nothing listens there in a test sandbox.
  EXPECT_EQ(FetchMetrics("127.0.0.1:1", absl::Seconds(5)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sitrep::cli
