// jetstream-log-bench: the JetStream log's own figures (issue 20). Starts a
// nats-server -js and one sitrepd --store=jetstream on it as child
// processes on 127.0.0.1 (fresh stores), publishes over one PublishStream
// and prints
//
//   RESULT<TAB>scenario<TAB>sitrep<TAB>figure<TAB>value
//
// like sitrep-bench (bench/run.sh reads the same form).
//   --scenario=ingest  for --duration at max rate, --publish_batch requests
//                      per PublishRequest and --window unacknowledged:
//                      acked/s, sitrepd's CPU per update (us), nats-server's.
//   --scenario=memory  --updates updates with retention on
//                      (--retention_max_updates, --retention_interval);
//                      every --sample_every acked updates one line
//                      SAMPLE<TAB>updates<TAB>sitrepd RSS KiB on stderr;
//                      RESULTs: the RSS once retention runs, at the end,
//                      the largest, and the growth between (a flat curve:
//                      the replica's memory follows retention).
// Every wait is bounded (--timeout for the whole run).

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_payload.h"
#include "bench/server_process.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/support/temp_dir.h"

#ifndef SITREP_BENCH_SITREPD
#define SITREP_BENCH_SITREPD "sitrepd"
#endif

ABSL_FLAG(std::string, scenario, "ingest", "ingest | memory");
ABSL_FLAG(std::string, sitrepd, SITREP_BENCH_SITREPD, "Path of sitrepd");
ABSL_FLAG(std::string, nats_server, "nats-server", "Path of nats-server");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "ingest: the measured time (after 2 s of warm-up)");
ABSL_FLAG(int, publish_batch, 64, "Requests per PublishRequest (1: single)");
ABSL_FLAG(int, window, 4096, "Most unacknowledged requests");
ABSL_FLAG(int64_t, updates, 1000000, "memory: updates to publish");
ABSL_FLAG(int64_t, sample_every, 50000, "memory: RSS sample interval");
ABSL_FLAG(uint64_t, retention_max_updates, 100000,
          "memory: sitrepd's --retention_max_updates");
ABSL_FLAG(absl::Duration, retention_interval, absl::Seconds(2),
          "memory: sitrepd's --retention_interval");
ABSL_FLAG(std::string, extra_sitrepd_flags, "",
          "More sitrepd flags, space-separated");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(30), "Longest run");

namespace sitrep::bench {
namespace {

void Result(const std::string& scenario, const std::string& figure,
            double value) {
  std::printf("RESULT\t%s\tsitrep\t%s\t%.6g\n", scenario.c_str(),
              figure.c_str(), value);
  std::fflush(stdout);
}

// One PublishStream: the caller writes, a thread counts the acks.
class Publisher {
 public:
  // The same update as sitrep-bench's (bench/bench_payload.h).
  Publisher(v1::SituationFeed::Stub* stub, int batch)
      : batch_(batch), template_(PatrolPublishRequest()) {
    run_ = absl::StrCat("jlb", getpid());
    stream_ = stub->PublishStream(&context_);
    reader_ = std::thread([this] { ReadAcks(); });
  }
  ~Publisher() {
    stream_->WritesDone();
    reader_.join();
    stream_->Finish();
  }

  // Sends one PublishRequest of batch_ updates once the window allows.
  bool SendBatch(absl::Time deadline) {
    while (sent_ - acked() + batch_ > static_cast<uint64_t>(window_)) {
      if (failed_.load() || absl::Now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    v1::PublishRequest request;
    for (int i = 0; i < batch_; ++i) {
      v1::PublishRequest* one = batch_ > 1 ? request.add_batch() : &request;
      *one = template_;
      v1::SituationUpdate* u = one->mutable_update();
      u->set_mission(static_cast<v1::Mission>(sent_ % 3 + 1));
      u->set_event_id(absl::StrCat(run_, "-", sent_));
      ++sent_;
    }
    return stream_->Write(request);
  }
  bool WaitAcked(absl::Time deadline) {
    while (acked() < sent_ && !failed_.load() && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return acked() >= sent_;
  }
  uint64_t acked() const { return acked_.load(std::memory_order_acquire); }
  uint64_t errors() const { return errors_.load(); }
  void set_window(int window) { window_ = window; }

 private:
  void ReadAcks() {
    v1::PublishAck ack;
    while (stream_->Read(&ack)) {
      const int n = ack.batch_size() == 0 ? 1 : ack.batch_size();
      for (int i = 0; i < ack.batch_size(); ++i) {
        if (ack.batch(i).has_error() && errors_.fetch_add(1) < 3) {
          std::fprintf(stderr, "publish error: %s\n",
                       ack.batch(i).error().message().c_str());
        }
      }
      if (ack.has_error() && errors_.fetch_add(1) < 3) {
        std::fprintf(stderr, "publish error: %s\n",
                     ack.error().message().c_str());
      }
      acked_.fetch_add(static_cast<uint64_t>(n), std::memory_order_release);
    }
    failed_.store(true);
  }

  const int batch_;
  int window_ = 4096;
  std::string run_;
  v1::PublishRequest template_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream_;
  std::thread reader_;
  uint64_t sent_ = 0;
  std::atomic<uint64_t> acked_{0}, errors_{0};
  std::atomic<bool> failed_{false};
};

struct Servers {
  testing::TempDir dir;
  ServerProcess nats;
  ServerProcess sitrepd;

  bool Start(const std::vector<std::string>& extra) {
    if (!nats.Start({absl::GetFlag(FLAGS_nats_server), "-a", "127.0.0.1",
                     "-p", "-1", "-js", "-sd", dir.path() + "/js"},
                    "", absl::Seconds(30), "Server is ready")) {
      return false;
    }
    const std::string port_file = dir.path() + "/port";
    std::vector<std::string> argv = {
        absl::GetFlag(FLAGS_sitrepd), "--listen=127.0.0.1:0",
        "--port_file=" + port_file, "--data_dir=" + dir.path() + "/data",
        "--store=jetstream", "--nats_url=nats://" + nats.address(),
        "--publish_rate=0", "--max_streams_per_principal=0",
        "--metrics_address=127.0.0.1:0", "--http_address="};
    for (const std::string& e : extra) argv.push_back(e);
    const std::string more = absl::GetFlag(FLAGS_extra_sitrepd_flags);
    for (size_t start = 0; start < more.size();) {
      size_t end = more.find(' ', start);
      if (end == std::string::npos) end = more.size();
      if (end > start) argv.push_back(more.substr(start, end - start));
      start = end + 1;
    }
    return sitrepd.Start(argv, port_file);
  }
};

std::unique_ptr<v1::SituationFeed::Stub> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  auto channel = grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args);
  channel->WaitForConnected(std::chrono::system_clock::now() +
                            std::chrono::seconds(10));
  return v1::SituationFeed::NewStub(channel);
}

int RunIngest(absl::Time deadline) {
  Servers servers;
  if (!servers.Start({})) return 1;
  auto stub = Connect(servers.sitrepd.address());
  const int batch = absl::GetFlag(FLAGS_publish_batch);
  const std::string scenario =
      absl::StrCat("jetstream ingest batch=", batch);
  Publisher publisher(stub.get(), batch);
  publisher.set_window(absl::GetFlag(FLAGS_window));
  const absl::Time warm_end = absl::Now() + absl::Seconds(2);
  while (absl::Now() < warm_end && publisher.SendBatch(deadline)) {
  }
  const uint64_t acked0 = publisher.acked();
  const ProcStats s0 = ReadProcStats(servers.sitrepd.pid());
  const ProcStats n0 = ReadProcStats(servers.nats.pid());
  const absl::Time t0 = absl::Now();
  const absl::Time end = t0 + absl::GetFlag(FLAGS_duration);
  while (absl::Now() < end && publisher.SendBatch(deadline)) {
  }
  const uint64_t acked1 = publisher.acked();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  const ProcStats s1 = ReadProcStats(servers.sitrepd.pid());
  const ProcStats n1 = ReadProcStats(servers.nats.pid());
  const double updates = static_cast<double>(acked1 - acked0);
  publisher.WaitAcked(std::min(deadline, absl::Now() + absl::Seconds(60)));
  Result(scenario, "acked/s", updates / seconds);
  Result(scenario, "sitrepd CPU us/update",
         updates > 0 ? (s1.cpu_seconds - s0.cpu_seconds) * 1e6 / updates : 0);
  Result(scenario, "nats-server CPU us/update",
         updates > 0 ? (n1.cpu_seconds - n0.cpu_seconds) * 1e6 / updates : 0);
  Result(scenario, "errors", static_cast<double>(publisher.errors()));
  return publisher.errors() == 0 ? 0 : 1;
}

int RunMemory(absl::Time deadline) {
  Servers servers;
  const uint64_t keep = absl::GetFlag(FLAGS_retention_max_updates);
  if (!servers.Start({absl::StrCat("--retention_max_updates=", keep),
                      absl::StrCat("--retention_interval=",
                                   absl::FormatDuration(absl::GetFlag(
                                       FLAGS_retention_interval)))})) {
    return 1;
  }
  auto stub = Connect(servers.sitrepd.address());
  const int64_t total = absl::GetFlag(FLAGS_updates);
  const int64_t every = std::max<int64_t>(absl::GetFlag(FLAGS_sample_every), 1);
  Publisher publisher(stub.get(), absl::GetFlag(FLAGS_publish_batch));
  publisher.set_window(absl::GetFlag(FLAGS_window));
  // Retention has run at least once from twice the kept count on.
  const int64_t steady_from = 2 * static_cast<int64_t>(keep);
  double steady_rss = 0, peak_rss = 0, last_rss = 0;
  int64_t next_sample = every;
  const absl::Time t0 = absl::Now();
  while (static_cast<int64_t>(publisher.acked()) < total) {
    if (!publisher.SendBatch(deadline)) break;
    const int64_t acked = static_cast<int64_t>(publisher.acked());
    if (acked < next_sample) continue;
    next_sample += every;
    last_rss = ReadProcStats(servers.sitrepd.pid()).rss_kib;
    std::fprintf(stderr, "SAMPLE\t%lld\t%.0f\n", static_cast<long long>(acked),
                 last_rss);
    if (acked >= steady_from) {
      if (steady_rss == 0) steady_rss = last_rss;
      peak_rss = std::max(peak_rss, last_rss);
    }
  }
  publisher.WaitAcked(std::min(deadline, absl::Now() + absl::Seconds(60)));
  const std::string scenario = "jetstream memory";
  const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  Result(scenario, "updates", static_cast<double>(publisher.acked()));
  Result(scenario, "updates/s", static_cast<double>(publisher.acked()) / seconds);
  Result(scenario, "retained updates", static_cast<double>(keep));
  Result(scenario, "RSS MiB once retention runs", steady_rss / 1024);
  Result(scenario, "RSS MiB at the end", last_rss / 1024);
  Result(scenario, "RSS MiB largest after", peak_rss / 1024);
  Result(scenario, "RSS growth % after",
         steady_rss > 0 ? (last_rss - steady_rss) * 100 / steady_rss : 0);
  Result(scenario, "errors", static_cast<double>(publisher.errors()));
  return publisher.acked() >= static_cast<uint64_t>(total) ? 0 : 1;
}

}  // namespace
}  // namespace sitrep::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_timeout);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  if (scenario == "ingest") return sitrep::bench::RunIngest(deadline);
  if (scenario == "memory") return sitrep::bench::RunMemory(deadline);
  std::fprintf(stderr, "--scenario: ingest or memory, not %s\n",
               scenario.c_str());
  return 2;
}
