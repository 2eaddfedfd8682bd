// The scenarios of sitrep-bench (--scenario; bench/sitrep_bench.cc picks
// one). Each starts its servers, prints RESULT lines (bench/bench_common.h)
// and counts what failed in *outcome; bench/run.sh and docs/performance.md
// read the lines by their names, so a scenario's names are its interface.
// recovery, dashboards and replica_join have headers of their own.
#ifndef SITREP_BENCH_SCENARIOS_H_
#define SITREP_BENCH_SCENARIOS_H_

#include <string>

#include "bench/bench_common.h"

namespace sitrep::bench {

// N filtered subscribers of `system_name` and one publisher: phase A at the
// sustainable rate, phase B at --rate with latencies; every delivery
// verified (bench/fanout_scenario.cc).
// With `search_capacity` (--scenario=replicas) a capacity search at
// --latency_bound runs between phases A and B (bench/capacity_search.h).
void RunFanout(const std::string& system_name, int n, FanoutOutcome* outcome,
               bool search_capacity = false);

// PublishStream (single, then batched) and unary Publish at max rate
// against `system_name` with sitrepd's --fsync=fsync.
void RunIngest(const std::string& system_name, const std::string& fsync);

// Exactly --ingest_count updates through one PublishStream, for
// instruction counts (bench/ingest_count_scenario.cc).
void RunIngestCount(FanoutOutcome* outcome);

// sitrep's ingest through one --store=jetstream replica next to raw
// js_PublishAsync (needs libnats: SITREP_BENCH_NATS).
void RunJetStreamIngest(FanoutOutcome* outcome);

// One from_beginning subscriber over --catchup_updates stored updates.
void RunCatchup(FanoutOutcome* outcome);

// --idle_subscribers idle streams: the server's RSS per stream.
void RunIdle(const std::string& system_name);

// Issue 17's M-5: a victim's latency beside a flood and idle streams.
void RunFairness(FanoutOutcome* outcome);

// Raw SQLite inserts in sitrep's table shape: the reference for ingest.
void RunSqlite();

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_SCENARIOS_H_
