#ifndef SITREP_BENCH_RECOVERY_SCENARIO_H_
#define SITREP_BENCH_RECOVERY_SCENARIO_H_

#include <string>

#include "bench/sitrepd_client.h"

namespace sitrep::bench {

// sitrep-bench --scenario=recovery (issue 24, kept as a guard): for each
// --recovery_updates size, fills an SQLite store directly through the
// library (SqliteEventLog, fsync off, big batches: the same file sitrepd
// writes, without the RPCs) with that many updates spread over
// --recovery_incidents open incidents, starts `sitrepd` on it, publishes,
// kills it with SIGKILL, restarts it and reports the time until it serves
// again (its "serving" line, then the first Publish answered), its RSS then,
// and the store's size. Targets: serving again <= 0.5 s at 10,000,000
// updates, no growth with the store's size.
//
// Then (--recovery_subscribers > 0) the reconnect storm: that many gRPC
// subscribers follow the server, it is killed and restarted while updates
// went on being stored behind them, and every one reconnects at once with
// its cursor (after_sequence); reports the time until all are caught up.
//
// False when something failed (the reason on stderr).
bool RunRecovery(const std::string& sitrepd, const ResultFn& result);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_RECOVERY_SCENARIO_H_
