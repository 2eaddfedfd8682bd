#ifndef SITREP_BENCH_REPLICA_JOIN_SCENARIO_H_
#define SITREP_BENCH_REPLICA_JOIN_SCENARIO_H_

#include <string>

#include "bench/sitrepd_client.h"

namespace sitrep::bench {

// sitrep-bench --scenario=replica_join (issue 24, kept as a guard): one
// nats-server -js (`nats_server`), a sitrepd replica on --store=jetstream
// that takes --join_updates updates (PublishStream batches), then a second
// replica started on the same stream with an empty data dir. Reports the
// time until it says "serving", and until its head (ListUpdates
// head_sequence) reaches the first replica's: caught up; then its RSS and
// CPU and nats-server's CPU over the join. Target: <= 5 s at 1,000,000
// updates. With --join_dir the store is filled once and reused (later runs
// start no first replica: the head is the one recorded when it was
// filled). False when something failed.
bool RunReplicaJoin(const std::string& sitrepd, const std::string& nats_server,
                    const ResultFn& result);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_REPLICA_JOIN_SCENARIO_H_
