#include "bench/lag_loop.h"

#include <cmath>

#include "bench/delivery_cost.h"

namespace sitrep::bench {

LagLoopPoint LagLoopPointOf(const ReplicaRun& run) {
  LagLoopPoint p;
  p.replicas = run.replicas;
  if (run.seconds <= 0 || run.updates == 0 || run.matches <= 0) return p;
  p.published = static_cast<double>(run.updates) / run.seconds;
  p.updates_per_write = UpdatesPerWrite(run);
  // The bench's subscribers each follow one mission of three: matches is
  // N / 3, so N = 3 x matches streams share the deliveries.
  double deliveries = 0;
  for (const ReplicaPhase& r : run.each) deliveries += static_cast<double>(r.deliveries);
  const double per_stream = deliveries / run.seconds / (3 * run.matches);
  if (per_stream > 0) p.interval_ms = 1e3 * p.updates_per_write / per_stream;
  if (run.lag_limit > 0) p.loop_ms = 1e3 * run.lag_limit / p.published;
  return p;
}

std::optional<LagLoop> FitLagLoop(const std::vector<ReplicaRun>& runs) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const ReplicaRun& run : runs) {
    const LagLoopPoint p = LagLoopPointOf(run);
    if (p.interval_ms <= 0 || p.loop_ms <= 0) continue;
    n += 1;
    sx += p.interval_ms;
    sy += p.loop_ms;
    sxx += p.interval_ms * p.interval_ms;
    sxy += p.interval_ms * p.loop_ms;
  }
  const double det = n * sxx - sx * sx;
  if (n < 2 || !(det > 1e-9 * sxx)) return std::nullopt;
  LagLoop loop;
  loop.alpha = (n * sxy - sx * sy) / det;
  loop.beta_ms = (sy - loop.alpha * sx) / n;
  return loop;
}

}  // namespace sitrep::bench
