#include "bench/replica_scaling.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/delivery_cost.h"
#include "bench/lag_loop.h"
#include "bench/replica_rounds.h"

namespace sitrep::bench {
namespace {

constexpr double kTargets[][2] = {{2, 1.8}, {3, 2.5}};  // replicas, x 1 replica

// Solves the 3x3 system m * x = b by Gaussian elimination with partial
// pivoting; false when it is (nearly) singular.
bool Solve3(double m[3][3], double b[3], double x[3]) {
  for (int c = 0; c < 3; ++c) {
    int pivot = c;
    for (int r = c + 1; r < 3; ++r) {
      if (std::fabs(m[r][c]) > std::fabs(m[pivot][c])) pivot = r;
    }
    if (std::fabs(m[pivot][c]) < 1e-12 * (std::fabs(m[0][0]) + 1e-300)) return false;
    for (int k = 0; k < 3; ++k) std::swap(m[c][k], m[pivot][k]);
    std::swap(b[c], b[pivot]);
    for (int r = c + 1; r < 3; ++r) {
      const double f = m[r][c] / m[c][c];
      for (int k = c; k < 3; ++k) m[r][k] -= f * m[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int c = 2; c >= 0; --c) {
    double s = b[c];
    for (int k = c + 1; k < 3; ++k) s -= m[c][k] * x[k];
    x[c] = s / m[c][c];
  }
  return true;
}

void Result(const std::string& system, const std::string& figure, double value) {
  std::printf("RESULT\treplicas scaling\t%s\t%s\t%.6g\n", system.c_str(), figure.c_str(),
              value);
}

}  // namespace

ReplicaPhase Since(const ReplicaPhase& now, const ReplicaPhase& start) {
  ReplicaPhase one = now;
  one.ingested -= start.ingested;
  one.cpu_seconds -= start.cpu_seconds;
  one.periods -= start.periods;
  one.throttled_periods -= start.throttled_periods;
  one.deliveries -= start.deliveries;
  one.writes -= start.writes;
  one.throttled_seconds -= start.throttled_seconds;
  one.samples -= start.samples;
  one.slowest_samples -= start.slowest_samples;
  one.ahead_sum -= start.ahead_sum;
  return one;
}

uint64_t ReplicaRun::deliveries() const {
  uint64_t sum = 0;
  for (const ReplicaPhase& r : each) sum += r.deliveries;
  return sum;
}

double ReplicaRun::delivered_per_second() const {
  return seconds > 0 ? static_cast<double>(deliveries()) / seconds : 0;
}

std::optional<ScalingLaw> FitScalingLaw(const std::vector<ReplicaRun>& runs) {
  // Normal equations of cpu = u*tail + taken*ingest + d*delivery.
  // Rows are scaled to CPU per second of phase so that long and short runs
  // weigh alike.
  double ata[3][3] = {}, aty[3] = {};
  int counts_seen = 0, last_count = -1;
  // A replica that took no publishes but delivered: without one, every
  // replica's publishes and deliveries are the same shares of the run's
  // (one replica, or publishes spread as evenly as the subscribers), and
  // ingest is not told from delivery.
  bool separable = false;
  for (const ReplicaRun& run : runs) {
    if (run.seconds <= 0 || run.updates == 0) continue;
    if (run.replicas != last_count) ++counts_seen;
    last_count = run.replicas;
    for (size_t k = 0; k < run.each.size(); ++k) {
      separable = separable || (run.IngestedBy(k) <= 0 && run.each[k].deliveries > 0);
    }
    for (size_t k = 0; k < run.each.size(); ++k) {
      const ReplicaPhase& r = run.each[k];
      const double u = static_cast<double>(run.updates) / run.seconds;
      const double row[3] = {u, run.IngestedBy(k) / run.seconds,
                             static_cast<double>(r.deliveries) / run.seconds};
      const double y = r.cpu_seconds / run.seconds;
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) ata[i][j] += row[i] * row[j];
        aty[i] += row[i] * y;
      }
    }
  }
  if (counts_seen < 2 || !separable) return std::nullopt;
  double x[3];
  if (!Solve3(ata, aty, x)) return std::nullopt;
  if (x[0] < 0 || x[1] < 0 || x[2] < 0) return std::nullopt;
  return ScalingLaw{x[0] * 1e6, x[1] * 1e6, x[2] * 1e6};
}

std::optional<DirectLaw> MeasureScalingLaw(const std::vector<ReplicaRun>& runs) {
  double tail_cpu = 0, tail_updates = 0;
  for (const ReplicaRun& run : runs) {
    if (run.tail_cpu_seconds < 0 || run.updates == 0) continue;
    tail_cpu += run.tail_cpu_seconds;
    tail_updates += static_cast<double>(run.updates);
  }
  if (tail_updates == 0) return std::nullopt;
  const double tail = tail_cpu / tail_updates;  // seconds per update
  // Ingest: what the replicas that took publishes spend beyond the others,
  // per publish, once their deliveries are priced at the others' cost per
  // delivery.
  std::vector<double> ingest;
  for (const ReplicaRun& run : runs) {
    if (run.each.size() < 2 || run.updates == 0) continue;
    const double u = static_cast<double>(run.updates);
    double cpu = 0, deliveries = 0;
    for (size_t k = 0; k < run.each.size(); ++k) {
      if (run.IngestedBy(k) > 0) continue;
      cpu += run.each[k].cpu_seconds - u * tail;
      deliveries += static_cast<double>(run.each[k].deliveries);
    }
    if (deliveries <= 0) continue;
    double extra = 0, taken = 0;
    for (size_t k = 0; k < run.each.size(); ++k) {
      if (run.IngestedBy(k) <= 0) continue;
      const ReplicaPhase& r = run.each[k];
      extra += r.cpu_seconds - u * tail - static_cast<double>(r.deliveries) * cpu / deliveries;
      taken += run.IngestedBy(k);
    }
    if (taken > 0) ingest.push_back(extra / taken);
  }
  if (ingest.empty()) return std::nullopt;
  std::sort(ingest.begin(), ingest.end());
  DirectLaw law;
  law.tail_us = tail * 1e6;
  law.ingest_us = std::max(0.0, ingest[ingest.size() / 2] * 1e6);
  for (const ReplicaRun& run : runs) {
    if (run.deliveries() == 0) continue;
    law.delivery_us.emplace_back(run.replicas, DeliveryUs(run, law.tail_us, law.ingest_us));
  }
  return law;
}

double DeliveryUs(const ReplicaRun& run, double tail_us, double ingest_us) {
  if (run.deliveries() == 0) return -1;
  const double d = static_cast<double>(run.deliveries());
  const double u = static_cast<double>(run.updates);
  double cpu = 0;
  for (const ReplicaPhase& r : run.each) cpu += r.cpu_seconds;
  const double rest =
      cpu - u * (tail_us * static_cast<double>(run.each.size()) + ingest_us) / 1e6;
  return rest / d * 1e6;
}

double PredictDelivered(const ScalingLaw& law, double budget_cores, int replicas,
                        double matches, bool publishes_spread) {
  // The busiest replica bounds the rate: replica 0 when it takes every
  // publish, any of them when the publishes are spread.
  const double k = replicas;
  const double per_update_us = law.tail_us + (publishes_spread ? law.ingest_us / k : law.ingest_us) +
                               law.delivery_us * matches / k;
  if (per_update_us <= 0) return 0;
  const double rate = budget_cores * 1e6 / per_update_us;
  return rate * matches;
}

namespace {

// Why the cost per delivery differs between the runs: each run's updates
// per write and what the fitted cost per write and per update make of them
// (bench/delivery_cost.h), beside what was measured.
void ReportDeliveryCost(const std::vector<ReplicaRun>& runs, const DirectLaw& law,
                        const std::string& prefix) {
  const std::optional<DeliveryCost> cost =
      FitDeliveryCost(runs, law.tail_us, law.ingest_us);
  if (!cost.has_value()) {
    std::printf("#   per write and per update: not told apart by these runs\n");
    return;
  }
  Result(prefix + "fit", "CPU us per write", cost->per_write_us);
  Result(prefix + "fit", "CPU us per update written", cost->per_update_us);
  std::string each;
  for (const ReplicaRun& run : runs) {
    const double deliveries = static_cast<double>(run.deliveries());
    if (deliveries <= 0) continue;
    // MeasureScalingLaw's delivery cost of the run.
    double cpu = 0;
    for (const ReplicaPhase& r : run.each) cpu += r.cpu_seconds;
    const double fixed_us = static_cast<double>(run.updates) *
                            (law.tail_us * static_cast<double>(run.each.size()) + law.ingest_us);
    const double measured = (cpu * 1e6 - fixed_us) / deliveries;
    const double b = UpdatesPerWrite(run);
    absl::StrAppend(&each, absl::StrFormat("%s %d: %.1f per write -> %.2f us (measured %.2f)",
                                           each.empty() ? "" : ";", run.replicas, b,
                                           cost->PerDeliveryUs(b), measured));
    Result(absl::StrCat("replicas-", run.replicas), prefix + "updates per write", b);
  }
  std::printf("#   delivery = %.2f us per write + %.3f us per update in it (least squares "
              "over every replica): updates per write and the delivery cost they make, by "
              "replicas:%s\n",
              cost->per_write_us, cost->per_update_us, each.c_str());
}

// The law from direct measurements (MeasureScalingLaw) and its projection.
// `bounded`: the runs are the capacity search's best steps (BestSteps),
// not phase A; their RESULT lines say "bounded".
void ReportMeasuredLaw(const std::vector<ReplicaRun>& runs, bool bounded) {
  const char* which = bounded ? " (at the latency bound)" : " (phase A, lag limit)";
  const std::string prefix = bounded ? "bounded " : "";
  const std::optional<DirectLaw> law = MeasureScalingLaw(runs);
  if (!law.has_value()) {
    std::printf("# measured law%s: needs the tail-only replica and a run with 2+ replicas, one "
                "of which took no publishes (with the publishes spread over every replica, "
                "ingest and delivery are not told apart: see the fitted law)\n",
                which);
    return;
  }
  Result(prefix + "measured", "tail CPU us/update", law->tail_us);
  Result(prefix + "measured", "ingest CPU us/update", law->ingest_us);
  std::string deliveries;
  for (const auto& [replicas, us] : law->delivery_us) {
    absl::StrAppend(&deliveries, absl::StrFormat(" %d replica%s %.2f us", replicas,
                                                 replicas == 1 ? "" : "s", us));
    Result(absl::StrCat("replicas-", replicas), prefix + "measured delivery CPU us", us);
  }
  std::printf("# measured law%s: tail %.0f us/update (a replica without subscribers), ingest %.0f "
              "us/update (replica 0 beyond the others); delivery, what is left per delivery:%s\n",
              which, law->tail_us, law->ingest_us, deliveries.c_str());
  ReportDeliveryCost(runs, *law, prefix);
  const double budget = runs.back().budget_cores > 0 ? runs.back().budget_cores : 1.0;
  const double fixed = law->tail_us + law->ingest_us;
  for (const auto& [replicas, us] : law->delivery_us) {
    const ScalingLaw one{law->tail_us, law->ingest_us, us};
    std::printf("#   projection, 10,000 subscribers, delivery at %.2f us (as with %d replica%s), "
                "%.2f core each:",
                us, replicas, replicas == 1 ? "" : "s", budget);
    for (const int k : {1, 2, 3, 10}) {
      std::printf(" %d: %.0f/s", k, PredictDelivered(one, budget, k, 10000.0 / 3, false));
    }
    std::printf("; wall %.0f updates/s, flattens past %.0f replicas\n",
                fixed > 0 ? budget * 1e6 / fixed : 0, fixed > 0 ? us * 10000.0 / 3 / fixed : 0);
  }
}

// "#0 2.47 s (97 %), 4620951; #1 ..." for each replica of a run: CPU in
// the phase, the share of its budget's periods that ended throttled, its
// deliveries.
std::string EachReplica(const ReplicaRun& run) {
  std::string each;
  for (const ReplicaPhase& r : run.each) {
    const double throttled = r.periods > 0 ? 100 * r.throttled_periods / r.periods : 0;
    absl::StrAppend(&each, each.empty() ? "" : "; ",
                    absl::StrFormat("#%d %.2f s (%.0f %%, stopped %.2f s), %llu", r.index,
                                    r.cpu_seconds, throttled, r.throttled_seconds,
                                    static_cast<unsigned long long>(r.deliveries)));
  }
  return each;
}

// "#0 58000 writes (41.3 updates each), slowest 45 %, 12.0 ahead; #1 ...":
// each replica's writes of updates, and how often its slowest subscriber
// held the lag limit (ReplicaLagSampler).
std::string EachReplicaWrites(const ReplicaRun& run) {
  std::string each;
  for (const ReplicaPhase& r : run.each) {
    const double per_write =
        r.writes > 0 ? static_cast<double>(r.deliveries) / static_cast<double>(r.writes) : 0;
    const double samples = static_cast<double>(r.samples);
    absl::StrAppend(
        &each, each.empty() ? "" : "; ",
        absl::StrFormat("#%d %llu writes (%.1f updates each), slowest %.0f %%, %.1f ahead, "
                        "took %.0f publishes",
                        r.index, static_cast<unsigned long long>(r.writes), per_write,
                        samples > 0 ? 100 * static_cast<double>(r.slowest_samples) / samples : 0,
                        samples > 0 ? r.ahead_sum / samples : 0,
                        run.IngestedBy(static_cast<size_t>(&r - run.each.data()))));
  }
  return each;
}

// What else ran in the phase, outside the budgets, in cores: the load
// generator (all threads, busiest thread), nats-server, the tail-only
// replica, and the machine's total with the replicas.
std::string OutsideBudgets(const ReplicaRun& run) {
  if (run.seconds <= 0 || run.loadgen_cpu_seconds < 0) return "not measured";
  double replicas = 0;
  for (const ReplicaPhase& r : run.each) replicas += r.cpu_seconds;
  const double tail = std::max(0.0, run.tail_cpu_seconds);
  const double total = replicas + tail + run.nats_cpu_seconds + run.loadgen_cpu_seconds;
  return absl::StrFormat(
      "load generator %.2f cores (busiest thread %.2f), nats-server %.2f, tail-only "
      "replica %.2f; with the replicas %.2f cores of the machine",
      run.loadgen_cpu_seconds / run.seconds, run.loadgen_busiest_thread_seconds / run.seconds,
      run.nats_cpu_seconds / run.seconds, tail / run.seconds, total / run.seconds);
}

// The one-replica run of `round`'s delivered/s; 0 without one.
double RoundBase(const std::vector<ReplicaRun>& runs, int round) {
  for (const ReplicaRun& run : runs) {
    if (run.replicas == 1 && run.round == round) return run.delivered_per_second();
  }
  return 0;
}

// The capacity table (phase A of each run, each round) and its RESULT
// lines: per replica count the median over the rounds.
void ReportCapacity(const std::vector<ReplicaRun>& runs) {
  std::printf("# lag-limit capacity (phase A: max rate at most --lag_limit ahead of the slowest "
              "subscriber; the verdict's measure, though a delivery's cost still depends on how "
              "many updates each write carries)\n");
  std::printf("# %-5s %-8s %-12s %12s %12s %9s  %s\n", "round", "replicas", "budget/each",
              "delivered/s", "published/s", "x 1", "each replica: CPU (% of periods throttled), deliveries");
  std::vector<double> one;
  for (const ReplicaRun& run : runs) {
    const std::string system = absl::StrCat("replicas-", run.replicas);
    const double base = RoundBase(runs, run.round);
    const double delivered = run.delivered_per_second();
    const double published = run.seconds > 0 ? static_cast<double>(run.updates) / run.seconds : 0;
    const std::string budget =
        run.budget_cores > 0 ? absl::StrFormat("%.2f core", run.budget_cores) : "none";
    std::printf("# %-5d %-8d %-12s %12.0f %12.0f %9s  %s\n", run.round, run.replicas,
                budget.c_str(), delivered, published,
                base > 0 ? absl::StrFormat("%.2f", delivered / base).c_str() : "-",
                EachReplica(run).c_str());
    std::printf("#         outside the budgets: %s\n", OutsideBudgets(run).c_str());
    std::printf("#         writes: %s\n", EachReplicaWrites(run).c_str());
    if (run.replicas == 1) one.push_back(delivered);
    if (base > 0) {
      Result(system, absl::StrCat("capacity x 1 replica round ", run.round), delivered / base);
    }
    Result(system, "nats-server CPU s", run.nats_cpu_seconds);
    if (run.seconds > 0 && run.loadgen_cpu_seconds >= 0) {
      Result(system, "load generator cores", run.loadgen_cpu_seconds / run.seconds);
      Result(system, "load generator busiest thread cores",
             run.loadgen_busiest_thread_seconds / run.seconds);
    }
  }
  if (!one.empty()) Result("replicas-1", "capacity delivered/s", Median(one));
  for (const RoundRatios& ratios : RatiosByRound(runs)) {
    const std::string system = absl::StrCat("replicas-", ratios.replicas);
    Result(system, "capacity delivered/s", ratios.median_delivered);
    if (ratios.median >= 0) Result(system, "capacity x 1 replica", ratios.median);
  }
}

// A capacity ratio's verdict against `target`. K replicas have K times the
// CPU of one: a ratio above K (with 10 % for noise) does not measure
// capacity but a cost per delivery that fell with the load (bigger writes at
// a higher rate), and is not counted as met. Nor is a ratio whose K replicas
// paid under 90 % of one replica's cost per delivery (`cost_ratio`, the
// median of the rounds'; -1 when not measured), even below K: part of it is
// then batching, not budgets.
std::string Verdict(double ratio, double target, int replicas, uint64_t failures,
                    double cost_ratio) {
  if (ratio < 0) return "n/a";
  if (ratio > 1.1 * replicas) {
    return absl::StrFormat(
        "NOT SOUND (super-linear: %d replicas have %dx the CPU; the cost per "
        "delivery changed with the rate)",
        replicas, replicas);
  }
  if (cost_ratio >= 0 && cost_ratio < 0.9) {
    return absl::StrFormat(
        "NOT SOUND (%d replicas paid %.2fx one replica's cost per delivery: "
        "their writes carried more updates, so the ratio is partly batching)",
        replicas, cost_ratio);
  }
  return ratio >= target && failures == 0 ? "met" : "NOT MET";
}

// The targets: >= 1.8x one replica's capacity at 2 replicas, >= 2.5x at 3,
// each the median of the rounds' ratios (bench/replica_rounds.h), held to
// the same cost per delivery as one replica's (Verdict).
void ReportTargets(const std::vector<ReplicaRun>& runs, uint64_t failures) {
  const std::optional<DirectLaw> law = MeasureScalingLaw(runs);
  const std::vector<RoundRatios> all = RatiosByRound(runs, law ? &*law : nullptr);
  for (const auto& [count, target] : kTargets) {
    const RoundRatios* ratios = nullptr;
    for (const RoundRatios& r : all) {
      if (r.replicas == static_cast<int>(count)) ratios = &r;
    }
    const double median = ratios != nullptr ? ratios->median : -1;
    const double cost = ratios != nullptr ? ratios->median_cost_ratio : -1;
    std::string each;
    if (ratios != nullptr) {
      for (const double ratio : ratios->ratios) {
        absl::StrAppend(&each, each.empty() ? "" : ", ", absl::StrFormat("%.2f", ratio));
      }
    }
    const std::string verdict =
        Verdict(median, target, static_cast<int>(count), failures, cost);
    std::string cost_text = "cost per delivery against one replica's not measured";
    if (cost >= 0) {
      cost_text = absl::StrFormat("cost per delivery %.2fx one replica's", cost);
      Result(absl::StrCat("replicas-", static_cast<int>(count)),
             "cost per delivery x 1 replica", cost);
    }
    std::printf("# target (lag-limit capacity): capacity at %d replicas >= %.1fx 1 replica: %s "
                "(%s; %s; %llu lost/duplicate/reordered/violations)\n",
                static_cast<int>(count), target, verdict.c_str(),
                median < 0 ? "not measured"
                           : absl::StrFormat("median %.2fx of %zu round%s: %s", median,
                                             ratios->ratios.size(),
                                             ratios->ratios.size() == 1 ? "" : "s", each)
                                 .c_str(),
                cost_text.c_str(), static_cast<unsigned long long>(failures));
    if (verdict == "NOT MET" && cost > 1.1) {
      std::printf("#   its replicas paid more per delivery than one replica: their writes carried "
                  "fewer updates, so the lag loop rather than the budgets held the rate "
                  "(docs/performance.md, \"h20-cap3\"; a larger --lag_limit)\n");
    }
  }
}

// Why the writes carry fewer updates with more replicas: each run's write
// interval against the loop's latency, and the fit of one to the other
// (bench/lag_loop.h).
void ReportLagLoop(const std::vector<ReplicaRun>& runs) {
  std::string each;
  for (const ReplicaRun& run : runs) {
    const LagLoopPoint p = LagLoopPointOf(run);
    if (p.loop_ms <= 0) continue;
    const std::string system = absl::StrCat("replicas-", run.replicas);
    Result(system, absl::StrCat("write interval ms round ", run.round), p.interval_ms);
    Result(system, absl::StrCat("lag loop ms round ", run.round), p.loop_ms);
    absl::StrAppend(&each, absl::StrFormat("%s %d: %.1f per write, every %.0f ms, loop %.0f ms",
                                           each.empty() ? "" : ";", run.replicas,
                                           p.updates_per_write, p.interval_ms, p.loop_ms));
  }
  if (each.empty()) return;
  std::printf("# lag-limit loop (lag limit / published: the latency to the slowest subscriber), "
              "by replicas:%s\n",
              each.c_str());
  const std::optional<LagLoop> loop = FitLagLoop(runs);
  if (!loop.has_value()) return;
  Result("fit", "lag loop alpha", loop->alpha);
  Result("fit", "lag loop beta ms", loop->beta_ms);
  std::printf("#   loop = %.2f x write interval + %.0f ms (least squares over the runs); the "
              "fixed part (budget stops, publish path, subscribers) is what leaves fewer "
              "updates per write at higher rates\n",
              loop->alpha, loop->beta_ms);
}

// The law fitted to every replica of every run (FitScalingLaw), what it
// says of each run and its projection to 10,000 subscribers.
void ReportFittedLaw(const std::vector<ReplicaRun>& runs) {
  const std::optional<ScalingLaw> law = FitScalingLaw(runs);
  if (!law.has_value()) {
    std::printf("# scaling law: not determined by these runs (fewer than two replica counts; "
                "no replica without publishes, as with --replica_publishers=spread, so ingest "
                "and delivery grow together; or a negative cost in the fit: noise from other "
                "load; run longer on a quiet machine)\n");
    return;
  }
  Result("fit", "tail CPU us/update", law->tail_us);
  Result("fit", "ingest CPU us/update", law->ingest_us);
  Result("fit", "delivery CPU us/delivery", law->delivery_us);
  std::printf("# scaling law (least squares over every replica of every run): replica CPU = "
              "updates x (%.1f us tail + %.1f us ingest on the replica that took the "
              "publish) + deliveries x %.2f us\n",
              law->tail_us, law->ingest_us, law->delivery_us);
  const ReplicaRun& last = runs.back();
  const double budget = last.budget_cores > 0 ? last.budget_cores : 1.0;
  for (const ReplicaRun& run : runs) {
    const double m = run.matches;
    std::printf("#   law at %d replicas, %.0f deliveries/update, %.2f core each, publishes %s: "
                "%.0f delivered/s (measured %.0f)\n",
                run.replicas, m, budget, run.PublishesSpread() ? "spread" : "through one",
                PredictDelivered(*law, budget, run.replicas, m, run.PublishesSpread()),
                run.delivered_per_second());
  }
  // 10,000 subscribers following one mission of three, as in the bench.
  const double matches = 10000.0 / 3;
  for (const bool spread : {false, true}) {
    std::printf("# projection, 10,000 subscribers (%.0f deliveries/update), %.2f core per "
                "replica, publishes %s:",
                matches, budget, spread ? "spread over the replicas" : "through one replica");
    for (const int k : {1, 2, 3, 5, 10}) {
      std::printf(" %d: %.0f/s", k, PredictDelivered(*law, budget, k, matches, spread));
    }
    const double fixed = law->tail_us + (spread ? 0 : law->ingest_us);
    const double asymptote = fixed > 0 ? budget * 1e6 / fixed * matches : 0;
    std::printf("; limit %.0f/s (%.0f updates/s: every replica still pays %.1f us per update)\n",
                asymptote, fixed > 0 ? budget * 1e6 / fixed : 0, fixed);
    // Past this many replicas the per-update work every replica repeats is
    // more than the delivery work each one has left: each added replica
    // buys less and less.
    if (fixed > 0) {
      std::printf("#   growth flattens past %.1f replicas (delivery work per replica = fixed "
                  "per-update work)\n",
                  law->delivery_us * matches / fixed);
    }
  }
}

// "#1 0.24 core (81 %)" for each replica of a step: the cores it used in
// the step and the share of its budget's periods that ended throttled.
std::string EachReplica(const CapacityStep& step) {
  std::string each;
  for (const ReplicaPhase& r : step.each) {
    const double throttled = r.periods > 0 ? 100 * r.throttled_periods / r.periods : 0;
    absl::StrAppend(&each, each.empty() ? "" : "; ",
                    absl::StrFormat("#%d %.2f core (%.0f %%)", r.index,
                                    step.seconds > 0 ? r.cpu_seconds / step.seconds : 0,
                                    throttled));
  }
  if (step.tail_cpu_seconds >= 0 && step.updates > 0) {
    absl::StrAppend(&each, absl::StrFormat("; tail-only %.0f us/update",
                                           1e6 * step.tail_cpu_seconds /
                                               static_cast<double>(step.updates)));
  }
  return each;
}

// One line per run with every step: "120 ok 41 ms, 180 ok 63 ms, 270 over 911 ms".
void ReportSteps(const BoundedCapacity& run) {
  std::string steps;
  for (const CapacityStep& step : run.steps) {
    absl::StrAppend(&steps, steps.empty() ? "" : ", ",
                    absl::StrFormat("%.0f %s %.0f ms", step.offered,
                                    step.passed ? "ok" : "over", step.p99_ms));
    if (step.deliveries != step.expected) {
      absl::StrAppend(&steps, absl::StrFormat(" (%llu of %llu)",
                                              static_cast<unsigned long long>(step.deliveries),
                                              static_cast<unsigned long long>(step.expected)));
    }
  }
  std::printf("#   %d replica%s, steps (updates/s offered, p99): %s%s\n", run.replicas,
              run.replicas == 1 ? "" : "s", steps.c_str(),
              run.exhausted ? " (out of steps: a lower bound)" : "");
}

// The capacity at the latency bound: table, steps, targets.
void ReportBoundedCapacity(const std::vector<BoundedCapacity>& runs, uint64_t failures) {
  const double bound = runs.front().bound_ms;
  double base = 0;
  for (const BoundedCapacity& run : runs) {
    if (run.replicas == 1 && run.best_step() != nullptr) base = run.best_step()->delivered;
  }
  std::printf("# fan-out capacity at a latency bound: the highest offered rate (one update per "
              "message) whose step kept publish->deliver p99 <= %.0f ms with every delivery "
              "there\n",
              bound);
  std::printf("# %-8s %-12s %10s %12s %7s %7s  %s\n", "replicas", "budget/each", "updates/s",
              "delivered/s", "p99 ms", "x 1", "each replica: cores used (% of periods throttled)");
  for (const BoundedCapacity& run : runs) {
    const std::string system = absl::StrCat("replicas-", run.replicas);
    const std::string budget =
        run.budget_cores > 0 ? absl::StrFormat("%.2f core", run.budget_cores) : "none";
    const CapacityStep* best = run.best_step();
    if (best == nullptr) {
      std::printf("# %-8d %-12s no step kept the bound\n", run.replicas, budget.c_str());
    } else {
      std::printf("# %-8d %-12s %10.0f %12.0f %7.0f %7s  %s\n", run.replicas, budget.c_str(),
                  best->offered, best->delivered, best->p99_ms,
                  base > 0 ? absl::StrFormat("%.2f", best->delivered / base).c_str() : "-",
                  EachReplica(*best).c_str());
      Result(system, "bounded capacity updates/s", best->offered);
      Result(system, "bounded capacity delivered/s", best->delivered);
      Result(system, "bounded capacity p99 ms", best->p99_ms);
      if (base > 0) Result(system, "bounded capacity x 1 replica", best->delivered / base);
    }
    ReportSteps(run);
  }
  for (const auto& [count, target] : kTargets) {
    double ratio = -1;
    for (const BoundedCapacity& run : runs) {
      if (run.replicas == static_cast<int>(count) && base > 0 && run.best_step() != nullptr) {
        ratio = run.best_step()->delivered / base;
      }
    }
    // A figure beside the verdict (the lag-limit capacity's, over the
    // rounds), not the verdict: one replica at its bound runs unbatched
    // (one update per write) while 2 and 3, at higher rates, reach the
    // batched regime, so the cost per delivery differs across K and the
    // ratios came out super-linear (17x, 37x on the quiet machine).
    const std::string verdict =
        Verdict(ratio, target, static_cast<int>(count), failures, -1);
    std::printf("# figure, not the verdict (at p99 <= %.0f ms; the cost per delivery differs "
                "across replica counts: one replica stays unbatched at its bound, 2 and 3 "
                "batch): capacity at %d replicas >= %.1fx 1 replica: %s "
                "(%s; %llu lost/duplicate/reordered/violations in the whole scenario)\n",
                bound, static_cast<int>(count), target, verdict.c_str(),
                ratio < 0 ? "not measured" : absl::StrFormat("%.2fx", ratio).c_str(),
                static_cast<unsigned long long>(failures));
  }
}

// Each search's best step as a run, for the law (MeasureScalingLaw).
std::vector<ReplicaRun> BestSteps(const std::vector<BoundedCapacity>& bounded,
                                  const std::vector<ReplicaRun>& phase_a) {
  std::vector<ReplicaRun> runs;
  for (const BoundedCapacity& b : bounded) {
    const CapacityStep* best = b.best_step();
    if (best == nullptr) continue;
    ReplicaRun run;
    run.replicas = b.replicas;
    run.budget_cores = b.budget_cores;
    run.seconds = best->seconds;
    run.updates = best->updates;
    run.tail_cpu_seconds = best->tail_cpu_seconds;
    for (const ReplicaRun& a : phase_a) {
      if (a.replicas == b.replicas) run.matches = a.matches;
    }
    run.each = best->each;
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace

void ReportReplicaScaling(const std::vector<ReplicaRun>& runs,
                          const std::vector<BoundedCapacity>& bounded,
                          uint64_t failures) {
  if (!bounded.empty()) {
    ReportBoundedCapacity(bounded, failures);
    const std::vector<ReplicaRun> best = BestSteps(bounded, runs);
    if (!best.empty()) ReportMeasuredLaw(best, true);
  }
  if (runs.empty()) return;
  ReportCapacity(runs);
  ReportTargets(runs, failures);
  ReportLagLoop(runs);
  ReportMeasuredLaw(runs, false);
  ReportFittedLaw(runs);
}

}  // namespace sitrep::bench
