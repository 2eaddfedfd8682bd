// --scenario=fanout (and replicas): N filtered subscribers (one mission
// each) and one publisher against one system (bench/fanout_target.h); the
// replicas target may spread the updates over several publishers
// (bench/fanout_spread_publisher.h), fed in g's order by the same loop.
// Phase A: max rate, flow-controlled (the publisher stays at most
// --lag_limit updates ahead of the slowest subscriber, so the figure is the
// sustainable rate and the drain is bounded) for --duration after --warmup.
// A subscriber's position is the lowest update of its mission it still
// lacks, whichever publisher published it (VerifyingSubscriber::
// expected_g), so with several publishers the limit holds them all, by
// the oldest update missing anywhere.
// Phase B: --rate updates/s for --duration; publish->deliver latency from
// the publish time in label "b". Both phases verify exactly-once, in-order
// delivery of every matching update. The replicas scenario runs its
// capacity search at a latency bound between them (bench/capacity_search.h).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/capacity_search.h"
#include "bench/fanout_target.h"
#include "bench/scenarios.h"

namespace sitrep::bench {
namespace {

// "fanout N=<n>[ stalled <p>%]<--scenario_suffix>".
std::string FanoutScenarioName(int n, double stalled_fraction) {
  std::string scenario = absl::StrCat("fanout N=", n);
  if (stalled_fraction > 0) {
    absl::StrAppend(&scenario, " stalled ",
                    static_cast<int>(stalled_fraction * 100 + 0.5), "%");
  }
  absl::StrAppend(&scenario, absl::GetFlag(FLAGS_scenario_suffix));
  return scenario;
}

// The counters at phase A's start or end.
struct PhaseAMark {
  uint64_t acked = 0, delivered = 0, messages = 0, bytes = 0;
  ProcStats server, client;
};

// What the subscribers that ended saw, summed.
struct Verification {
  std::vector<int64_t> latencies;  // sorted
  uint64_t lost = 0, duplicates = 0, reordered = 0, violations = 0, gaps = 0;
};

// One fan-out run against one started system, in the order of its public
// steps, all on the caller's thread. A monitor thread reads the
// subscribers' positions (atomics) meanwhile, for the lag limit.
class FanoutRun {
 public:
  FanoutRun(std::string scenario, std::string system_name,
            FanoutTarget* system, FanoutOutcome* outcome)
      : scenario_(std::move(scenario)),
        system_name_(std::move(system_name)),
        system_(system),
        outcome_(outcome) {}

  // Starts n subscribers, --stalled_fraction of them stalled, spread
  // evenly over the missions, and waits for them.
  void Subscribe(int n, double stalled_fraction);
  // Starts the lag monitor and the publisher of run `run`.
  void StartPublishing(const std::string& run);
  void PhaseA();
  // The capacity at --latency_bound, from half of phase A's rate (or
  // --capacity_start_rate) on; for the target to keep.
  void SearchCapacityPhase();
  void PhaseB();
  // Ends the publisher and the subscribers; reports phase B and the totals.
  void Finish();

 private:
  // Publishes at the highest rate the lag limit and the window allow.
  void PublishAtMaxRate(absl::Duration length);
  void ReadCounters(PhaseAMark* mark);
  void ReportPhaseA(const PhaseAMark& start, const PhaseAMark& end,
                    double seconds, int64_t window_wait_start);
  // Waits up to `timeout` until every subscriber has all of g_.
  bool Drain(absl::Duration timeout);
  Verification Verify();
  void ReportPhaseB(const Verification& v);

  template <typename Fn>
  uint64_t Sum(Fn fn) const {
    uint64_t sum = 0;
    for (auto& s : subscribers_) sum += fn(*s);
    return sum;
  }

  const std::string scenario_;
  const std::string system_name_;
  FanoutTarget* const system_;  // borrowed, outlives the run
  FanoutOutcome* const outcome_;
  const size_t window_ = static_cast<size_t>(absl::GetFlag(FLAGS_window));
  const int64_t lag_limit_ = absl::GetFlag(FLAGS_lag_limit);
  const double rate_ = absl::GetFlag(FLAGS_rate);
  const absl::Duration duration_ = absl::GetFlag(FLAGS_duration);

  std::vector<std::unique_ptr<VerifyingSubscriber>> subscribers_;
  std::vector<std::unique_ptr<VerifyingSubscriber>> stalled_;
  // The slowest subscriber's position, for the publisher's lag limit.
  std::atomic<int64_t> min_expected_{0};
  std::atomic<bool> stop_monitor_{false};
  std::thread monitor_;
  // The largest WAL file the monitor saw (every ~100 ms), -1 if none.
  std::atomic<int64_t> wal_peak_bytes_{-1};
  std::unique_ptr<FanoutPublisher> publisher_;
  int64_t g_ = 0;  // the next update's index: updates published so far
  // Time the publisher waited for the slowest subscriber (the lag limit).
  int64_t lag_wait_ns_ = 0;
  // Each time it waited: the updates published but not yet acknowledged,
  // summed, and how many times. Their mean is the part of --lag_limit that
  // sits in the publish path (the server's ingest, its store) rather than
  // in the fan-out to the subscribers.
  double held_unacked_sum_ = 0;
  uint64_t held_count_ = 0;
  double a_published_per_s_ = 0;  // phase A's, where the search starts
  ProcStats stats0_;     // when phase A starts
  ProcStats stats_b0_;   // when phase B starts
  ProcStats stats_b1_;   // when phase B ends
  uint64_t delivered_total_ = 0;
};

void FanoutRun::Subscribe(int n, double stalled_fraction) {
  for (int i = 0; i < n; ++i) {
    // Spread the stalled ones evenly over the missions.
    const bool stall = static_cast<int>((i + 1) * stalled_fraction) >
                       static_cast<int>(i * stalled_fraction);
    (stall ? stalled_ : subscribers_)
        .push_back(system_->Subscribe(i, i % 3, stall));
  }
  if (!system_->AllSubscribed(stalled_)) {
    Note("%s %s: stalled subscribers did not all start", scenario_.c_str(),
         system_name_.c_str());
  }
  if (!system_->AllSubscribed(subscribers_)) {
    Note("%s %s: subscribers did not all start", scenario_.c_str(),
         system_name_.c_str());
    ++outcome_->failures;
  }
}

void FanoutRun::StartPublishing(const std::string& run) {
  monitor_ = std::thread([this] {
    for (int tick = 0; !stop_monitor_.load(); ++tick) {
      int64_t m = INT64_MAX;
      for (auto& s : subscribers_) m = std::min(m, s->expected_g());
      min_expected_.store(m);
      if (tick % 100 == 0) {
        const int64_t wal = system_->WalBytes();
        if (wal > wal_peak_bytes_.load()) wal_peak_bytes_.store(wal);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  publisher_ = system_->NewPublisher(run);
}

void FanoutRun::PublishAtMaxRate(absl::Duration length) {
  const absl::Time end = absl::Now() + length;
  while (absl::Now() < end) {
    if (g_ - min_expected_.load(std::memory_order_relaxed) > lag_limit_) {
      publisher_->SetBatch(absl::GetFlag(FLAGS_fanout_publish_batch));
      held_unacked_sum_ += static_cast<double>(g_) - static_cast<double>(publisher_->acked());
      ++held_count_;
      const int64_t wait_start = NowNs();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      lag_wait_ns_ += NowNs() - wait_start;
      continue;
    }
    if (!publisher_->Publish(g_, window_)) break;
    ++g_;
  }
}

void FanoutRun::ReadCounters(PhaseAMark* mark) {
  mark->delivered = Sum([](auto& s) { return s.received(); });
  mark->messages = Sum([](auto& s) { return s.messages(); });
  mark->bytes = Sum([](auto& s) { return s.update_bytes(); });
  mark->server = system_->Stats();
  mark->client = ReadProcStats(getpid());
}

bool FanoutRun::Drain(absl::Duration timeout) {
  // A subscriber's next expected g passes g once it has everything of its
  // mission below g.
  return WaitFor(
      [&] {
        for (auto& s : subscribers_) {
          if (s->expected_g() < g_) return false;
        }
        return true;
      },
      timeout);
}

void FanoutRun::PhaseA() {
  stats0_ = system_->Stats();
  // With --fanout_publish_batch > 1 phase A publishes batches (one ack
  // message per batch); a partial batch goes out whenever the publisher
  // must wait. The default, 1, is one update per message as in phase B.
  if (!publisher_->SetBatch(absl::GetFlag(FLAGS_fanout_publish_batch))) {
    ++outcome_->failures;
  }
  PublishAtMaxRate(absl::GetFlag(FLAGS_warmup));
  PhaseAMark start;
  start.acked = publisher_->acked();
  lag_wait_ns_ = 0;
  held_unacked_sum_ = 0;
  held_count_ = 0;
  const int64_t window_wait_start = publisher_->window_wait_ns();
  ReadCounters(&start);
  system_->MarkPhaseA(false, start.acked);
  const absl::Time a0 = absl::Now();
  PublishAtMaxRate(duration_);
  const double a_seconds = Seconds(absl::Now() - a0);
  PhaseAMark end;
  end.acked = publisher_->acked();
  system_->MarkPhaseA(true, end.acked);
  ReadCounters(&end);
  ReportPhaseA(start, end, a_seconds, window_wait_start);
  publisher_->WaitAcked(absl::Seconds(30));
  if (!Drain(absl::GetFlag(FLAGS_drain_timeout))) {
    Note("%s %s: phase A did not drain in time", scenario_.c_str(),
         system_name_.c_str());
  }
}

void FanoutRun::ReportPhaseA(const PhaseAMark& start, const PhaseAMark& end,
                             double a_seconds, int64_t window_wait_start) {
  const std::string& s = scenario_;
  const std::string& system = system_name_;
  a_published_per_s_ = static_cast<double>(end.acked - start.acked) / a_seconds;
  Result(s, system, "A published/s", a_published_per_s_);
  Result(s, system, "A delivered/s",
         static_cast<double>(end.delivered - start.delivered) / a_seconds);
  // The share of phase A the publisher spent held back by the slowest
  // subscriber (the rest: publishing or waiting for acks).
  Result(s, system, "A held by lag limit %",
         100.0 * static_cast<double>(lag_wait_ns_) / 1e9 / a_seconds);
  Result(s, system, "A unacked at the lag limit",
         held_count_ > 0 ? held_unacked_sum_ / static_cast<double>(held_count_) : 0.0);
  Result(s, system, "A held by acks %",
         100.0 *
             static_cast<double>(publisher_->window_wait_ns() -
                                 window_wait_start) /
             1e9 / a_seconds);
  // Per-message costs dominate on both ends: how well a server batches.
  Result(s, system, "A updates/message",
         end.messages > start.messages
             ? static_cast<double>(end.delivered - start.delivered) /
                   static_cast<double>(end.messages - start.messages)
             : 0.0);
  // Both ends' costs grow with the bytes: the systems must carry the same.
  Result(s, system, "A bytes/update",
         end.delivered > start.delivered
             ? static_cast<double>(end.bytes - start.bytes) /
                   static_cast<double>(end.delivered - start.delivered)
             : 0.0);
  Result(s, system, "A server CPU s",
         end.server.cpu_seconds - start.server.cpu_seconds);
  // The load generator shares the machine: its CPU is part of the picture.
  Result(s, system, "A client CPU s",
         end.client.cpu_seconds - start.client.cpu_seconds);
}

void FanoutRun::SearchCapacityPhase() {
  double start = absl::GetFlag(FLAGS_capacity_start_rate);
  if (start <= 0) start = std::max(10.0, a_published_per_s_ / 2);
  BoundedCapacity capacity = SearchCapacity(
      {system_, publisher_.get(), &subscribers_, &g_, window_,
       [this](absl::Duration timeout) { return Drain(timeout); }},
      start);
  if (const CapacityStep* best = capacity.best_step()) {
    Result(scenario_, system_name_, "L capacity updates/s", best->offered);
    Result(scenario_, system_name_, "L capacity delivered/s", best->delivered);
    Result(scenario_, system_name_, "L p99 ms", best->p99_ms);
  }
  system_->KeepBoundedCapacity(std::move(capacity));
}

void FanoutRun::PhaseB() {
  // Fixed rate, latency; one update per message.
  if (!publisher_->SetBatch(1)) ++outcome_->failures;
  stats_b0_ = system_->Stats();
  g_recording.store(true);
  {
    const int64_t t0 = NowNs();
    const int64_t count = static_cast<int64_t>(rate_ * Seconds(duration_));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t due = t0 + static_cast<int64_t>(1e9 * k / rate_);
      const int64_t wait = due - NowNs();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      if (!publisher_->Publish(g_, window_)) break;
      ++g_;
    }
  }
  publisher_->WaitAcked(absl::Seconds(30));
  const bool b_drained = Drain(absl::GetFlag(FLAGS_drain_timeout));
  g_recording.store(false);
  if (!b_drained) {
    Note("%s %s: phase B did not drain in time", scenario_.c_str(),
         system_name_.c_str());
  }
  stats_b1_ = system_->Stats();
  delivered_total_ = Sum([](auto& s) { return s.received(); });
}

Verification FanoutRun::Verify() {
  Verification v;
  for (auto& s : subscribers_) {
    if (!s->done()) continue;
    s->FinishVerification(g_);
    v.latencies.insert(v.latencies.end(), s->latencies().begin(),
                       s->latencies().end());
    v.lost += s->lost();
    v.duplicates += s->duplicates();
    v.reordered += s->reordered();
    v.violations += s->contract_violations();
    v.gaps += s->gaps();
  }
  std::sort(v.latencies.begin(), v.latencies.end());
  return v;
}

void FanoutRun::Finish() {
  stop_monitor_.store(true);
  monitor_.join();
  publisher_->Close();
  CancelAll(subscribers_);
  CancelAll(stalled_);
  const Verification v = Verify();
  ReportPhaseB(v);
  outcome_->failures += v.lost + v.duplicates + v.reordered + v.violations +
                        v.gaps + publisher_->errors();
}

void FanoutRun::ReportPhaseB(const Verification& v) {
  const std::string& s = scenario_;
  const std::string& system = system_name_;
  const std::vector<int64_t>& latencies = v.latencies;
  Result(s, system, "B rate/s", rate_);
  Result(s, system, "B p50 ms", Percentile(latencies, 0.50) / 1e6);
  Result(s, system, "B p99 ms", Percentile(latencies, 0.99) / 1e6);
  Result(s, system, "B p99.9 ms", Percentile(latencies, 0.999) / 1e6);
  Result(s, system, "B max ms",
         latencies.empty() ? 0 : static_cast<double>(latencies.back()) / 1e6);
  Result(s, system, "B server CPU s",
         stats_b1_.cpu_seconds - stats_b0_.cpu_seconds);
  Result(s, system, "published", static_cast<double>(g_));
  Result(s, system, "delivered", static_cast<double>(delivered_total_));
  Result(s, system, "lost", static_cast<double>(v.lost));
  Result(s, system, "duplicates", static_cast<double>(v.duplicates));
  Result(s, system, "reordered", static_cast<double>(v.reordered));
  Result(s, system, "contract violations", static_cast<double>(v.violations));
  Result(s, system, "publish errors",
         static_cast<double>(publisher_->errors()));
  const ProcStats end = system_->Stats();
  Result(s, system, "server CPU s", end.cpu_seconds - stats0_.cpu_seconds);
  Result(s, system, "server peak RSS MiB", end.peak_rss_kib / 1024);
  if (const int64_t wal = wal_peak_bytes_.load(); wal >= 0) {
    Result(s, system, "server WAL peak MiB",
           static_cast<double>(wal) / (1 << 20));
  }
  if (!stalled_.empty()) {
    Result(s, system, "stalled subscribers",
           static_cast<double>(stalled_.size()));
  }
}

}  // namespace

void RunFanout(const std::string& system_name, int n, FanoutOutcome* outcome,
               bool search_capacity) {
  const double stalled_fraction = absl::GetFlag(FLAGS_stalled_fraction);
  const std::string scenario = FanoutScenarioName(n, stalled_fraction);
  std::unique_ptr<FanoutTarget> system = NewFanoutTarget(system_name, scenario);
  if (system == nullptr || !system->Start()) {
    Note("%s: cannot start %s", scenario.c_str(), system_name.c_str());
    ++outcome->failures;
    return;
  }
  FanoutRun run(scenario, system_name, system.get(), outcome);
  run.Subscribe(n, stalled_fraction);
  run.StartPublishing(absl::StrCat("fan", getpid(), "-", n));
  run.PhaseA();
  if (search_capacity) run.SearchCapacityPhase();
  run.PhaseB();
  run.Finish();
  // Before the run's subscribers go: the NATS target reads their counts.
  system->Stop();
}

}  // namespace sitrep::bench
