#ifndef SITREP_BENCH_DASHBOARDS_SCENARIO_H_
#define SITREP_BENCH_DASHBOARDS_SCENARIO_H_

#include <string>

#include "bench/sitrepd_client.h"

namespace sitrep::bench {

// sitrep-bench --scenario=dashboards (issue 24): what an open browser
// dashboard costs the server. sitrepd holds --dashboard_incidents open
// incidents and takes --dashboard_rate updates/s; then --dashboards
// dashboards open, each doing what client/dashboard/app.js does: GET
// /v1/situation, GET /v1/updates (the newest 500 up to the situation's
// sequence), GET /v1/stream after that sequence (heartbeat 5 s), and again
// GET /v1/situation at most every 2 s while updates arrive
// (SITUATION_REFRESH_MS). Reports the server's CPU (cores) and RSS without
// and with the dashboards, and per dashboard; the poll latency; the load
// generator's CPU. False when something failed.
bool RunDashboards(const std::string& sitrepd, const ResultFn& result);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_DASHBOARDS_SCENARIO_H_
