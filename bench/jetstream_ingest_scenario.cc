// --scenario=jetstream-ingest, issue 20's ingest target: sitrep's
// PublishStream ingest through one --store=jetstream replica (single
// updates, then --publish_batch per message) against raw js_PublishAsync
// (bench/jetstream_peer.h), each on a fresh nats-server -js, same payload
// (the update as sitrep stores it, server-set fields included), same
// stream settings, R1.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/bench_payload.h"
#include "bench/grpc_channels.h"
#include "bench/ingest_cpu_split.h"
#include "bench/scenarios.h"
#include "bench/server_process.h"
#include "bench/stream_publisher.h"
#include "bench/system_under_test.h"
#include "tests/support/temp_dir.h"

#ifdef SITREP_BENCH_NATS
#include "bench/jetstream_peer.h"
#include "bench/replica_rounds.h"

namespace sitrep::bench {
namespace {

bool StartJetStream(testing::TempDir* dir, ServerProcess* nats) {
  return nats->Start({absl::GetFlag(FLAGS_nats_server), "-a", "127.0.0.1", "-p",
                      "-1", "-js", "-sd", dir->path() + "/js"},
                     "", absl::Seconds(30), "Server is ready");
}

// "kfor" of MISSION_KFOR: sitrep's subject tokens (jetstream_event_log.h).
std::string SubjectToken(const std::string& enum_name) {
  return absl::AsciiStrToLower(enum_name.substr(enum_name.find('_') + 1));
}

// The CPU of one measured phase per update: each process of `names`
// (PhaseCpu's pids, in order), sitrep-bench itself (the load generator:
// its publishing and ack threads, gRPC's or libnats'), the machine's busy
// time in all (every process on it) and its idle share.
void ReportCpuSplit(const std::string& scenario, const std::string& system,
                    const std::string& prefix, const PhaseCpu& cpu,
                    const std::vector<std::string>& names, uint64_t updates) {
  auto per_update = [updates](double cpu_seconds) {
    return updates > 0 ? cpu_seconds * 1e6 / static_cast<double>(updates) : 0;
  };
  for (size_t i = 0; i < names.size(); ++i) {
    Result(scenario, system, prefix + names[i] + " CPU us/update",
           per_update(cpu.ProcessSeconds(i)));
  }
  Result(scenario, system, prefix + "sitrep-bench CPU us/update",
         per_update(cpu.BenchSeconds()));
  Result(scenario, system, prefix + "machine CPU us/update",
         per_update(cpu.MachineBusySeconds()));
  Result(scenario, system, prefix + "machine idle %", 100 * cpu.IdleShare());
}

// Raw js_PublishAsync on a fresh nats-server: its acked/s, or -1 when it
// failed (counted in *outcome).
double RunRawJetStream(const std::string& scenario, FanoutOutcome* outcome) {
  testing::TempDir dir;
  ServerProcess nats;
  if (!StartJetStream(&dir, &nats)) {
    ++outcome->failures;
    return -1;
  }
  PayloadMaker payload(absl::StrCat("raw", getpid()));
  v1::SituationUpdate u;
  auto make = [&](int64_t g, PeerMessage* m) {
    u = payload.Make(g, NowNs()).update();
    u.set_sequence(static_cast<uint64_t>(g) + 1);
    u.mutable_received_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    u.set_publisher("anonymous");
    u.set_incident_version(1);
    u.SerializeToString(&m->body);
    m->subject = absl::StrCat("peer.", SubjectToken(v1::Mission_Name(u.mission())), ".",
                              SubjectToken(v1::Role_Name(u.role())), ".",
                              SubjectToken(v1::Severity_Name(u.severity())));
    // 64 hex digits, as sitrep's SHA-256 ids.
    m->msg_id = absl::StrFormat("%032x%032x", getpid(), g);
  };
  // Over the measured phase only, as sitrep's phases are measured.
  PhaseCpu cpu({nats.pid()});
  absl::StatusOr<PeerIngest> raw = PublishRawJetStream(
      absl::StrCat("nats://", nats.address()), PeerStream(), make,
      absl::GetFlag(FLAGS_window), absl::Seconds(1), absl::GetFlag(FLAGS_duration),
      {[&cpu] { cpu.Start(); }, [&cpu] { cpu.Stop(); }});
  if (!raw.ok()) {
    Note("%s", std::string(raw.status().message()).c_str());
    ++outcome->failures;
    return -1;
  }
  const double raw_rate = static_cast<double>(raw->acked) / raw->seconds;
  Result(scenario, "jetstream", "js_PublishAsync acked/s", raw_rate);
  Result(scenario, "jetstream", "errors", static_cast<double>(raw->errors));
  Result(scenario, "jetstream", "stored bytes/message", raw->stored_bytes_per_message);
  ReportCpuSplit(scenario, "jetstream", "", cpu, {"nats-server"}, raw->acked);
  return raw_rate;
}

// The processes of sitrep's side: nats-server, the replica that takes the
// publishes and, for the last phase only, one that only tails the stream
// (no publisher, no subscriber): its CPU per update is the tail's cost
// alone, the part of the scaling law every replica pays
// (docs/performance.md). It is not running in the phases compared with
// raw JetStream: "through one replica", and on a 2-core machine a second
// replica's CPU is taken from the first and from nats-server.
struct SitrepOnJetStream {
  testing::TempDir dir;
  ServerProcess nats;
  std::string url;
  System sitrep{"sitrep"};
  System tail{"sitrep"};

  std::vector<std::string> StoreFlags() const {
    return {"--store=jetstream", "--nats_url=" + url, "--stream=BENCH",
            "--nats_subject_prefix=bench"};
  }
  bool Start() {
    if (!StartJetStream(&dir, &nats)) return false;
    url = absl::StrCat("nats://", nats.address());
    return sitrep.Start(absl::GetFlag(FLAGS_fsync), StoreFlags());
  }
  // Starts the tail-only replica; it serves once it has read the stream.
  bool StartTail() { return tail.Start(absl::GetFlag(FLAGS_fsync), StoreFlags()); }
  bool tail_running() const { return tail.process.pid() > 0; }
};

// sitrep's PublishStream with `batch` requests per message for --duration
// after a second: its acked/s, and the CPU of each process per update.
double IngestThroughJetStream(const std::string& scenario, SitrepOnJetStream* js,
                              v1::SituationFeed::Stub* stub, int batch,
                              FanoutOutcome* outcome) {
  std::string figure = batch == 1 ? "stream" : "stream batched";
  if (js->tail_running()) figure += " + tail-only replica";
  const int window = absl::GetFlag(FLAGS_window);
  // Event ids of their own per phase: a phase's are new updates, not
  // another phase's ids with other content.
  StreamPublisher publisher(
      stub, absl::StrCat("jsi", getpid(), "b", batch, js->tail_running() ? "t" : ""),
      batch);
  int64_t g = 0;
  const absl::Time warm_end = absl::Now() + absl::Seconds(1);
  while (absl::Now() < warm_end && publisher.Publish(g, window)) ++g;
  std::vector<pid_t> pids = {js->sitrep.process.pid(), js->nats.pid()};
  std::vector<std::string> names = {"sitrepd", "nats-server"};
  if (js->tail_running()) {
    pids.push_back(js->tail.process.pid());
    names.push_back("tail-only replica");
  }
  PhaseCpu cpu(pids);
  const uint64_t acked0 = publisher.acked();
  cpu.Start();
  const absl::Time t0 = absl::Now();
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  while (absl::Now() < t0 + duration && publisher.Publish(g, window)) ++g;
  const uint64_t acked = publisher.acked() - acked0;
  const double seconds = Seconds(absl::Now() - t0);
  cpu.Stop();
  publisher.WaitAcked(absl::Seconds(30));
  const double rate = static_cast<double>(acked) / seconds;
  Result(scenario, "sitrep", figure + " acked/s", rate);
  ReportCpuSplit(scenario, "sitrep", figure + " ", cpu, names, acked);
  Result(scenario, "sitrep", figure + " errors", static_cast<double>(publisher.errors()));
  outcome->failures += publisher.errors();
  return rate;
}

// Raw JetStream, then sitrep's batched phase, each on a fresh nats-server
// (and sitrepd). The first pair (`first`) also runs sitrep one update per
// message before the batched phase, then the batched phase again with a
// replica that only tails (the tail's cost alone), and the stored bytes.
// Returns the two rates; raw < 0 when a side failed (counted in *outcome).
struct IngestPair {
  double raw = -1;
  double batched = 0;
};
IngestPair RunIngestPair(const std::string& scenario, bool first, FanoutOutcome* outcome) {
  IngestPair pair;
  const double raw = RunRawJetStream(scenario, outcome);
  if (raw <= 0) return pair;
  SitrepOnJetStream js;
  if (!js.Start()) {
    ++outcome->failures;
    return pair;
  }
  std::vector<Channel> channels = MakeChannels(js.sitrep.process.address(), 1);
  const int batch = std::max(1, absl::GetFlag(FLAGS_publish_batch));
  if (first) IngestThroughJetStream(scenario, &js, channels[0].stub.get(), 1, outcome);
  pair.batched = IngestThroughJetStream(scenario, &js, channels[0].stub.get(), batch, outcome);
  if (first) {
    if (js.StartTail()) {
      IngestThroughJetStream(scenario, &js, channels[0].stub.get(), batch, outcome);
    } else {
      ++outcome->failures;
    }
    Result(scenario, "sitrep", "stored bytes/message", StoredBytesPerMessage(js.url, "BENCH"));
  }
  js.sitrep.process.Stop();
  if (js.tail_running()) js.tail.process.Stop();
  pair.raw = raw;
  Result(scenario, "sitrep", "batched / raw JetStream %", 100 * pair.batched / raw);
  return pair;
}

}  // namespace

void RunJetStreamIngest(FanoutOutcome* outcome) {
  const std::string scenario = "ingest jetstream R1";
  const IngestPair first = RunIngestPair(scenario, true, outcome);
  if (first.raw < 0) return;
  const double ratio = first.batched / first.raw;
  // More pairs of the two phases, alternated: on a machine whose speed
  // drifts (raw JetStream's rate moved by 30 % between runs of one
  // minute), one pair compares two different moments; the median of the
  // pairs' ratios does not hang on one of them.
  std::vector<double> ratios = {ratio};
  for (int pair = 2; pair <= absl::GetFlag(FLAGS_ingest_pairs); ++pair) {
    const IngestPair more = RunIngestPair(absl::StrCat(scenario, " pair ", pair), false, outcome);
    if (more.raw > 0) ratios.push_back(more.batched / more.raw);
  }
  if (ratios.size() == 1) {
    std::printf("# target: sitrep batched ingest through 1 replica >= 50 %% of raw JetStream "
                "async publishing: %s (%.0f vs %.0f updates/s = %.0f %%)\n",
                ratio >= 0.5 ? "met" : "NOT MET", first.batched, first.raw, 100 * ratio);
  } else {
    std::string each;
    for (const double r : ratios) {
      absl::StrAppendFormat(&each, "%s%.0f %%", each.empty() ? "" : ", ", 100 * r);
    }
    const double median = Median(ratios);
    Result(scenario, "sitrep", "batched / raw JetStream % median of pairs", 100 * median);
    std::printf("# target: sitrep batched ingest through 1 replica >= 50 %% of raw JetStream "
                "async publishing: %s (median of %zu alternated pairs: %s = %.0f %%; the first "
                "pair %.0f vs %.0f updates/s)\n",
                median >= 0.5 ? "met" : "NOT MET", ratios.size(), each.c_str(), 100 * median,
                first.batched, first.raw);
  }
  std::fflush(stdout);
}

}  // namespace sitrep::bench
#endif  // SITREP_BENCH_NATS
