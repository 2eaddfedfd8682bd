// The flags of sitrep-bench, declared for the files of its scenarios; each
// one's meaning and default are in bench_flags.cc. The scenarios of their
// own files (recovery, dashboards, replica_join, the SSE target) define
// their own flags next to their code.
#ifndef SITREP_BENCH_BENCH_FLAGS_H_
#define SITREP_BENCH_BENCH_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(std::string, scenario);
ABSL_DECLARE_FLAG(std::string, systems);
ABSL_DECLARE_FLAG(std::string, sitrepd);
ABSL_DECLARE_FLAG(std::string, server_cpus);
ABSL_DECLARE_FLAG(std::string, client_cpus);
ABSL_DECLARE_FLAG(std::string, ceiling);
ABSL_DECLARE_FLAG(int, ceiling_threads);
ABSL_DECLARE_FLAG(int, subscribers);
ABSL_DECLARE_FLAG(int, channels);
ABSL_DECLARE_FLAG(absl::Duration, warmup);
ABSL_DECLARE_FLAG(absl::Duration, duration);
ABSL_DECLARE_FLAG(double, rate);
ABSL_DECLARE_FLAG(std::string, scenario_suffix);
ABSL_DECLARE_FLAG(int, fanout_publish_batch);
ABSL_DECLARE_FLAG(int64_t, lag_limit);
ABSL_DECLARE_FLAG(absl::Duration, drain_timeout);
ABSL_DECLARE_FLAG(std::string, fsync);
ABSL_DECLARE_FLAG(int, callers);
ABSL_DECLARE_FLAG(int, window);
ABSL_DECLARE_FLAG(int64_t, catchup_updates);
ABSL_DECLARE_FLAG(int, publish_batch);
ABSL_DECLARE_FLAG(int, ingest_pairs);
ABSL_DECLARE_FLAG(absl::Duration, fill_timeout);
ABSL_DECLARE_FLAG(int, idle_subscribers);
ABSL_DECLARE_FLAG(int64_t, sqlite_rows);
ABSL_DECLARE_FLAG(int, fair_idle_subscribers);
ABSL_DECLARE_FLAG(double, fair_rate);
ABSL_DECLARE_FLAG(std::string, fair_idle_filter);
ABSL_DECLARE_FLAG(std::string, fair_idle_mission);
ABSL_DECLARE_FLAG(int, fair_ring_capacity);
ABSL_DECLARE_FLAG(absl::Duration, fair_idle_heartbeat);
ABSL_DECLARE_FLAG(int, fair_flood_batch);
ABSL_DECLARE_FLAG(absl::Duration, fair_max_p99);
ABSL_DECLARE_FLAG(double, stalled_fraction);
#ifdef SITREP_BENCH_NATS
ABSL_DECLARE_FLAG(std::string, nats_server);
ABSL_DECLARE_FLAG(std::string, jetstream_consumer);
#endif
ABSL_DECLARE_FLAG(std::string, replica_counts);
ABSL_DECLARE_FLAG(int, replica_rounds);
ABSL_DECLARE_FLAG(double, replica_cpu);
ABSL_DECLARE_FLAG(absl::Duration, replica_cpu_period);
ABSL_DECLARE_FLAG(absl::Duration, latency_bound);
ABSL_DECLARE_FLAG(absl::Duration, capacity_step);
ABSL_DECLARE_FLAG(double, capacity_start_rate);
ABSL_DECLARE_FLAG(double, capacity_growth);
ABSL_DECLARE_FLAG(int, capacity_refinements);
ABSL_DECLARE_FLAG(int, capacity_steps);
ABSL_DECLARE_FLAG(bool, check);

#endif  // SITREP_BENCH_BENCH_FLAGS_H_
