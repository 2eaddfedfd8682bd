#include "bench/delivery_cost.h"

#include <cmath>

namespace sitrep::bench {

std::optional<DeliveryCost> FitDeliveryCost(const std::vector<ReplicaRun>& runs,
                                            double tail_us, double ingest_us) {
  // Normal equations of rest = per_write * writes + per_update * deliveries,
  // rows in CPU per second of phase so that long and short runs weigh alike.
  double ww = 0, wd = 0, dd = 0, wy = 0, dy = 0;
  int rows = 0;
  for (const ReplicaRun& run : runs) {
    if (run.seconds <= 0) continue;
    const double u = static_cast<double>(run.updates) / run.seconds;
    for (size_t k = 0; k < run.each.size(); ++k) {
      const ReplicaPhase& r = run.each[k];
      if (r.writes == 0) continue;
      const double w = static_cast<double>(r.writes) / run.seconds;
      const double d = static_cast<double>(r.deliveries) / run.seconds;
      const double fixed =
          (u * tail_us + run.IngestedBy(k) / run.seconds * ingest_us) / 1e6;
      const double y = r.cpu_seconds / run.seconds - fixed;
      ww += w * w;
      wd += w * d;
      dd += d * d;
      wy += w * y;
      dy += d * y;
      ++rows;
    }
  }
  const double det = ww * dd - wd * wd;
  // Collinear rows (every replica at the same updates per write) cannot
  // tell a write's cost from its updates'.
  if (rows < 2 || !(std::fabs(det) > 1e-9 * ww * dd)) return std::nullopt;
  DeliveryCost cost;
  cost.per_write_us = (wy * dd - dy * wd) / det * 1e6;
  cost.per_update_us = (dy * ww - wy * wd) / det * 1e6;
  if (cost.per_write_us < 0 || cost.per_update_us < 0) return std::nullopt;
  return cost;
}

double UpdatesPerWrite(const ReplicaRun& run) {
  double deliveries = 0, writes = 0;
  for (const ReplicaPhase& r : run.each) {
    deliveries += static_cast<double>(r.deliveries);
    writes += static_cast<double>(r.writes);
  }
  return writes > 0 ? deliveries / writes : 0;
}

}  // namespace sitrep::bench
