#include "bench/capacity_search.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/rate_search.h"
#include "bench/step_latencies.h"

namespace sitrep::bench {
namespace {

// Updates g < x with g % 3 == residue (the bench's missions: g % 3).
int64_t Below(int64_t x, int residue) {
  return x <= residue ? 0 : (x - residue + 2) / 3;
}

// Deliveries the step's updates [first, end) call for.
uint64_t Expected(const CapacitySearchRun& run, int64_t first, int64_t end) {
  uint64_t n = 0;
  for (const auto& s : *run.subscribers) {
    const int r = s->mission_index();
    n += static_cast<uint64_t>(Below(end, r) - Below(first, r));
  }
  return n;
}

// `rate` updates/s for `length`, paced as phase B; false if the publisher
// failed.
bool PublishAt(const CapacitySearchRun& run, double rate, absl::Duration length) {
  const int64_t t0 = NowNs();
  const int64_t count = static_cast<int64_t>(rate * absl::ToDoubleSeconds(length));
  for (int64_t k = 0; k < count; ++k) {
    const int64_t due = t0 + static_cast<int64_t>(1e9 * static_cast<double>(k) / rate);
    const int64_t wait = due - NowNs();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    // Before the publish: its first delivery may come before Publish
    // returns.
    g_step_latencies.Extend(*run.next_g + 1);
    if (!run.publisher->Publish(*run.next_g, run.window)) return false;
    ++*run.next_g;
  }
  return true;
}

// The counters of the step: now minus `start`, replica by replica.
std::vector<ReplicaPhase> Minus(std::vector<ReplicaPhase> now,
                                const std::vector<ReplicaPhase>& start) {
  for (size_t k = 0; k < now.size() && k < start.size(); ++k) {
    now[k] = Since(now[k], start[k]);
  }
  return now;
}

CapacityStep RunStep(const CapacitySearchRun& run, double rate) {
  const absl::Duration length = absl::GetFlag(FLAGS_capacity_step);
  const double bound_ms = absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_latency_bound));
  CapacityStep step;
  step.offered = rate;
  const std::vector<ReplicaPhase> start = run.system->ReplicaCounters();
  const double tail0 = run.system->TailOnlyCpuSeconds();
  const int64_t first = *run.next_g;
  g_step_latencies.Open(first);
  const int64_t t0 = NowNs();
  const bool published = PublishAt(run, rate, length);
  const double publish_seconds = static_cast<double>(NowNs() - t0) / 1e9;
  // A step that keeps its bound has (nearly) everything delivered one
  // bound after its last publish; the rest of the wait only tells how far
  // behind a failing step left the subscribers.
  step.drained = published && run.drained(absl::Milliseconds(bound_ms) + absl::Seconds(2));
  step.expected = Expected(run, first, *run.next_g);
  // The first delivery is recorded before the subscriber's position moves.
  if (step.drained) {
    WaitFor([&] { return g_step_latencies.Count() >= step.expected; }, absl::Seconds(1));
  }
  step.seconds = static_cast<double>(NowNs() - t0) / 1e9;
  step.each = Minus(run.system->ReplicaCounters(), start);
  const double tail1 = run.system->TailOnlyCpuSeconds();
  if (tail0 >= 0 && tail1 >= 0) step.tail_cpu_seconds = tail1 - tail0;
  step.deliveries = g_step_latencies.Count();
  step.p50_ms = g_step_latencies.PercentileMs(0.50);
  step.p99_ms = g_step_latencies.PercentileMs(0.99);
  step.updates = static_cast<uint64_t>(*run.next_g - first);
  step.published = static_cast<double>(step.updates) / publish_seconds;
  step.delivered = static_cast<double>(step.deliveries) / publish_seconds;
  // The publisher may fall behind its pacing only by what the replica's
  // acks hold it back (the rate is then not sustained).
  step.passed = published && step.drained && step.deliveries == step.expected &&
                step.p99_ms <= bound_ms && step.published >= 0.97 * rate;
  return step;
}

}  // namespace

BoundedCapacity SearchCapacity(const CapacitySearchRun& run, double start_rate) {
  BoundedCapacity result;
  result.bound_ms = absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_latency_bound));
  RateSearch search(start_rate, absl::GetFlag(FLAGS_capacity_growth),
                    absl::GetFlag(FLAGS_capacity_refinements),
                    absl::GetFlag(FLAGS_capacity_steps));
  if (!run.publisher->SetBatch(1)) return result;
  while (!search.done()) {
    CapacityStep step = RunStep(run, search.rate());
    Note("capacity step %zu: %.0f updates/s offered, %.0f published, %.0f delivered/s, "
         "p99 %.0f ms, %llu of %llu deliveries: %s",
         result.steps.size() + 1, step.offered, step.published, step.delivered, step.p99_ms,
         static_cast<unsigned long long>(step.deliveries),
         static_cast<unsigned long long>(step.expected), step.passed ? "pass" : "fail");
    const bool passed = step.passed;
    if (passed) result.best = static_cast<int>(result.steps.size());
    result.steps.push_back(std::move(step));
    search.Record(passed);
    // A failed step leaves a backlog: the next step starts from empty
    // queues, or the search ends here.
    if (!passed && !run.drained(absl::GetFlag(FLAGS_drain_timeout))) {
      Note("capacity search: the subscribers did not catch up after a step; stopping");
      break;
    }
  }
  result.exhausted = search.done() && search.lowest_failure() == 0 && result.best >= 0;
  return result;
}

}  // namespace sitrep::bench
