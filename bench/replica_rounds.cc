#include "bench/replica_rounds.h"

#include <algorithm>
#include <map>
#include <set>

namespace sitrep::bench {

double Median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::vector<RoundRatios> RatiosByRound(const std::vector<ReplicaRun>& runs,
                                       const DirectLaw* law) {
  std::map<int, double> base;  // round -> one replica's delivered/s
  std::map<int, double> base_cost;  // round -> one replica's us per delivery
  std::set<int> counts;
  std::set<int> rounds;
  for (const ReplicaRun& run : runs) {
    if (run.replicas == 1) base[run.round] = run.delivered_per_second();
    if (run.replicas == 1 && law != nullptr) {
      base_cost[run.round] = DeliveryUs(run, law->tail_us, law->ingest_us);
    }
    if (run.replicas > 1) counts.insert(run.replicas);
    rounds.insert(run.round);
  }
  std::vector<RoundRatios> out;
  for (const int count : counts) {
    RoundRatios ratios;
    ratios.replicas = count;
    for (const int round : rounds) {
      const auto one = base.find(round);
      if (one == base.end() || one->second <= 0) continue;
      for (const ReplicaRun& run : runs) {
        if (run.round != round || run.replicas != count) continue;
        ratios.ratios.push_back(run.delivered_per_second() / one->second);
        ratios.delivered.push_back(run.delivered_per_second());
        const auto one_cost = base_cost.find(round);
        if (one_cost == base_cost.end() || one_cost->second <= 0) continue;
        const double cost = DeliveryUs(run, law->tail_us, law->ingest_us);
        if (cost > 0) ratios.cost_ratios.push_back(cost / one_cost->second);
      }
    }
    ratios.median = Median(ratios.ratios);
    ratios.median_cost_ratio = Median(ratios.cost_ratios);
    ratios.median_delivered = std::max(0.0, Median(ratios.delivered));
    out.push_back(std::move(ratios));
  }
  return out;
}

}  // namespace sitrep::bench
