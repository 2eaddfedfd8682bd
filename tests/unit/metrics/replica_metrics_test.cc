// The replica families of /metrics (server/metrics/replica_metrics.h): what
// alert SitrepReplicaTailStalled and `sitrep check --metrics` read.
#include "server/metrics/replica_metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ReplicaMetricsTest, EveryReplicaIsExportedWithItsLagAndStall) {
  ReplicaLagSnapshot snapshot;
  snapshot.valid = true;
  snapshot.stream_last = 120;
  snapshot.replicas.push_back({"a", false, false, 100, 20, absl::Seconds(150), absl::Seconds(9)});
  snapshot.replicas.push_back({"b", true, true, 120, 0, absl::ZeroDuration(), absl::ZeroDuration()});
  const std::string text = FormatReplicaMetrics(snapshot);
  EXPECT_THAT(text, HasSubstr("sitrep_replica_probe_up 1\n"));
  EXPECT_THAT(text, HasSubstr("sitrep_replicas 1\n"));  // a's heartbeat is stale
  EXPECT_THAT(text, HasSubstr("sitrep_stream_last_sequence 120\n"));
  EXPECT_THAT(text, HasSubstr("sitrep_replica_lag_updates{replica=\"a\"} 20\n"));
  EXPECT_THAT(text, HasSubstr("sitrep_replica_lag_updates{replica=\"b\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("sitrep_replica_stalled_seconds{replica=\"a\"} 150\n"));
  EXPECT_THAT(text, HasSubstr("sitrep_replica_applied_sequence{replica=\"b\"} 120\n"));
  EXPECT_THAT(text, HasSubstr("sitrep_replica_heartbeat_age_seconds{replica=\"a\"} 9\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE sitrep_replica_lag_updates gauge\n"));
}

TEST(ReplicaMetricsTest, WithoutNatsOnlyTheProbeIsDownIsExported) {
  ReplicaLagSnapshot snapshot;
  snapshot.error = "stream info of SITREP: Connection Closed";
  const std::string text = FormatReplicaMetrics(snapshot);
  EXPECT_THAT(text, HasSubstr("sitrep_replica_probe_up 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("sitrep_replicas ")));
}

TEST(ReplicaHeartbeatTest, RoundTripsAndRefusesWhatIsNotOne) {
  const absl::Time at = absl::FromUnixMillis(1796000000123);
  const std::string text = EncodeReplicaHeartbeat(42, 7, absl::Milliseconds(2500), at);
  uint64_t applied = 0, lag = 0;
  absl::Duration stalled;
  absl::Time decoded_at;
  ASSERT_TRUE(DecodeReplicaHeartbeat(text, &applied, &lag, &stalled, &decoded_at)) << text;
  EXPECT_EQ(applied, 42u);
  EXPECT_EQ(lag, 7u);
  EXPECT_EQ(stalled, absl::Milliseconds(2500));
  EXPECT_EQ(decoded_at, at);
  EXPECT_FALSE(DecodeReplicaHeartbeat("applied=1 lag=0", &applied, &lag, &stalled, &decoded_at));
  EXPECT_FALSE(DecodeReplicaHeartbeat("applied=x lag=0 stalled_ms=0 at_ms=1", &applied, &lag,
                                      &stalled, &decoded_at));
  // A field a later version adds is passed over.
  EXPECT_TRUE(DecodeReplicaHeartbeat(text + " zone=2", &applied, &lag, &stalled, &decoded_at));
}

}  // namespace
}  // namespace sitrep
