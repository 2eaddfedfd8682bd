// K sitrepd replicas on --store=jetstream over one nats-server -js (R1:
// replication is JetStream's business, fan-out is sitrepd's). Subscriber i
// is served by replica i % K. --replica_publishers says who publishes:
// spread (K publishers, publisher p on replica p, each taking every K-th
// triple of updates: bench/fanout_spread_publisher.h; the replicas' writers
// then append concurrently, chained by Nats-Expected-Last-Sequence) or
// first (one publisher, on replica 0: every other replica serves updates
// it only knows from its tail of the stream); --replica_publisher_count
// overrides the count (publisher p on replica p % K, or on replica 0).
// Each replica's JetStream writer totals (rounds, rounds another replica's
// append refused) are noted on stderr when it stops.
// The --channels are split over the replicas (channel c on replica c % K).
// CPU and memory figures are the replicas' sums; each replica's CPU and
// nats-server's are noted on stderr at the end. With --replica_cpu each
// replica runs in a CPU budget of its own (bench/cpu_budget.h), nats-server
// and the load generator outside them; phase A of each run is kept in
// g_replica_runs and the capacity search at the latency bound in
// g_bounded_runs, for ReportReplicaScaling.

#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/cpu_budget.h"
#include "bench/fanout_target.h"
#include "bench/replica_lag_sampler.h"
#include "bench/system_under_test.h"
#include "bench/thread_cpu.h"
#include "tests/support/temp_dir.h"

// The verdict's default is first: spread measured lower (docs/performance.md,
// "h20-cap4").
ABSL_FLAG(std::string, replica_publishers, "first",
          "--scenario=replicas: first (one publisher, on replica 0) or spread "
          "(one publisher per replica, each publishing its share of the "
          "updates, as behind a load balancer)");
ABSL_FLAG(int, replica_publisher_count, 0,
          "--scenario=replicas: publishers (PublishStreams) sharing the "
          "updates; 0: one per replica with --replica_publishers=spread, one "
          "with first. Publisher p is on replica p % K (spread) or 0 (first)");

namespace sitrep::bench {

std::vector<ReplicaRun> g_replica_runs;
std::vector<BoundedCapacity> g_bounded_runs;
int g_replica_round = 1;

#ifdef SITREP_BENCH_NATS
namespace {

class ReplicasTarget final : public GrpcChannelsTarget {
 public:
  explicit ReplicasTarget(int replicas) : count_(replicas) {}
  ~ReplicasTarget() override { Stop(); }

  bool Start() override {
    const std::string mode = absl::GetFlag(FLAGS_replica_publishers);
    if (mode != "spread" && mode != "first") {
      Note("--replica_publishers=%s: spread or first", mode.c_str());
      return false;
    }
    spread_mode_ = mode == "spread";
    const int publishers = absl::GetFlag(FLAGS_replica_publisher_count);
    publishers_ = publishers > 0 ? publishers : spread_mode_ ? count_ : 1;
    budget_cores_ = absl::GetFlag(FLAGS_replica_cpu);
    if (budget_cores_ > 0) {
      absl::StatusOr<std::unique_ptr<CpuBudgets>> budgets = CpuBudgets::Create();
      if (!budgets.ok()) {
        Note("replicas-%d: --replica_cpu=%g: %s", count_, budget_cores_,
             std::string(budgets.status().message()).c_str());
        return false;
      }
      budgets_ = std::move(*budgets);
    }
    if (!nats_.Start({absl::GetFlag(FLAGS_nats_server), "-a", "127.0.0.1",
                      "-p", "-1", "-js", "-sd", dir_.path() + "/js"},
                     "", absl::Seconds(30), "Server is ready")) {
      return false;
    }
    const std::vector<std::string> store = {
        "--store=jetstream", "--nats_url=nats://" + nats_.address(),
        "--stream=BENCH", "--nats_subject_prefix=bench"};
    const int per_replica = std::max(1, absl::GetFlag(FLAGS_channels) / count_);
    std::vector<std::vector<Channel>> by_replica;
    // One after the other: the first creates the stream.
    for (int k = 0; k < count_; ++k) {
      replicas_.push_back(std::unique_ptr<System>(new System{"sitrep"}));
      if (!replicas_.back()->Start(absl::GetFlag(FLAGS_fsync), store)) return false;
      if (budgets_ != nullptr) {
        const absl::Status placed =
            budgets_->Place(absl::StrCat("replica-", k),
                            replicas_.back()->process.pid(), budget_cores_,
                            absl::GetFlag(FLAGS_replica_cpu_period));
        if (!placed.ok()) {
          Note("replicas-%d: %s", count_, std::string(placed.message()).c_str());
          return false;
        }
      }
      by_replica.push_back(
          MakeChannels(replicas_.back()->process.address(), per_replica));
    }
    for (int c = 0; c < per_replica * count_; ++c) {
      channels_.push_back(std::move(by_replica[c % count_][c / count_]));
    }
    // A channel (connection) per publisher, as separate publishers have.
    std::string placed;
    for (int p = 0; p < publishers_; ++p) {
      const size_t k = spread_mode_ ? static_cast<size_t>(p % count_) : 0;
      publisher_replica_.push_back(k);
      std::vector<Channel> one = MakeChannels(replicas_[k]->process.address(), 1);
      publisher_channel_.push_back(std::move(one.front()));
      absl::StrAppend(&placed, placed.empty() ? "" : ", ", k);
    }
    Note("replicas-%d: %d publisher%s (%s), on replica%s %s", count_, publishers_,
         publishers_ == 1 ? "" : "s", mode.c_str(), publishers_ == 1 ? "" : "s",
         placed.c_str());
    address_ = replicas_[0]->process.address();  // stalled subscribers
    // One more replica that serves nobody and has no budget: its CPU per
    // update is the tail's cost alone (the scaling law's per-update part).
    tail_.reset(new System{"sitrep"});
    if (!tail_->Start(absl::GetFlag(FLAGS_fsync), store)) return false;
    nats_cpu0_ = ReadProcStats(nats_.pid()).cpu_seconds;
    return true;
  }
  std::unique_ptr<VerifyingSubscriber> Subscribe(int index, int mission_index,
                                                 bool stall) override {
    std::unique_ptr<VerifyingSubscriber> s =
        GrpcChannelsTarget::Subscribe(index, mission_index, stall);
    // Channel c is on replica c % count_ (Start); stalled ones on replica 0.
    const size_t replica =
        stall ? 0 : static_cast<size_t>(index) % channels_.size() % count_;
    served_.emplace_back(replica, s.get());
    if (!stall) followed_.emplace_back(replica, s.get());
    return s;
  }
  std::unique_ptr<FanoutPublisher> NewPublisher(const std::string& run) override {
    // Always a SpreadPublisher (one publisher or more): its per-publisher
    // acks are each replica's ingest.
    std::unique_ptr<SpreadPublisher> publisher = NewSpreadPublisher(run);
    spread_ = publisher.get();
    return publisher;
  }
  std::vector<ReplicaPhase> ReplicaCounters() override {
    std::vector<ReplicaPhase> now(replicas_.size());
    for (size_t k = 0; k < replicas_.size(); ++k) {
      now[k].index = static_cast<int>(k);
      now[k].cpu_seconds = replicas_[k]->Stats().cpu_seconds;
      if (budgets_ != nullptr) {
        const CpuBudgets::Periods periods =
            budgets_->ReadPeriods(absl::StrCat("replica-", k));
        now[k].periods = periods.periods;
        now[k].throttled_periods = periods.throttled;
        now[k].throttled_seconds = periods.throttled_seconds;
      }
      if (lag_sampler_ != nullptr) {
        const ReplicaLagSampler::Counts lag = lag_sampler_->Read(k);
        now[k].samples = lag.samples;
        now[k].slowest_samples = lag.slowest_samples;
        now[k].ahead_sum = lag.ahead_sum;
      }
    }
    for (const auto& [replica, subscriber] : served_) {
      now[replica].deliveries += subscriber->received();
      now[replica].writes += subscriber->messages();
    }
    if (spread_ != nullptr) {
      for (int p = 0; p < spread_->count(); ++p) {
        now[publisher_replica_[static_cast<size_t>(p)]].ingested += spread_->acked(p);
      }
    }
    return now;
  }
  double TailOnlyCpuSeconds() override {
    return tail_ != nullptr ? tail_->Stats().cpu_seconds : -1;
  }
  void KeepBoundedCapacity(BoundedCapacity capacity) override {
    capacity.replicas = count_;
    capacity.budget_cores = budgets_ != nullptr ? budget_cores_ : 0;
    g_bounded_runs.push_back(std::move(capacity));
  }
  void MarkPhaseA(bool end, uint64_t acked) override {
    // From phase A on, through the capacity search, until Stop.
    if (lag_sampler_ == nullptr) {
      lag_sampler_ = std::make_unique<ReplicaLagSampler>(replicas_.size(), followed_);
    }
    const std::vector<ReplicaPhase> now = ReplicaCounters();
    const double nats_cpu = ReadProcStats(nats_.pid()).cpu_seconds;
    const double tail_cpu = tail_ != nullptr ? tail_->Stats().cpu_seconds : 0;
    // The load generator is this process: its subscribers and publisher.
    std::map<pid_t, double> threads = ThreadCpuSeconds(getpid());
    if (!end) {
      phase_loadgen_threads_ = std::move(threads);
      phase_tail_cpu_ = tail_cpu;
      phase_start_ = now;
      phase_acked_ = acked;
      phase_nats_cpu_ = nats_cpu;
      phase_t0_ = absl::Now();
      return;
    }
    ReplicaRun run;
    run.round = g_replica_round;
    run.replicas = count_;
    run.loadgen_cpu_seconds = 0;
    for (const auto& [tid, seconds] : threads) {
      const auto start = phase_loadgen_threads_.find(tid);
      run.loadgen_cpu_seconds +=
          seconds - (start != phase_loadgen_threads_.end() ? start->second : 0);
    }
    run.loadgen_busiest_thread_seconds =
        BusiestThreadSeconds(phase_loadgen_threads_, threads);
    run.budget_cores = budgets_ != nullptr ? budget_cores_ : 0;
    run.publishers = publishers_;
    run.seconds = Seconds(absl::Now() - phase_t0_);
    run.updates = acked - phase_acked_;
    run.nats_cpu_seconds = nats_cpu - phase_nats_cpu_;
    if (tail_ != nullptr) run.tail_cpu_seconds = tail_cpu - phase_tail_cpu_;
    run.matches = static_cast<double>(served_.size()) / 3;  // one mission of 3
    run.lag_limit = static_cast<double>(absl::GetFlag(FLAGS_lag_limit));
    for (size_t k = 0; k < now.size() && k < phase_start_.size(); ++k) {
      run.each.push_back(Since(now[k], phase_start_[k]));
    }
    // On stderr as each run ends: a run cut short by a timeout still
    // leaves its rows.
    Note("replicas-%d round %d: %.0f delivered/s in phase A", count_, run.round,
         run.delivered_per_second());
    g_replica_runs.push_back(std::move(run));
  }
  ProcStats Stats() override {
    ProcStats sum;
    for (const auto& replica : replicas_) {
      const ProcStats one = replica->Stats();
      sum.cpu_seconds += one.cpu_seconds;
      sum.rss_kib += one.rss_kib;
      sum.peak_rss_kib += one.peak_rss_kib;
    }
    return sum;
  }
  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    std::string cpu;
    std::vector<uint64_t> took(replicas_.size(), 0);
    if (spread_ != nullptr) {
      for (int p = 0; p < spread_->count(); ++p) {
        took[publisher_replica_[static_cast<size_t>(p)]] += spread_->acked(p);
      }
    }
    spread_ = nullptr;  // the run's, which ends after Stop
    for (size_t k = 0; k < replicas_.size(); ++k) {
      System& replica = *replicas_[k];
      absl::StrAppend(&cpu, cpu.empty() ? "" : ", ",
                      absl::StrFormat("%.1f s", replica.Stats().cpu_seconds));
      replica.process.Stop();
      Note("replicas-%d: replica %zu took %llu publishes; its JetStream writer: %s", count_, k,
           static_cast<unsigned long long>(took[k]),
           WriterTotals(replica.process.StderrTail()).c_str());
    }
    if (lag_sampler_ != nullptr) lag_sampler_->Stop();
    served_.clear();
    if (tail_ != nullptr) tail_->process.Stop();
    budgets_.reset();  // the replicas are gone: remove their groups
    if (nats_.pid() > 0) {
      Note("replicas-%d: CPU of each replica since start: %s; nats-server: %.1f s",
           count_, cpu.c_str(), ReadProcStats(nats_.pid()).cpu_seconds - nats_cpu0_);
    }
    nats_.Stop();
  }

 private:
  // The key=value fields of the last "JetStream writer totals" line of a
  // stopped replica's stderr (server/log/jetstream_event_log.h).
  static std::string WriterTotals(const std::string& tail) {
    constexpr std::string_view kLine = "JetStream writer totals ";
    const size_t at = tail.rfind(kLine);
    if (at == std::string::npos) return "no totals logged";
    const size_t from = at + kLine.size();
    const size_t end = tail.find('\n', from);
    return tail.substr(from, end == std::string::npos ? std::string::npos : end - from);
  }

  const int count_;
  bool spread_mode_ = true;
  // The replica of each publisher (index: publisher).
  std::vector<size_t> publisher_replica_;
  // The run's publisher (RunFanout's: it outlives every call until Stop).
  SpreadPublisher* spread_ = nullptr;
  testing::TempDir dir_;
  ServerProcess nats_;
  double nats_cpu0_ = 0;
  bool stopped_ = false;
  double budget_cores_ = 0;
  std::unique_ptr<CpuBudgets> budgets_;
  std::vector<std::unique_ptr<System>> replicas_;
  // Who serves each subscriber; the subscribers are RunFanout's.
  std::vector<std::pair<size_t, const VerifyingSubscriber*>> served_;
  // The same without the stalled ones: those the lag limit follows.
  std::vector<std::pair<size_t, const VerifyingSubscriber*>> followed_;
  // Which replica holds the lag limit (phase A on); stopped before the
  // subscribers go.
  std::unique_ptr<ReplicaLagSampler> lag_sampler_;
  std::unique_ptr<System> tail_;  // the tail-only replica
  double phase_tail_cpu_ = 0;
  std::map<pid_t, double> phase_loadgen_threads_;  // this process's, by tid
  std::vector<ReplicaPhase> phase_start_;
  uint64_t phase_acked_ = 0;
  double phase_nats_cpu_ = 0;
  absl::Time phase_t0_;
};

}  // namespace

std::unique_ptr<FanoutTarget> NewReplicasTarget(int replicas) {
  return std::make_unique<ReplicasTarget>(replicas);
}
#endif  // SITREP_BENCH_NATS

}  // namespace sitrep::bench
