#ifndef SITREP_BENCH_BIG_SITUATION_SCENARIO_H_
#define SITREP_BENCH_BIG_SITUATION_SCENARIO_H_

#include <string>

#include "bench/sitrepd_client.h"

namespace sitrep::bench {

// sitrep-bench --scenario=big_situation (issue 24, "big situations"):
// sitrepd holds --situation_incidents open incidents (opened in batches of
// PublishRequest.batch, like bench/fill_incidents.sh's lines); then, each
// --situation_calls times after one warm-up call:
//   - GetSituation over gRPC, the answer taken as raw bytes (not parsed, so
//     the time is the server's and the loopback's): wall ms and sitrepd's
//     CPU ms per call (target ≤ 50 ms);
//   - GET /v1/situation, full and ?view=compact, each as it is and gzipped:
//     bytes and wall ms (target: ≥ 3× smaller than the full JSON);
//   - Subscribe with a `situation` start until its SnapshotEnd: incidents/s
//     (target ≥ 100k/s; the client parses each response, which counts
//     against the figure);
//   - with --situation_paint_command, the dashboard's first complete paint
//     in headless Chromium (tests/browser/situation_paint.mjs: a figure,
//     not a test; target ≤ 1 s).
// Medians are reported. False when something failed.
bool RunBigSituation(const std::string& sitrepd, const ResultFn& result);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_BIG_SITUATION_SCENARIO_H_
