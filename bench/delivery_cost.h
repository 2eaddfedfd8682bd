// Why a replica's cost per delivery changes with the replica count
// (issue 20): a replica's CPU beyond the per-update work (the tail, and the
// ingest on the replica that takes the publishes) splits into a cost per
// write and a cost per update written, so that
//   cost per delivery = per_update_us + per_write_us / (updates per write)
// and a replica whose writes carry fewer updates pays more per delivery.
// The two costs are fitted by least squares over every replica of every
// phase-A run of sitrep-bench --scenario=replicas.
#ifndef SITREP_BENCH_DELIVERY_COST_H_
#define SITREP_BENCH_DELIVERY_COST_H_

#include <optional>
#include <vector>

#include "bench/replica_scaling.h"

namespace sitrep::bench {

struct DeliveryCost {
  double per_write_us = 0;   // each write of updates to one stream
  double per_update_us = 0;  // each update in a write
  // What the split says a delivery costs at `updates_per_write`.
  double PerDeliveryUs(double updates_per_write) const {
    return updates_per_write > 0 ? per_update_us + per_write_us / updates_per_write
                                 : 0;
  }
};

// `tail_us` every replica spends per update and `ingest_us` the ones that
// take the publishes spend per publish on top (MeasureScalingLaw) are
// taken off each replica's CPU first. nullopt when the runs do not tell
// the two apart (too few replicas with writes, or the same updates per
// write everywhere) or the fit gives a negative cost (noise larger than
// the signal).
std::optional<DeliveryCost> FitDeliveryCost(const std::vector<ReplicaRun>& runs,
                                            double tail_us, double ingest_us);

// Deliveries over writes of the replicas of `run`; 0 without writes.
double UpdatesPerWrite(const ReplicaRun& run);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_DELIVERY_COST_H_
