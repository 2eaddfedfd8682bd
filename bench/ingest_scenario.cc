// --scenario=ingest: PublishStream at max rate (one update per message,
// then --publish_batch per message) and unary Publish with --callers
// concurrent callers, for each --fsync mode.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/bench_payload.h"
#include "bench/grpc_channels.h"
#include "bench/scenarios.h"
#include "bench/stream_publisher.h"
#include "bench/system_under_test.h"

namespace sitrep::bench {
namespace {

// One PublishStream at max rate for --duration after a second of warm-up,
// `batch` requests per message: acks/s, ack latency, errors.
void IngestStream(const std::string& scenario, const std::string& system_name,
                  const std::string& fsync, v1::SituationFeed::Stub* stub,
                  int batch) {
  const std::string figure = batch == 1 ? "stream" : "stream batched";
  StreamPublisher publisher(stub,
                            absl::StrCat("ing", getpid(), fsync, "b", batch),
                            batch);
  const size_t window = static_cast<size_t>(absl::GetFlag(FLAGS_window));
  int64_t g = 0;
  const absl::Time warm_end = absl::Now() + absl::Seconds(1);
  while (absl::Now() < warm_end && publisher.Publish(g, window)) ++g;
  const uint64_t acked0 = publisher.acked();
  publisher.set_recording(true);
  const absl::Time t0 = absl::Now();
  const absl::Time end = t0 + absl::GetFlag(FLAGS_duration);
  while (absl::Now() < end && publisher.Publish(g, window)) ++g;
  const uint64_t acked1 = publisher.acked();
  const double seconds = Seconds(absl::Now() - t0);
  publisher.set_recording(false);
  publisher.WaitAcked(absl::Seconds(30));
  std::vector<int64_t> latencies = publisher.TakeLatencies();
  std::sort(latencies.begin(), latencies.end());
  Result(scenario, system_name, absl::StrCat(figure, " acked/s"),
         static_cast<double>(acked1 - acked0) / seconds);
  Result(scenario, system_name, absl::StrCat(figure, " ack p50 ms"),
         Percentile(latencies, 0.5) / 1e6);
  Result(scenario, system_name, absl::StrCat(figure, " ack p99 ms"),
         Percentile(latencies, 0.99) / 1e6);
  Result(scenario, system_name, absl::StrCat(figure, " errors"),
         static_cast<double>(publisher.errors()));
}

// Unary Publish calls kept in flight: each answer issues the next call
// until Stop(). The calls' callbacks run on gRPC's threads; every counter
// is under mu_.
class UnaryLoad {
 public:
  UnaryLoad(v1::SituationFeed::Stub* stub, const std::string& run)
      : stub_(stub), payload_(run) {}

  void Start(int callers) {
    {
      absl::MutexLock lock(&mu_);
      outstanding_ = callers;
    }
    for (int i = 0; i < callers; ++i) Issue();
  }
  uint64_t acked() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  void set_recording(bool on) { recording_.store(on); }
  // Issues no more calls and waits up to 30 s for those in flight; returns
  // the recorded latencies, sorted.
  std::vector<int64_t> Stop() {
    stop_.store(true);
    absl::MutexLock lock(&mu_);
    auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return outstanding_ == 0;
    };
    mu_.AwaitWithTimeout(absl::Condition(&none), absl::Seconds(30));
    std::sort(latencies_.begin(), latencies_.end());
    return latencies_;
  }
  uint64_t errors() {
    absl::MutexLock lock(&mu_);
    return errors_;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::PublishRequest request;
    v1::PublishResponse response;
    int64_t start_ns = 0;
  };

  void Issue() {
    auto* call = new Call;
    {
      absl::MutexLock lock(&payload_mu_);
      call->start_ns = NowNs();
      call->request = payload_.Make(next_g_.fetch_add(1), call->start_ns);
    }
    stub_->async()->Publish(&call->context, &call->request, &call->response,
                            [this, call](grpc::Status status) {
                              Answered(call, status);
                            });
  }

  void Answered(Call* call, const grpc::Status& status) {
    const int64_t now = NowNs();
    bool again;
    {
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        ++acked_;
        if (recording_.load()) latencies_.push_back(now - call->start_ns);
      } else if (errors_++ < 3) {
        Note("Publish: %s", status.error_message().c_str());
      }
      again = !stop_.load();
      if (!again) --outstanding_;
    }
    delete call;
    if (again) Issue();
  }

  v1::SituationFeed::Stub* const stub_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> recording_{false};
  std::atomic<int64_t> next_g_{0};
  absl::Mutex payload_mu_;
  PayloadMaker payload_ ABSL_GUARDED_BY(payload_mu_);
  absl::Mutex mu_;
  std::vector<int64_t> latencies_ ABSL_GUARDED_BY(mu_);
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t acked_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
};

// Unary Publish, --callers concurrent, for --duration after a second.
void IngestUnary(const std::string& scenario, const std::string& system_name,
                 const std::string& fsync, v1::SituationFeed::Stub* stub) {
  UnaryLoad load(stub, absl::StrCat("una", getpid(), fsync));
  load.Start(absl::GetFlag(FLAGS_callers));
  absl::SleepFor(absl::Seconds(1));
  const uint64_t acked0 = load.acked();
  load.set_recording(true);
  const absl::Time t0 = absl::Now();
  absl::SleepFor(absl::GetFlag(FLAGS_duration));
  const uint64_t acked1 = load.acked();
  const double seconds = Seconds(absl::Now() - t0);
  load.set_recording(false);
  const std::vector<int64_t> latencies = load.Stop();
  Result(scenario, system_name, "unary acked/s",
         static_cast<double>(acked1 - acked0) / seconds);
  Result(scenario, system_name, "unary p50 ms",
         Percentile(latencies, 0.5) / 1e6);
  Result(scenario, system_name, "unary p99 ms",
         Percentile(latencies, 0.99) / 1e6);
  Result(scenario, system_name, "unary errors",
         static_cast<double>(load.errors()));
}

}  // namespace

void RunIngest(const std::string& system_name, const std::string& fsync) {
  const std::string scenario =
      system_name == "ceiling" ? "ingest fsync=batch"  // stores nothing
                               : absl::StrCat("ingest fsync=", fsync);
  System system{system_name};
  if (!system.Start(fsync)) return;
  std::vector<Channel> channels = MakeChannels(system.process.address(), 1);
  const ProcStats stats0 = system.Stats();

  // PublishStream at max rate: one update per message, then batches of
  // --publish_batch requests per message (PublishRequest.batch).
  std::vector<int> batches = {1};
  if (absl::GetFlag(FLAGS_publish_batch) > 1 && system_name == "sitrep") {
    batches.push_back(absl::GetFlag(FLAGS_publish_batch));  // the ceiling takes none
  }
  for (const int batch : batches) {
    IngestStream(scenario, system_name, fsync, channels[0].stub.get(), batch);
  }
  if (system_name == "sitrep") {
    IngestUnary(scenario, system_name, fsync, channels[0].stub.get());
  }
  const ProcStats end = system.Stats();
  Result(scenario, system_name, "server CPU s",
         end.cpu_seconds - stats0.cpu_seconds);
  Result(scenario, system_name, "server peak RSS MiB", end.peak_rss_kib / 1024);
  system.process.Stop();
}

}  // namespace sitrep::bench
