// sitrep-bench: the instrument of issue 4. Starts the server under test
// (sitrepd or bench/ceiling_server) as a child process on 127.0.0.1 with a
// fresh data dir, drives it over gRPC and prints one line per figure:
//
//   RESULT<TAB>scenario<TAB>system<TAB>figure<TAB>value
//
// Scenarios (--scenario):
//   fanout   N filtered subscribers (one mission each), one PublishStream
//            publisher. Phase A: max rate (flow-controlled: the publisher
//            stays at most --lag_limit updates ahead of the slowest
//            subscriber, so the figure is the sustainable rate and the drain
//            is bounded) for --duration after --warmup. Phase B: --rate
//            updates/s for --duration; publish->deliver latency from a
//            timestamp in label "b". Both phases verify exactly-once,
//            in-order delivery of every matching update.
//   ingest   PublishStream at max rate and unary Publish with --callers
//            concurrent callers, for each --fsync mode.
//   catchup  --catchup_updates stored updates; one subscriber from_beginning
//            filtered to one mission; updates/s until CaughtUp.
//   idle     --idle_subscribers idle subscribers; server RSS delta / N.
//   fairness issue 17's M-5: one principal's --fair_idle_subscribers idle
//            streams and another's --fair_rate updates/s against a third
//            principal's publish->deliver latency (phase A alone, B with
//            the flood). --check fails above --fair_max_p99 or on a loss.
//   replicas the fanout scenario against K sitrepd replicas on
//            --store=jetstream sharing one nats-server -js stream, for each
//            K in --replica_counts; subscribers spread over the replicas
//            (system "replicas-K"). Each replica runs in its own CPU budget
//            (--replica_cpu cores, a cgroup: bench/cpu_budget.h); the
//            capacity table, the ratios against issue 20's targets and the
//            fitted scaling law follow the runs (bench/replica_scaling.h).
//   jetstream-ingest  sitrep's PublishStream ingest through one
//            --store=jetstream replica next to raw js_PublishAsync with the
//            same payloads and stream settings (bench/jetstream_peer.h),
//            with sitrepd's CPU per update.
// Systems (--systems): sitrep, ceiling, and when built with libnats,
// jetstream and natscore (fanout only).
//
//   sqlite   raw SQLite: 1024-row transactions into the `updates` table
//            shape of server/log/sqlite_event_log.cc; rows/s.
//
// Subscribers are callback-API reactors (grpc::ClientReadReactor over a raw
// ByteBuffer method, so the client decodes only the fields it checks),
// multiplexed over --channels channels and gRPC's callback threads: no
// thread per subscriber. --check exits 1 on any loss, duplicate, reorder or
// contract violation (the CTest smoke).

#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <functional>
#include <atomic>
#include <deque>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_payload.h"
#include "bench/cpu_budget.h"
#include "bench/dashboards_scenario.h"
#include "bench/recovery_scenario.h"
#include "bench/replica_join_scenario.h"
#include "bench/replica_scaling.h"
#include "bench/server_process.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/temp_dir.h"

#ifdef SITREP_BENCH_NATS
#include <nats/nats.h>

#include "bench/jetstream_peer.h"
#endif

#ifndef SITREP_BENCH_SITREPD
#define SITREP_BENCH_SITREPD "sitrepd"
#endif
#ifndef SITREP_BENCH_CEILING
#define SITREP_BENCH_CEILING "ceiling_server"
#endif

ABSL_FLAG(std::string, scenario, "fanout",
          "fanout | replicas | jetstream-ingest | ingest | catchup | idle | "
          "fairness | sqlite");
ABSL_FLAG(std::string, systems, "sitrep,ceiling",
          "Comma-separated servers to measure: sitrep, ceiling");
ABSL_FLAG(std::string, sitrepd, SITREP_BENCH_SITREPD, "Path of sitrepd");
ABSL_FLAG(std::string, ceiling, SITREP_BENCH_CEILING,
          "Path of ceiling_server");
ABSL_FLAG(int, ceiling_threads, 0,
          "ceiling_server --fanout_threads (0: its default)");
ABSL_FLAG(int, subscribers, 100, "fanout: subscribers");
ABSL_FLAG(int, channels, 8, "gRPC channels the subscribers share");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "Warm-up before phase A");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "Length of each measured phase");
ABSL_FLAG(double, rate, 2000, "fanout phase B: updates/s");
ABSL_FLAG(std::string, scenario_suffix, "",
          "fanout: appended to the scenario's name in the results, to tell "
          "repeated runs apart (bench/run.sh: \" #2\")");
ABSL_FLAG(int, fanout_publish_batch, 1,
          "fanout phase A: updates per PublishStream message (sitrep and the "
          "ceiling; phase B always sends one per message)");
ABSL_FLAG(int64_t, lag_limit, 8192,
          "fanout phase A: most updates the publisher may be ahead of the "
          "slowest subscriber");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(60),
          "Longest wait for subscribers to receive everything published");
ABSL_FLAG(std::string, fsync, "batch",
          "--fsync of sitrepd (ingest: comma-separated list)");
ABSL_FLAG(int, callers, 32, "ingest: concurrent unary Publish callers");
ABSL_FLAG(int, window, 1024, "PublishStream: most unacknowledged requests");
ABSL_FLAG(int64_t, catchup_updates, 1000000, "catchup: stored updates");
ABSL_FLAG(int, publish_batch, 64,
          "ingest (second run) and the catchup fill: requests per "
          "PublishStream message");
ABSL_FLAG(absl::Duration, fill_timeout, absl::Seconds(300),
          "catchup: longest time to store the updates");
ABSL_FLAG(int, idle_subscribers, 10000, "idle: subscribers");
ABSL_FLAG(int64_t, sqlite_rows, 300000, "sqlite: rows to insert (at most)");
ABSL_FLAG(int, fair_idle_subscribers, 1000,
          "fairness: idle streams of the flooding principal");
ABSL_FLAG(double, fair_rate, 5500,
          "fairness: the flooding publisher's updates/s");
ABSL_FLAG(std::string, fair_idle_filter, "box",
          "fairness: the idle streams' filter, box (no wake key: every "
          "append wakes them) or label (skipped by the wake keys)");
ABSL_FLAG(std::string, fair_idle_mission, "kp",
          "fairness: the idle streams' mission, kp (nobody publishes it) or "
          "eulex (the victim's)");
ABSL_FLAG(int, fair_ring_capacity, 16384,
          "fairness: sitrepd's --ring_capacity (smaller: idle cursors fall "
          "off the ring sooner, as a longer run would make them)");
ABSL_FLAG(absl::Duration, fair_idle_heartbeat, absl::Seconds(5),
          "fairness: the idle streams' heartbeat interval");
ABSL_FLAG(int, fair_flood_batch, 1,
          "fairness: updates per PublishStream message of the flood (1: one "
          "message per update, as many small clients publish)");
ABSL_FLAG(absl::Duration, fair_max_p99, absl::Seconds(1),
          "fairness --check: the victim's phase B p99 must stay below this");
ABSL_FLAG(double, stalled_fraction, 0,
          "fanout: this fraction of the subscribers stops reading after "
          "CaughtUp (isolation); they are left out of the figures");
#ifdef SITREP_BENCH_NATS
ABSL_FLAG(std::string, nats_server, "nats-server",
          "Path of nats-server (systems jetstream and natscore)");
ABSL_FLAG(std::string, jetstream_consumer, "push",
          "system jetstream: the consumer each subscriber gets. push: "
          "ephemeral push consumer, AckNone, consumer state in memory "
          "(mem_storage), no flow control; ordered: libnats' ordered "
          "consumer (push, AckNone, flow control + heartbeats, state in "
          "memory, re-created on a gap); push-file: as push but with the "
          "consumer state in the stream's file store (the set-up before "
          "2026-11-29)");
#endif
ABSL_FLAG(std::string, replica_counts, "1,2",
          "replicas: the numbers of sitrepd replicas (--store=jetstream over "
          "one nats-server) to run the fanout scenario against");
ABSL_FLAG(double, replica_cpu, 0.25,
          "replicas: CPU budget of each replica in cores (a cgroup of its "
          "own; needs root and a cgroup cpu controller); 0: no budgets");
ABSL_FLAG(bool, check, false,
          "Exit 1 on any loss, duplicate, reorder or contract violation");

namespace sitrep::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

void Result(const std::string& scenario, const std::string& system,
            const std::string& figure, double value) {
  std::printf("RESULT\t%s\t%s\t%s\t%.6g\n", scenario.c_str(), system.c_str(),
              figure.c_str(), value);
  std::fflush(stdout);
}

void Note(const char* format, ...) __attribute__((format(printf, 1, 2)));
void Note(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fprintf(stderr, "sitrep-bench: ");
  std::vfprintf(stderr, format, args);
  std::fprintf(stderr, "\n");
  va_end(args);
}

// Percentile of sorted values (nearest rank).
double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  if (rank >= sorted.size()) rank = sorted.size() - 1;
  return static_cast<double>(sorted[rank]);
}

// ---------------------------------------------------------------------------
// The server under test.

struct System {
  std::string name;  // sitrep | ceiling
  testing::TempDir dir;
  ServerProcess process;

  bool Start(const std::string& fsync,
             std::vector<std::string> extra = {}) {
    const std::string port_file = dir.path() + "/port";
    std::vector<std::string> argv;
    if (name == "ceiling") {
      argv = {absl::GetFlag(FLAGS_ceiling), "--listen=127.0.0.1:0",
              "--port_file=" + port_file};
      if (const int t = absl::GetFlag(FLAGS_ceiling_threads); t > 0) {
        argv.push_back(absl::StrCat("--fanout_threads=", t));
      }
    } else {
      argv = {absl::GetFlag(FLAGS_sitrepd), "--listen=127.0.0.1:0",
              "--port_file=" + port_file, "--data_dir=" + dir.path() + "/data",
              "--fsync=" + fsync,
              // Every bench client is the one anonymous principal: measure
              // the server, not the per-principal limits (10,000 idle
              // subscribers, max-rate ingest).
              "--publish_rate=0", "--max_streams_per_principal=0",
              // The bench smoke test runs beside other tests.
              "--metrics_address=127.0.0.1:0", "--http_address="};
    }
    for (std::string& e : extra) argv.push_back(std::move(e));
    return process.Start(argv, port_file);
  }
  ProcStats Stats() const { return ReadProcStats(process.pid()); }
};

// ---------------------------------------------------------------------------
// Payload. Every update is the same realistic report; label "b" carries
// "<g>:<t>": g, the global publish index (mission = g % 3), and t, the
// publish time in steady-clock nanoseconds. Labels are kept verbatim.

v1::Mission MissionOf(int64_t g) {
  return static_cast<v1::Mission>(g % 3 + 1);
}

class PayloadMaker {
 public:
  // Patrol reports of every mission (bench/bench_payload.h).
  explicit PayloadMaker(std::string run)
      : run_(std::move(run)), request_(PatrolPublishRequest()) {}

  const v1::PublishRequest& Make(int64_t g, int64_t t_ns) {
    v1::SituationUpdate* u = request_.mutable_update();
    u->set_mission(MissionOf(g));
    u->set_event_id(absl::StrCat(run_, "-", g));
    (*u->mutable_labels())["b"] = absl::StrCat(g, ":", t_ns);
    return request_;
  }

 private:
  const std::string run_;
  v1::PublishRequest request_;
};

// ---------------------------------------------------------------------------
// Minimal protobuf wire reading: the client decodes only what it checks.

bool ReadVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    const uint8_t b = *(*p)++;
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Calls fn(field, wire_type, varint, data, size) for each field; false on
// malformed input.
template <typename Fn>
bool ForEachField(const uint8_t* p, const uint8_t* end, Fn fn) {
  while (p < end) {
    uint64_t key, v = 0;
    if (!ReadVarint(&p, end, &key)) return false;
    const int field = static_cast<int>(key >> 3);
    const int type = static_cast<int>(key & 7);
    const uint8_t* data = nullptr;
    size_t size = 0;
    switch (type) {
      case 0:
        if (!ReadVarint(&p, end, &v)) return false;
        break;
      case 1:
        if (end - p < 8) return false;
        p += 8;
        break;
      case 5:
        if (end - p < 4) return false;
        p += 4;
        break;
      case 2:
        if (!ReadVarint(&p, end, &v) || static_cast<uint64_t>(end - p) < v) {
          return false;
        }
        data = p;
        size = v;
        p += v;
        break;
      default:
        return false;
    }
    fn(field, type, v, data, size);
  }
  return true;
}

// Decimal digits to a number; -1 when empty or not digits.
int64_t ParseDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

struct DecodedUpdate {
  uint64_t sequence = 0;
  int mission = 0;
  int64_t g = -1;
  int64_t t_ns = 0;
};

bool DecodeUpdate(const uint8_t* p, size_t size, DecodedUpdate* out) {
  return ForEachField(p, p + size, [out](int field, int type, uint64_t v,
                                         const uint8_t* data, size_t n) {
    if (field == 100 && type == 0) out->sequence = v;
    if (field == 2 && type == 0) out->mission = static_cast<int>(v);
    if (field == 13 && type == 2) {
      std::string_view key, value;
      ForEachField(data, data + n,
                   [&](int f, int t, uint64_t, const uint8_t* d, size_t m) {
                     if (t != 2) return;
                     std::string_view s(reinterpret_cast<const char*>(d), m);
                     if (f == 1) key = s;
                     if (f == 2) value = s;
                   });
      if (key == "b") {
        const size_t colon = value.find(':');
        if (colon != std::string_view::npos) {
          out->g = ParseDigits(value.substr(0, colon));
          out->t_ns = ParseDigits(value.substr(colon + 1));
        }
      }
    }
  });
}

// ---------------------------------------------------------------------------
// Channels.

struct Channel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::internal::RpcMethod> subscribe;
  std::unique_ptr<v1::SituationFeed::Stub> stub;
};

std::vector<Channel> MakeChannels(const std::string& address, int count) {
  std::vector<Channel> channels(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("sitrep.bench.channel", i);
    args.SetMaxReceiveMessageSize(-1);
    Channel& c = channels[static_cast<size_t>(i)];
    c.channel = grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args);
    c.subscribe = std::make_unique<grpc::internal::RpcMethod>(
        "/sitrep.v1.SituationFeed/Subscribe",
        grpc::internal::RpcMethod::SERVER_STREAMING, c.channel);
    c.stub = v1::SituationFeed::NewStub(c.channel);
  }
  for (Channel& c : channels) {
    c.channel->WaitForConnected(std::chrono::system_clock::now() +
                                std::chrono::seconds(10));
  }
  return channels;
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// ---------------------------------------------------------------------------
// Subscribers. VerifyingSubscriber checks one subscriber's stream of g's;
// its transport (gRPC here, NATS below) calls OnUpdate from one thread at a
// time. The atomics are what other threads read while it runs; the rest is
// read only after done().

std::atomic<bool> g_recording{false};

class VerifyingSubscriber {
 public:
  // mission_index 0..2: expects g = mission_index, +3, +6, ...
  explicit VerifyingSubscriber(int mission_index)
      : mission_index_(mission_index) {
    expected_g_.store(mission_index, std::memory_order_relaxed);
  }
  virtual ~VerifyingSubscriber() = default;

  // Ends the subscription; done() turns true once no callback runs any more.
  virtual void Cancel() = 0;

  // Readable any time.
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  // Messages that carried at least one update.
  uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }
  uint64_t update_bytes() const {
    return update_bytes_.load(std::memory_order_relaxed);
  }
  int64_t expected_g() const {
    return expected_g_.load(std::memory_order_relaxed);
  }
  int mission_index() const { return mission_index_; }

  // Readable after done().
  const std::vector<int64_t>& latencies() const { return latencies_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t lost() const { return lost_; }
  uint64_t reordered() const { return reordered_; }
  uint64_t contract_violations() const { return contract_violations_; }
  uint64_t gaps() const { return gaps_; }
  double seconds_to_caught_up() const {
    return static_cast<double>(caught_up_ns_ - start_ns_) / 1e9;
  }

  // Counts what never arrived of the `published` updates (g < published).
  void FinishVerification(int64_t published) {
    int64_t e = expected_g();
    while (e < published) {
      ++lost_;
      e += 3;
    }
  }

 protected:
  void OnUpdate(const DecodedUpdate& u, int64_t now, bool recording) {
    if (u.sequence != 0) {  // NATS payloads carry no sitrep sequence
      if (u.sequence <= last_sequence_) ++reordered_;
      last_sequence_ = u.sequence;
    }
    if (u.g < 0 || u.mission != mission_index_ + 1) {
      ++contract_violations_;  // not ours: the filter failed
      return;
    }
    const int64_t e = expected_g_.load(std::memory_order_relaxed);
    if (u.g == e) {
      expected_g_.store(e + 3, std::memory_order_relaxed);
    } else if (u.g < e) {
      ++duplicates_;
    } else {
      lost_ += static_cast<uint64_t>((u.g - e) / 3);
      expected_g_.store(u.g + 3, std::memory_order_relaxed);
    }
    if (recording) latencies_.push_back(now - u.t_ns);
  }
  void SetCaughtUp(int64_t now) {
    if (!caught_up_.load(std::memory_order_relaxed)) {
      caught_up_ns_ = now;
      caught_up_.store(true, std::memory_order_release);
    }
  }
  // `n` updates of `bytes` in all (their encodings, without framing).
  void AddReceived(uint64_t n, uint64_t bytes) {
    received_.fetch_add(n, std::memory_order_relaxed);
    update_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    if (n > 0) messages_.fetch_add(1, std::memory_order_relaxed);
  }
  void SetDone() { done_.store(true, std::memory_order_release); }

  int64_t start_ns_ = 0;
  uint64_t contract_violations_ = 0, heartbeats_ = 0, gaps_ = 0;

 private:
  const int mission_index_;
  int64_t caught_up_ns_ = 0;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> update_bytes_{0};
  std::atomic<int64_t> expected_g_{0};
  uint64_t last_sequence_ = 0;
  uint64_t duplicates_ = 0, lost_ = 0, reordered_ = 0;
  std::vector<int64_t> latencies_;
};

// One gRPC Subscribe stream. Callbacks of one reactor never run
// concurrently.
class Subscriber final : public VerifyingSubscriber,
                         public grpc::ClientReadReactor<grpc::ByteBuffer> {
 public:
  // `stall`: stop reading after the first message (isolation runs).
  Subscriber(int mission_index, bool stall = false)
      : VerifyingSubscriber(mission_index), stall_(stall) {}

  void Start(Channel* channel, const v1::SubscribeRequest& request) {
    request_ = ToByteBuffer(request.SerializeAsString());
    start_ns_ = NowNs();
    // What the generated stub's async()->Subscribe does, with ByteBuffer as
    // the response type (gRPC 1.51 has no public generic server-streaming
    // callback call), so the client can skip full protobuf parsing.
    grpc::internal::ClientCallbackReaderFactory<grpc::ByteBuffer>::Create(
        channel->channel.get(), *channel->subscribe, &context_, &request_,
        this);
    StartRead(&response_);
    StartCall();
  }

  void Cancel() override { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    grpc::Slice slice;
    if (!response_.TrySingleSlice(&slice).ok()) {
      response_.DumpToSingleSlice(&slice);
    }
    const int64_t now = NowNs();
    const bool recording = g_recording.load(std::memory_order_relaxed);
    int updates = 0, markers = 0;
    bool has_cursor = false;
    uint64_t delivered = 0, bytes = 0;
    const bool parsed = ForEachField(
        slice.begin(), slice.end(),
        [&](int field, int type, uint64_t, const uint8_t* data, size_t n) {
          if (type != 2) return;
          switch (field) {
            case 1: {
              ++updates;
              DecodedUpdate u;
              if (!DecodeUpdate(data, n, &u)) {
                ++contract_violations_;
                return;
              }
              OnUpdate(u, now, recording);
              ++delivered;
              bytes += n;
              break;
            }
            case 3:
              ++markers;
              SetCaughtUp(now);
              break;
            case 2:
              ++markers;
              ++heartbeats_;
              break;
            case 4:
              ++markers;
              break;
            case 5:
              ++markers;
              ++gaps_;
              break;
            case 15:
              has_cursor = true;
              break;
            default:
              break;
          }
        });
    // A message is a batch of updates or exactly one marker, and always
    // carries the cursor.
    if (!parsed || !has_cursor || (updates > 0 && markers > 0) ||
        markers > 1 || (updates == 0 && markers == 0)) {
      ++contract_violations_;
    }
    AddReceived(delivered, bytes);
    if (stall_) return;  // never reads again: the server must cope
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    status_ = status;
    SetDone();
  }

  const grpc::Status& status() const { return status_; }

 private:
  const bool stall_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status status_;
};

v1::SubscribeRequest MissionRequest(int mission_index, int heartbeat_s) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(
      static_cast<v1::Mission>(mission_index + 1));
  request.set_from_now(true);
  request.mutable_heartbeat_interval()->set_seconds(heartbeat_s);
  return request;
}

// Waits until pred() or timeout; true if pred().
template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

template <typename T>
void CancelAll(std::vector<std::unique_ptr<T>>& subscribers) {
  for (auto& s : subscribers) s->Cancel();
  if (!WaitFor(
          [&] {
            for (auto& s : subscribers) {
              if (!s->done()) return false;
            }
            return true;
          },
          absl::Seconds(30))) {
    Note("some subscribers did not end within 30 s; leaking them");
    for (auto& s : subscribers) {
      if (!s->done()) s.release();
    }
  }
}

// ---------------------------------------------------------------------------
// Publishers: one writer thread (the caller).

class FanoutPublisher {
 public:
  virtual ~FanoutPublisher() = default;
  // Publishes g (mission MissionOf(g)); waits while `window` publishes are
  // unacknowledged. False when the publisher failed.
  virtual bool Publish(int64_t g, size_t window) = 0;
  virtual uint64_t acked() const = 0;
  virtual uint64_t errors() const = 0;
  virtual bool WaitAcked(absl::Duration timeout) = 0;
  virtual void Close() = 0;
  // Nanoseconds Publish() has waited for acks (a full window) so far.
  virtual int64_t window_wait_ns() const { return 0; }
  // From now on `batch` updates per message (when the system takes
  // batches); sends what is pending first. False when the publisher failed.
  virtual bool SetBatch(int /*batch*/) { return true; }
};

// PublishStream: one writer (the caller), one ack reader thread.
class StreamPublisher final : public FanoutPublisher {
 public:
  // `batch` > 1: that many requests per message (PublishRequest.batch).
  StreamPublisher(v1::SituationFeed::Stub* stub, std::string run,
                  int batch = 1)
      : payload_(std::move(run)), send_ns_(kRing), batch_(batch) {
    stream_ = stub->PublishStream(&context_);
    reader_ = std::thread([this] { ReadAcks(); });
  }
  ~StreamPublisher() override { Close(); }

  bool Publish(int64_t g, size_t window) override {
    while (sent_ - acked_.load(std::memory_order_acquire) >= window) {
      if (failed_.load() || !Flush()) return false;
      const int64_t wait_start = NowNs();
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      window_wait_ns_ += NowNs() - wait_start;
    }
    const int64_t now = NowNs();
    send_ns_[sent_ % kRing] = now;
    ++sent_;
    if (batch_ <= 1) return stream_->Write(payload_.Make(g, now));
    *pending_.add_batch() = payload_.Make(g, now);
    return pending_.batch_size() < batch_ || Flush();
  }

  bool SetBatch(int batch) override {
    batch_ = batch;
    return Flush();
  }

  // Writes the requests of a batch that is not full yet.
  bool Flush() {
    if (pending_.batch_size() == 0) return true;
    const bool ok = stream_->Write(pending_);
    pending_.Clear();
    return ok;
  }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    Flush();
    stream_->WritesDone();
    reader_.join();
    grpc::Status status = stream_->Finish();
    if (!status.ok()) {
      Note("PublishStream ended: %s", status.error_message().c_str());
    }
  }

  uint64_t sent() const { return sent_; }
  int64_t window_wait_ns() const override { return window_wait_ns_; }
  uint64_t acked() const override {
    return acked_.load(std::memory_order_acquire);
  }
  uint64_t errors() const override { return errors_.load(); }
  bool WaitAcked(absl::Duration timeout) override {
    Flush();
    return WaitFor([this] { return acked() >= sent_ || failed_.load(); },
                   timeout);
  }
  void set_recording(bool on) { recording_.store(on); }
  std::vector<int64_t> TakeLatencies() {
    absl::MutexLock lock(&mu_);
    return std::move(latencies_);
  }

 private:
  int64_t window_wait_ns_ = 0;  // the caller's thread only
  static constexpr size_t kRing = 1 << 16;

  void ReadAcks() {
    v1::PublishAck ack;
    while (stream_->Read(&ack)) {
      const int64_t now = NowNs();
      if (ack.batch_size() == 0) {
        Count(ack, now);
      } else {
        for (const v1::PublishAck& one : ack.batch()) Count(one, now);
      }
    }
    failed_.store(true);
  }

  void Count(const v1::PublishAck& ack, int64_t now) {
    if (ack.has_error()) {
      if (errors_.fetch_add(1) < 3) {
        Note("publish error: %s", ack.error().message().c_str());
      }
    }
    if (recording_.load(std::memory_order_relaxed)) {
      absl::MutexLock lock(&mu_);
      latencies_.push_back(now - send_ns_[ack.index() % kRing]);
    }
    acked_.fetch_add(1, std::memory_order_release);
  }

  PayloadMaker payload_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream_;
  std::vector<int64_t> send_ns_;  // written before the Write, read on ack
  int batch_;
  v1::PublishRequest pending_;    // writer only: the batch being filled
  uint64_t sent_ = 0;             // writer only
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> recording_{false};
  bool closed_ = false;
  std::thread reader_;
  absl::Mutex mu_;
  std::vector<int64_t> latencies_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// fanout targets: what a fanout run needs from a system.

class FanoutTarget {
 public:
  virtual ~FanoutTarget() = default;
  virtual bool Start() = 0;
  // A subscriber to mission_index's updates, started.
  virtual std::unique_ptr<VerifyingSubscriber> Subscribe(int index,
                                                         int mission_index,
                                                         bool stall) = 0;
  // Called once every subscriber exists; false if they are not ready.
  virtual bool AllSubscribed(
      const std::vector<std::unique_ptr<VerifyingSubscriber>>& all) {
    return WaitFor(
        [&] {
          for (auto& s : all) {
            if (!s->caught_up()) return false;
          }
          return true;
        },
        absl::Seconds(120));
  }
  virtual std::unique_ptr<FanoutPublisher> NewPublisher(
      const std::string& run) = 0;
  virtual ProcStats Stats() = 0;
  virtual void Stop() = 0;
  // Phase A (max rate) starts (end false) or ends, `acked` updates
  // published so far.
  virtual void MarkPhaseA(bool /*end*/, uint64_t /*acked*/) {}
};

// Subscribers over gRPC channels (subscriber i on channel i % count), the
// publisher on a channel of its own: what every gRPC server target shares.
// A stalled subscriber (isolation runs) gets a connection of its own, as a
// frozen dashboard has: on a connection shared with ~125 readers, gRPC's
// client transport slowed those readers too (with 25 stalled streams on
// each of 4 of the 8 connections the publish rate fell to 0.66-0.89x; with
// the stalled streams on one connection it did not fall), which is the load
// generator's multiplexing, not the server's isolation.
class GrpcChannelsTarget : public FanoutTarget {
 public:
  std::unique_ptr<VerifyingSubscriber> Subscribe(int index, int mission_index,
                                                 bool stall) override {
    auto s = std::make_unique<Subscriber>(mission_index, stall);
    Channel* channel = &channels_[static_cast<size_t>(index) % channels_.size()];
    if (stall) {
      std::vector<Channel> own = MakeChannels(address_, 1);
      stalled_channels_.push_back(std::move(own.front()));
      channel = &stalled_channels_.back();
    }
    s->Start(channel, MissionRequest(mission_index, 5));
    return s;
  }
  std::unique_ptr<FanoutPublisher> NewPublisher(
      const std::string& run) override {
    return std::make_unique<StreamPublisher>(publisher_channel_[0].stub.get(),
                                             run);
  }

 protected:
  std::string address_;
  std::vector<Channel> channels_;
  std::vector<Channel> publisher_channel_;
  // A deque: subscribers keep pointers to their channel.
  std::deque<Channel> stalled_channels_;
};

class GrpcTarget final : public GrpcChannelsTarget {
 public:
  explicit GrpcTarget(const std::string& name) : system_{name, {}, {}} {}

  bool Start() override {
    if (!system_.Start(absl::GetFlag(FLAGS_fsync))) return false;
    address_ = system_.process.address();
    channels_ = MakeChannels(address_, absl::GetFlag(FLAGS_channels));
    publisher_channel_ = MakeChannels(system_.process.address(), 1);
    return true;
  }
  ProcStats Stats() override { return system_.Stats(); }
  void Stop() override { system_.process.Stop(); }

 private:
  System system_;
};

std::unique_ptr<FanoutTarget> NewNatsTarget(const std::string& name);
std::unique_ptr<FanoutTarget> NewSseTarget(const std::string& scenario);  // fanout_sse.inc

struct FanoutOutcome {
  uint64_t failures = 0;  // losses + duplicates + reorders + violations
};

// --scenario=replicas: phase A of each replicas-K run (ReplicasTarget).
std::vector<ReplicaRun> g_replica_runs;

void RunFanout(const std::string& system_name, int n, FanoutOutcome* outcome) {
  const double stalled_fraction = absl::GetFlag(FLAGS_stalled_fraction);
  std::string scenario = absl::StrCat("fanout N=", n);
  if (stalled_fraction > 0) {
    absl::StrAppend(&scenario, " stalled ",
                    static_cast<int>(stalled_fraction * 100 + 0.5), "%");
  }
  absl::StrAppend(&scenario, absl::GetFlag(FLAGS_scenario_suffix));
  const absl::Duration warmup = absl::GetFlag(FLAGS_warmup);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const double rate = absl::GetFlag(FLAGS_rate);
  const int64_t lag_limit = absl::GetFlag(FLAGS_lag_limit);
  const size_t window = static_cast<size_t>(absl::GetFlag(FLAGS_window));

  std::unique_ptr<FanoutTarget> system;
  if (system_name == "sitrep" || system_name == "ceiling") {
    system = std::make_unique<GrpcTarget>(system_name);
  } else if (system_name == "sse") {
    system = NewSseTarget(scenario);
  } else {
    system = NewNatsTarget(system_name);
  }
  if (system == nullptr || !system->Start()) {
    Note("%s: cannot start %s", scenario.c_str(), system_name.c_str());
    ++outcome->failures;
    return;
  }

  std::vector<std::unique_ptr<VerifyingSubscriber>> subscribers;
  std::vector<std::unique_ptr<VerifyingSubscriber>> stalled;
  for (int i = 0; i < n; ++i) {
    // Spread the stalled ones evenly over the missions.
    const bool stall = static_cast<int>((i + 1) * stalled_fraction) >
                       static_cast<int>(i * stalled_fraction);
    (stall ? stalled : subscribers)
        .push_back(system->Subscribe(i, i % 3, stall));
  }
  auto all = [&](auto pred) {
    for (auto& s : subscribers) {
      if (!pred(*s)) return false;
    }
    return true;
  };
  if (!system->AllSubscribed(stalled)) {
    Note("%s %s: stalled subscribers did not all start", scenario.c_str(),
         system_name.c_str());
  }
  if (!system->AllSubscribed(subscribers)) {
    Note("%s %s: subscribers did not all start", scenario.c_str(),
         system_name.c_str());
    ++outcome->failures;
  }
  // The slowest subscriber's position, for the publisher's lag limit.
  std::atomic<int64_t> min_expected{0};
  std::atomic<bool> stop_monitor{false};
  std::thread monitor([&] {
    while (!stop_monitor.load()) {
      int64_t m = INT64_MAX;
      for (auto& s : subscribers) m = std::min(m, s->expected_g());
      min_expected.store(m);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  std::unique_ptr<FanoutPublisher> publisher_owner =
      system->NewPublisher(absl::StrCat("fan", getpid(), "-", n));
  FanoutPublisher& publisher = *publisher_owner;
  int64_t g = 0;
  uint64_t delivered_total = 0;
  auto delivered = [&] {
    uint64_t sum = 0;
    for (auto& s : subscribers) sum += s->received();
    return sum;
  };
  auto messages = [&] {
    uint64_t sum = 0;
    for (auto& s : subscribers) sum += s->messages();
    return sum;
  };
  auto update_bytes = [&] {
    uint64_t sum = 0;
    for (auto& s : subscribers) sum += s->update_bytes();
    return sum;
  };
  // Everything published so far has arrived everywhere.
  auto drained = [&] {
    // A subscriber's next expected g passes g once it has everything of
    // its mission below g.
    return all([&](VerifyingSubscriber& s) { return s.expected_g() >= g; });
  };

  // Phase A: flow-controlled max rate.
  const ProcStats stats0 = system->Stats();
  // Time the publisher waited for the slowest subscriber (the lag limit).
  int64_t lag_wait_ns = 0;
  auto run_max = [&](absl::Duration length) {
    const absl::Time end = absl::Now() + length;
    while (absl::Now() < end) {
      if (g - min_expected.load(std::memory_order_relaxed) > lag_limit) {
        publisher.SetBatch(absl::GetFlag(FLAGS_fanout_publish_batch));
        const int64_t wait_start = NowNs();
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        lag_wait_ns += NowNs() - wait_start;
        continue;
      }
      if (!publisher.Publish(g, window)) break;
      ++g;
    }
  };
  // With --fanout_publish_batch > 1 phase A publishes batches (one ack
  // message per batch); a partial batch goes out whenever the publisher
  // must wait. The default, 1, is one update per message as in phase B.
  if (!publisher.SetBatch(absl::GetFlag(FLAGS_fanout_publish_batch))) {
    ++outcome->failures;
  }
  run_max(warmup);
  const uint64_t acked_a0 = publisher.acked();
  const uint64_t delivered_a0 = delivered();
  const uint64_t messages_a0 = messages();
  const uint64_t bytes_a0 = update_bytes();
  lag_wait_ns = 0;
  const int64_t window_wait_a0 = publisher.window_wait_ns();
  const ProcStats stats_a0 = system->Stats();
  const ProcStats client_a0 = ReadProcStats(getpid());
  system->MarkPhaseA(false, acked_a0);
  const absl::Time a0 = absl::Now();
  run_max(duration);
  const double a_seconds = Seconds(absl::Now() - a0);
  const uint64_t acked_a1 = publisher.acked();
  system->MarkPhaseA(true, acked_a1);
  const uint64_t delivered_a1 = delivered();
  const uint64_t messages_a1 = messages();
  const uint64_t bytes_a1 = update_bytes();
  const ProcStats stats_a1 = system->Stats();
  const ProcStats client_a1 = ReadProcStats(getpid());
  Result(scenario, system_name, "A published/s",
         static_cast<double>(acked_a1 - acked_a0) / a_seconds);
  Result(scenario, system_name, "A delivered/s",
         static_cast<double>(delivered_a1 - delivered_a0) / a_seconds);
  // The share of phase A the publisher spent held back by the slowest
  // subscriber (the rest: publishing or waiting for acks).
  Result(scenario, system_name, "A held by lag limit %",
         100.0 * static_cast<double>(lag_wait_ns) / 1e9 / a_seconds);
  Result(scenario, system_name, "A held by acks %",
         100.0 *
             static_cast<double>(publisher.window_wait_ns() - window_wait_a0) /
             1e9 / a_seconds);
  // Per-message costs dominate on both ends: how well a server batches.
  Result(scenario, system_name, "A updates/message",
         messages_a1 > messages_a0
             ? static_cast<double>(delivered_a1 - delivered_a0) /
                   static_cast<double>(messages_a1 - messages_a0)
             : 0.0);
  // Both ends' costs grow with the bytes: the systems must carry the same.
  Result(scenario, system_name, "A bytes/update",
         delivered_a1 > delivered_a0
             ? static_cast<double>(bytes_a1 - bytes_a0) /
                   static_cast<double>(delivered_a1 - delivered_a0)
             : 0.0);
  Result(scenario, system_name, "A server CPU s",
         stats_a1.cpu_seconds - stats_a0.cpu_seconds);
  // The load generator shares the machine: its CPU is part of the picture.
  Result(scenario, system_name, "A client CPU s",
         client_a1.cpu_seconds - client_a0.cpu_seconds);
  publisher.WaitAcked(absl::Seconds(30));
  if (!WaitFor(drained, absl::GetFlag(FLAGS_drain_timeout))) {
    Note("%s %s: phase A did not drain in time", scenario.c_str(),
         system_name.c_str());
  }

  // Phase B: fixed rate, latency; one update per message.
  if (!publisher.SetBatch(1)) ++outcome->failures;
  const ProcStats stats_b0 = system->Stats();
  g_recording.store(true);
  {
    const int64_t t0 = NowNs();
    const int64_t count = static_cast<int64_t>(rate * Seconds(duration));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t due = t0 + static_cast<int64_t>(1e9 * k / rate);
      const int64_t wait = due - NowNs();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      if (!publisher.Publish(g, window)) break;
      ++g;
    }
  }
  publisher.WaitAcked(absl::Seconds(30));
  const bool b_drained = WaitFor(drained, absl::GetFlag(FLAGS_drain_timeout));
  g_recording.store(false);
  if (!b_drained) {
    Note("%s %s: phase B did not drain in time", scenario.c_str(),
         system_name.c_str());
  }
  const ProcStats stats_b1 = system->Stats();
  delivered_total = delivered();
  stop_monitor.store(true);
  monitor.join();
  publisher.Close();
  CancelAll(subscribers);
  CancelAll(stalled);

  std::vector<int64_t> latencies;
  uint64_t lost = 0, duplicates = 0, reordered = 0, violations = 0, gaps = 0;
  for (auto& s : subscribers) {
    if (!s->done()) continue;
    s->FinishVerification(g);
    latencies.insert(latencies.end(), s->latencies().begin(),
                     s->latencies().end());
    lost += s->lost();
    duplicates += s->duplicates();
    reordered += s->reordered();
    violations += s->contract_violations();
    gaps += s->gaps();
  }
  std::sort(latencies.begin(), latencies.end());
  Result(scenario, system_name, "B rate/s", rate);
  Result(scenario, system_name, "B p50 ms", Percentile(latencies, 0.50) / 1e6);
  Result(scenario, system_name, "B p99 ms", Percentile(latencies, 0.99) / 1e6);
  Result(scenario, system_name, "B p99.9 ms",
         Percentile(latencies, 0.999) / 1e6);
  Result(scenario, system_name, "B max ms",
         latencies.empty() ? 0 : static_cast<double>(latencies.back()) / 1e6);
  Result(scenario, system_name, "B server CPU s",
         stats_b1.cpu_seconds - stats_b0.cpu_seconds);
  Result(scenario, system_name, "published", static_cast<double>(g));
  Result(scenario, system_name, "delivered", static_cast<double>(delivered_total));
  Result(scenario, system_name, "lost", static_cast<double>(lost));
  Result(scenario, system_name, "duplicates", static_cast<double>(duplicates));
  Result(scenario, system_name, "reordered", static_cast<double>(reordered));
  Result(scenario, system_name, "contract violations",
         static_cast<double>(violations));
  Result(scenario, system_name, "publish errors",
         static_cast<double>(publisher.errors()));
  const ProcStats end = system->Stats();
  Result(scenario, system_name, "server CPU s",
         end.cpu_seconds - stats0.cpu_seconds);
  Result(scenario, system_name, "server peak RSS MiB", end.peak_rss_kib / 1024);
  if (!stalled.empty()) {
    Result(scenario, system_name, "stalled subscribers",
           static_cast<double>(stalled.size()));
  }
  outcome->failures += lost + duplicates + reordered + violations + gaps +
                       publisher.errors();
  system->Stop();
}


// ---------------------------------------------------------------------------
// NATS peers: nats-server with JetStream file storage (one stream
// "sitrep.>", Nats-Msg-Id = event id, one filtered consumer per subscriber)
// and NATS core pub/sub (no storage). The payload is the same
// SituationUpdate bytes, on subject sitrep.<mission>.<role>.<severity>.
// Subscribers share --channels connections and libnats' global delivery
// pool of 2 threads.
//
// The JetStream consumer (--jetstream_consumer, docs/performance.md):
//   push      (default) ephemeral push consumer, DeliverNew, AckNone, its
//             state in memory (ConsumerConfig.mem_storage, server 2.9+).
//             On a file stream a consumer otherwise keeps its state in the
//             file store, and nats-server 2.9.10 keeps rewriting each
//             consumer's state file while it delivers (an openat + write
//             pair each time under strace; none with mem_storage). The
//             stream stays file storage; these ephemeral consumers live
//             only as long as their subscription, so persisting their
//             position buys nothing here.
//             No flow control: the bench's --lag_limit bounds how far the
//             publisher runs ahead, as for every system, and libnats keeps
//             whatever arrives (pending limits off), so a server-side slow
//             consumer would show as loss.
//   ordered   libnats' ordered consumer (jsSubOptions.Ordered): the same
//             plus flow control, 5 s idle heartbeats, MaxDeliver 1, and a
//             client that re-creates the consumer on a sequence gap. What
//             the NATS docs name for an application replaying a stream on
//             its own; with nats-server 2.9.10 + libnats 3.4.1 it (and push
//             with flow control alone) published 2-8x fewer updates/s in
//             phase A at N=1000 than push, so it is not the default.
//   push-file push with the consumer state in the file store: the set-up
//             before 2026-11-29, kept for comparison.
// Pull consumers are not offered: libnats 3.4's natsSubscription_Fetch
// blocks its caller, so 1,000 subscribers would need 1,000 threads or
// polling, and they suit work queues, not one reader per consumer.

#ifdef SITREP_BENCH_NATS

class NatsSubscriber final : public VerifyingSubscriber {
 public:
  explicit NatsSubscriber(int mission_index)
      : VerifyingSubscriber(mission_index) {}
  ~NatsSubscriber() override {
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
  }

  // `consumer`: --jetstream_consumer (see above).
  bool Start(natsConnection* nc, jsCtx* js, const std::string& subject,
             const std::string& consumer) {
    start_ns_ = NowNs();
    natsStatus status;
    if (js != nullptr) {
      jsSubOptions options;
      jsSubOptions_Init(&options);
      options.Stream = "SITREP";
      options.Config.DeliverPolicy = js_DeliverNew;
      if (consumer == "ordered") {
        // Sets AckNone, MaxDeliver 1, FlowControl, Heartbeat 5 s,
        // MemoryStorage and Replicas 1 itself.
        options.Ordered = true;
      } else {
        options.Config.AckPolicy = js_AckNone;
        options.Config.MemoryStorage = consumer == "push";
      }
      jsErrCode error = static_cast<jsErrCode>(0);
      status = js_Subscribe(&sub_, js, subject.c_str(), OnMessage, this,
                            nullptr, &options, &error);
    } else {
      status = natsConnection_Subscribe(&sub_, nc, subject.c_str(), OnMessage,
                                        this);
    }
    if (status != NATS_OK) {
      Note("nats subscribe %s: %s", subject.c_str(),
           natsStatus_GetText(status));
      SetDone();
      return false;
    }
    // No client-side slow-consumer drops: what the server sends is kept.
    natsSubscription_SetPendingLimits(sub_, -1, -1);
    SetCaughtUp(NowNs());
    return true;
  }

  void Cancel() override {
    if (sub_ != nullptr) {
      natsSubscription_GetDropped(sub_, &dropped_);
      if (natsSubscription_Drain(sub_) == NATS_OK) {
        natsSubscription_WaitForDrainCompletion(sub_, 10000);
      }
    }
    SetDone();
  }

  // Messages libnats dropped (pending limits); readable after done().
  int64_t dropped() const { return dropped_; }

 private:
  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg,
                        void* closure) {
    auto* self = static_cast<NatsSubscriber*>(closure);
    const int64_t now = NowNs();
    DecodedUpdate u;
    if (DecodeUpdate(reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                     static_cast<size_t>(natsMsg_GetDataLength(msg)), &u)) {
      self->OnUpdate(u, now, g_recording.load(std::memory_order_relaxed));
      self->AddReceived(1, natsMsg_GetDataLength(msg));
    } else {
      ++self->contract_violations_;
    }
    natsMsg_Destroy(msg);
  }

  natsSubscription* sub_ = nullptr;
  int64_t dropped_ = 0;
};

class NatsPublisher final : public FanoutPublisher {
 public:
  NatsPublisher(natsConnection* nc, bool jetstream, std::string run)
      : nc_(nc), payload_(std::move(run)) {
    if (jetstream) {
      jsOptions options;
      jsOptions_Init(&options);
      options.PublishAsync.MaxPending = absl::GetFlag(FLAGS_window);
      options.PublishAsync.AckHandler = OnAck;
      options.PublishAsync.AckHandlerClosure = this;
      options.PublishAsync.StallWait = 10000;
      natsConnection_JetStream(&js_, nc_, &options);
    }
  }
  ~NatsPublisher() override {
    if (js_ != nullptr) jsCtx_Destroy(js_);
  }

  bool Publish(int64_t g, size_t /*window: MaxPending*/) override {
    const v1::SituationUpdate& update = payload_.Make(g, NowNs()).update();
    update.SerializeToString(&bytes_);
    const std::string subject =
        absl::StrCat("sitrep.", update.mission(), ".", update.role(), ".",
                     update.severity());
    natsStatus status;
    if (js_ != nullptr) {
      jsPubOptions options;
      jsPubOptions_Init(&options);
      options.MsgId = update.event_id().c_str();
      status = js_PublishAsync(js_, subject.c_str(), bytes_.data(),
                               static_cast<int>(bytes_.size()), &options);
    } else {
      status = natsConnection_Publish(nc_, subject.c_str(), bytes_.data(),
                                      static_cast<int>(bytes_.size()));
      if (status == NATS_OK) acked_.fetch_add(1);
    }
    if (status != NATS_OK) {
      Note("nats publish: %s", natsStatus_GetText(status));
      errors_.fetch_add(1);
      return false;
    }
    return true;
  }
  uint64_t acked() const override { return acked_.load(); }
  uint64_t errors() const override { return errors_.load(); }
  bool WaitAcked(absl::Duration timeout) override {
    const int64_t ms = absl::ToInt64Milliseconds(timeout);
    if (js_ == nullptr) return natsConnection_FlushTimeout(nc_, ms) == NATS_OK;
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = ms;
    return js_PublishAsyncComplete(js_, &options) == NATS_OK;
  }
  void Close() override { WaitAcked(absl::Seconds(30)); }

 private:
  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* error,
                    void* closure) {
    auto* self = static_cast<NatsPublisher*>(closure);
    if (error != nullptr) self->errors_.fetch_add(1);
    self->acked_.fetch_add(1);
    natsMsg_Destroy(msg);
  }

  natsConnection* const nc_;
  jsCtx* js_ = nullptr;
  PayloadMaker payload_;
  std::string bytes_;
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> errors_{0};
};

class NatsTarget final : public FanoutTarget {
 public:
  explicit NatsTarget(bool jetstream) : jetstream_(jetstream) {}
  ~NatsTarget() override { Stop(); }

  bool Start() override {
    if (jetstream_) {
      consumer_ = absl::GetFlag(FLAGS_jetstream_consumer);
      if (consumer_ != "push" && consumer_ != "ordered" &&
          consumer_ != "push-file") {
        Note("--jetstream_consumer=%s: push, ordered or push-file",
             consumer_.c_str());
        return false;
      }
    }
    std::vector<std::string> argv = {absl::GetFlag(FLAGS_nats_server), "-a",
                                     "127.0.0.1", "-p", "-1"};
    if (jetstream_) {
      argv.insert(argv.end(), {"-js", "-sd", dir_.path() + "/js"});
    }
    if (!process_.Start(argv, "", absl::Seconds(30), "Server is ready")) {
      return false;
    }
    nats_Open(-1);
    nats_SetMessageDeliveryPoolSize(2);
    const std::string url = absl::StrCat("nats://", process_.address());
    const int count = absl::GetFlag(FLAGS_channels) + 1;  // + the publisher
    for (int i = 0; i < count; ++i) {
      natsOptions* options = nullptr;
      natsOptions_Create(&options);
      natsOptions_SetURL(options, url.c_str());
      natsOptions_UseGlobalMessageDelivery(options, true);
      natsOptions_SetMaxPendingMsgs(options, 1 << 20);
      natsOptions_SetErrorHandler(options, OnAsyncError, this);
      natsConnection* nc = nullptr;
      const natsStatus status = natsConnection_Connect(&nc, options);
      natsOptions_Destroy(options);
      if (status != NATS_OK) {
        Note("nats connect %s: %s", url.c_str(), natsStatus_GetText(status));
        return false;
      }
      connections_.push_back(nc);
      jsCtx* js = nullptr;
      if (jetstream_) natsConnection_JetStream(&js, nc, nullptr);
      contexts_.push_back(js);
    }
    if (jetstream_) {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      config.Name = "SITREP";
      const char* subjects[] = {"sitrep.>"};
      config.Subjects = subjects;
      config.SubjectsLen = 1;
      config.Storage = js_FileStorage;
      jsErrCode error = static_cast<jsErrCode>(0);
      const natsStatus status =
          js_AddStream(nullptr, contexts_.back(), &config, nullptr, &error);
      if (status != NATS_OK) {
        Note("js_AddStream: %s (%d)", natsStatus_GetText(status),
             static_cast<int>(error));
        return false;
      }
    }
    return true;
  }

  std::unique_ptr<VerifyingSubscriber> Subscribe(int index, int mission_index,
                                                 bool /*stall*/) override {
    const size_t c = static_cast<size_t>(index) % (connections_.size() - 1);
    auto s = std::make_unique<NatsSubscriber>(mission_index);
    s->Start(connections_[c], contexts_[c],
             absl::StrCat("sitrep.", mission_index + 1, ".>"), consumer_);
    subscribers_.push_back(s.get());
    return s;
  }

  bool AllSubscribed(
      const std::vector<std::unique_ptr<VerifyingSubscriber>>& all) override {
    for (natsConnection* nc : connections_) natsConnection_FlushTimeout(nc, 10000);
    return FanoutTarget::AllSubscribed(all);
  }

  std::unique_ptr<FanoutPublisher> NewPublisher(
      const std::string& run) override {
    return std::make_unique<NatsPublisher>(connections_.back(), jetstream_,
                                           run);
  }
  ProcStats Stats() override { return ReadProcStats(process_.pid()); }

  void Stop() override {
    // What could have cost messages or stalled delivery, on stderr: the
    // verification counts the losses themselves.
    int64_t dropped = 0;
    for (const NatsSubscriber* s : subscribers_) {
      if (s->done()) dropped += s->dropped();
    }
    subscribers_.clear();
    const uint64_t errors = async_errors_.exchange(0);
    if (dropped > 0 || errors > 0) {  // once: Stop runs again on destruction
      Note("nats: %lld messages dropped by libnats; %llu asynchronous errors "
           "(%llu slow consumer, %llu missed heartbeats, %llu sequence "
           "mismatches)",
           static_cast<long long>(dropped),
           static_cast<unsigned long long>(errors),
           static_cast<unsigned long long>(slow_consumers_.load()),
           static_cast<unsigned long long>(missed_heartbeats_.load()),
           static_cast<unsigned long long>(mismatches_.load()));
    }
    if (process_.pid() > 0 &&
        process_.StderrTail().find("Slow Consumer") != std::string::npos) {
      Note("nats-server reported a slow consumer (its stderr tail): %s",
           process_.StderrTail().c_str());
    }
    for (jsCtx* js : contexts_) {
      if (js != nullptr) jsCtx_Destroy(js);
    }
    contexts_.clear();
    for (natsConnection* nc : connections_) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
    connections_.clear();
    process_.Stop();
  }

 private:
  static void OnAsyncError(natsConnection*, natsSubscription*,
                           natsStatus error, void* closure) {
    auto* self = static_cast<NatsTarget*>(closure);
    self->async_errors_.fetch_add(1);
    if (error == NATS_SLOW_CONSUMER) self->slow_consumers_.fetch_add(1);
    if (error == NATS_MISSED_HEARTBEAT) self->missed_heartbeats_.fetch_add(1);
    if (error == NATS_MISMATCH) self->mismatches_.fetch_add(1);
  }

  const bool jetstream_;
  std::string consumer_;  // --jetstream_consumer when jetstream_
  testing::TempDir dir_;
  ServerProcess process_;
  std::vector<natsConnection*> connections_;
  std::vector<jsCtx*> contexts_;
  std::vector<const NatsSubscriber*> subscribers_;  // owned by RunFanout
  std::atomic<uint64_t> async_errors_{0}, slow_consumers_{0},
      missed_heartbeats_{0}, mismatches_{0};
};

// K sitrepd replicas on --store=jetstream over one nats-server -js (R1:
// replication is JetStream's business, fan-out is sitrepd's). Subscriber i
// is served by replica i % K; the publisher writes to replica 0, so every
// other replica serves updates it only knows from its tail of the stream.
// The --channels are split over the replicas (channel c on replica c % K).
// CPU and memory figures are the replicas' sums; each replica's CPU and
// nats-server's are noted on stderr at the end. With --replica_cpu each
// replica runs in a CPU budget of its own (bench/cpu_budget.h), nats-server
// and the load generator outside them; phase A of each run is kept in
// g_replica_runs for ReportReplicaScaling.
class ReplicasTarget final : public GrpcChannelsTarget {
 public:
  explicit ReplicasTarget(int replicas) : count_(replicas) {}
  ~ReplicasTarget() override { Stop(); }

  bool Start() override {
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
      replicas_.push_back(std::unique_ptr<System>(new System{"sitrep", {}, {}}));
      if (!replicas_.back()->Start(absl::GetFlag(FLAGS_fsync), store)) return false;
      if (budgets_ != nullptr) {
        const absl::Status placed =
            budgets_->Place(absl::StrCat("replica-", k),
                            replicas_.back()->process.pid(), budget_cores_);
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
    publisher_channel_ = MakeChannels(replicas_[0]->process.address(), 1);
    address_ = replicas_[0]->process.address();  // stalled subscribers
    // One more replica that serves nobody and has no budget: its CPU per
    // update is the tail's cost alone (the scaling law's per-update part).
    tail_.reset(new System{"sitrep", {}, {}});
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
    return s;
  }
  void MarkPhaseA(bool end, uint64_t acked) override {
    std::vector<ReplicaPhase> now(replicas_.size());
    for (size_t k = 0; k < replicas_.size(); ++k) {
      now[k].index = static_cast<int>(k);
      now[k].cpu_seconds = replicas_[k]->Stats().cpu_seconds;
      if (budgets_ != nullptr) {
        const CpuBudgets::Periods periods =
            budgets_->ReadPeriods(absl::StrCat("replica-", k));
        now[k].periods = periods.periods;
        now[k].throttled_periods = periods.throttled;
      }
    }
    for (const auto& [replica, subscriber] : served_) {
      now[replica].deliveries += subscriber->received();
    }
    const double nats_cpu = ReadProcStats(nats_.pid()).cpu_seconds;
    const double tail_cpu = tail_ != nullptr ? tail_->Stats().cpu_seconds : 0;
    if (!end) {
      phase_tail_cpu_ = tail_cpu;
      phase_start_ = now;
      phase_acked_ = acked;
      phase_nats_cpu_ = nats_cpu;
      phase_t0_ = absl::Now();
      return;
    }
    ReplicaRun run;
    run.replicas = count_;
    run.budget_cores = budgets_ != nullptr ? budget_cores_ : 0;
    run.seconds = Seconds(absl::Now() - phase_t0_);
    run.updates = acked - phase_acked_;
    run.nats_cpu_seconds = nats_cpu - phase_nats_cpu_;
    if (tail_ != nullptr) run.tail_cpu_seconds = tail_cpu - phase_tail_cpu_;
    run.matches = static_cast<double>(served_.size()) / 3;  // one mission of 3
    for (size_t k = 0; k < now.size() && k < phase_start_.size(); ++k) {
      ReplicaPhase one = now[k];
      one.cpu_seconds -= phase_start_[k].cpu_seconds;
      one.periods -= phase_start_[k].periods;
      one.throttled_periods -= phase_start_[k].throttled_periods;
      one.deliveries -= phase_start_[k].deliveries;
      run.each.push_back(one);
    }
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
    for (auto& replica : replicas_) {
      absl::StrAppend(&cpu, cpu.empty() ? "" : ", ",
                      absl::StrFormat("%.1f s", replica->Stats().cpu_seconds));
      replica->process.Stop();
    }
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
  const int count_;
  testing::TempDir dir_;
  ServerProcess nats_;
  double nats_cpu0_ = 0;
  bool stopped_ = false;
  double budget_cores_ = 0;
  std::unique_ptr<CpuBudgets> budgets_;
  std::vector<std::unique_ptr<System>> replicas_;
  // Who serves each subscriber; the subscribers are RunFanout's.
  std::vector<std::pair<size_t, const VerifyingSubscriber*>> served_;
  std::unique_ptr<System> tail_;  // the tail-only replica
  double phase_tail_cpu_ = 0;
  std::vector<ReplicaPhase> phase_start_;
  uint64_t phase_acked_ = 0;
  double phase_nats_cpu_ = 0;
  absl::Time phase_t0_;
};

std::unique_ptr<FanoutTarget> NewNatsTarget(const std::string& name) {
  if (name == "jetstream") return std::make_unique<NatsTarget>(true);
  absl::string_view count = name;
  int replicas = 0;
  if (absl::ConsumePrefix(&count, "replicas-") &&
      absl::SimpleAtoi(count, &replicas) && replicas > 0) {
    return std::make_unique<ReplicasTarget>(replicas);
  }
  if (name == "natscore") return std::make_unique<NatsTarget>(false);
  Note("unknown system %s", name.c_str());
  return nullptr;
}

#else

std::unique_ptr<FanoutTarget> NewNatsTarget(const std::string& name) {
  Note("system %s needs sitrep-bench built with libnats "
       "(scripts/install-bench-deps.sh)", name.c_str());
  return nullptr;
}

#endif  // SITREP_BENCH_NATS

// ---------------------------------------------------------------------------
// ingest

void RunIngest(const std::string& system_name, const std::string& fsync) {
  const std::string scenario =
      system_name == "ceiling" ? "ingest fsync=batch"  // stores nothing
                               : absl::StrCat("ingest fsync=", fsync);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  System system{system_name, {}, {}};
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
    const std::string figure = batch == 1 ? "stream" : "stream batched";
    StreamPublisher publisher(channels[0].stub.get(),
                              absl::StrCat("ing", getpid(), fsync, "b", batch),
                              batch);
    const size_t window = static_cast<size_t>(absl::GetFlag(FLAGS_window));
    int64_t g = 0;
    const absl::Time warm_end = absl::Now() + absl::Seconds(1);
    while (absl::Now() < warm_end && publisher.Publish(g, window)) ++g;
    const uint64_t acked0 = publisher.acked();
    publisher.set_recording(true);
    const absl::Time t0 = absl::Now();
    const absl::Time end = t0 + duration;
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

  if (system_name == "sitrep") {  // unary Publish, `callers` concurrent.
    const int callers = absl::GetFlag(FLAGS_callers);
    struct Call {
      grpc::ClientContext context;
      v1::PublishRequest request;
      v1::PublishResponse response;
      int64_t start_ns = 0;
    };
    absl::Mutex mu;
    std::vector<int64_t> latencies;
    int outstanding = 0;
    uint64_t acked = 0, errors = 0;
    std::atomic<bool> stop{false};
    std::atomic<bool> recording{false};
    std::atomic<int64_t> next_g{0};
    PayloadMaker payload(absl::StrCat("una", getpid(), fsync));
    absl::Mutex payload_mu;
    v1::SituationFeed::Stub* stub = channels[0].stub.get();
    std::function<void()> issue = [&] {
      auto* call = new Call;
      {
        absl::MutexLock lock(&payload_mu);
        call->start_ns = NowNs();
        call->request = payload.Make(next_g.fetch_add(1), call->start_ns);
      }
      stub->async()->Publish(
          &call->context, &call->request, &call->response,
          [&, call](grpc::Status status) {
            const int64_t now = NowNs();
            bool again;
            {
              absl::MutexLock lock(&mu);
              if (status.ok()) {
                ++acked;
                if (recording.load()) latencies.push_back(now - call->start_ns);
              } else if (errors++ < 3) {
                Note("Publish: %s", status.error_message().c_str());
              }
              again = !stop.load();
              if (!again) --outstanding;
            }
            delete call;
            if (again) issue();
          });
    };
    {
      absl::MutexLock lock(&mu);
      outstanding = callers;
    }
    for (int i = 0; i < callers; ++i) issue();
    absl::SleepFor(absl::Seconds(1));
    uint64_t acked0;
    {
      absl::MutexLock lock(&mu);
      acked0 = acked;
    }
    recording.store(true);
    const absl::Time t0 = absl::Now();
    absl::SleepFor(duration);
    uint64_t acked1;
    {
      absl::MutexLock lock(&mu);
      acked1 = acked;
    }
    const double seconds = Seconds(absl::Now() - t0);
    recording.store(false);
    stop.store(true);
    {
      absl::MutexLock lock(&mu);
      auto none = [&outstanding]() { return outstanding == 0; };
      mu.AwaitWithTimeout(absl::Condition(&none), absl::Seconds(30));
      std::sort(latencies.begin(), latencies.end());
      Result(scenario, system_name, "unary acked/s",
             static_cast<double>(acked1 - acked0) / seconds);
      Result(scenario, system_name, "unary p50 ms",
             Percentile(latencies, 0.5) / 1e6);
      Result(scenario, system_name, "unary p99 ms",
             Percentile(latencies, 0.99) / 1e6);
      Result(scenario, system_name, "unary errors", static_cast<double>(errors));
    }
  }
  const ProcStats end = system.Stats();
  Result(scenario, system_name, "server CPU s",
         end.cpu_seconds - stats0.cpu_seconds);
  Result(scenario, system_name, "server peak RSS MiB", end.peak_rss_kib / 1024);
  system.process.Stop();
}

#ifdef SITREP_BENCH_NATS
// Issue 20's ingest target: sitrep's PublishStream ingest through one
// --store=jetstream replica (single updates, then --publish_batch per
// message) against raw js_PublishAsync (bench/jetstream_peer.h), each on a
// fresh nats-server -js, same payload (the update as sitrep stores it,
// server-set fields included), same stream settings, R1.
bool StartJetStream(testing::TempDir* dir, ServerProcess* nats) {
  return nats->Start({absl::GetFlag(FLAGS_nats_server), "-a", "127.0.0.1", "-p",
                      "-1", "-js", "-sd", dir->path() + "/js"},
                     "", absl::Seconds(30), "Server is ready");
}

// "kfor" of MISSION_KFOR: sitrep's subject tokens (jetstream_event_log.h).
std::string SubjectToken(const std::string& enum_name) {
  return absl::AsciiStrToLower(enum_name.substr(enum_name.find('_') + 1));
}

void RunJetStreamIngest(FanoutOutcome* outcome) {
  const std::string scenario = "ingest jetstream R1";
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const int window = absl::GetFlag(FLAGS_window);
  double raw_rate = 0;
  {
    testing::TempDir dir;
    ServerProcess nats;
    if (!StartJetStream(&dir, &nats)) {
      ++outcome->failures;
      return;
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
    const ProcStats nats0 = ReadProcStats(nats.pid());
    absl::StatusOr<PeerIngest> raw =
        PublishRawJetStream(absl::StrCat("nats://", nats.address()), PeerStream(), make,
                            window, absl::Seconds(1), duration);
    if (!raw.ok()) {
      Note("%s", std::string(raw.status().message()).c_str());
      ++outcome->failures;
      return;
    }
    const double nats_cpu = ReadProcStats(nats.pid()).cpu_seconds - nats0.cpu_seconds;
    raw_rate = static_cast<double>(raw->acked) / raw->seconds;
    Result(scenario, "jetstream", "js_PublishAsync acked/s", raw_rate);
    Result(scenario, "jetstream", "errors", static_cast<double>(raw->errors));
    Result(scenario, "jetstream", "stored bytes/message", raw->stored_bytes_per_message);
    Result(scenario, "jetstream", "nats-server CPU us/update",
           raw->acked > 0 ? nats_cpu * 1e6 / static_cast<double>(raw->acked) : 0);
  }
  testing::TempDir dir;
  ServerProcess nats;
  if (!StartJetStream(&dir, &nats)) {
    ++outcome->failures;
    return;
  }
  const std::string url = absl::StrCat("nats://", nats.address());
  const std::vector<std::string> store = {"--store=jetstream", "--nats_url=" + url,
                                          "--stream=BENCH", "--nats_subject_prefix=bench"};
  System sitrep{"sitrep", {}, {}};
  // A second replica that only tails the stream (no publisher, no
  // subscriber): its CPU per update is the tail's cost alone, the part of
  // the scaling law every replica pays (docs/performance.md).
  System tail{"sitrep", {}, {}};
  if (!sitrep.Start(absl::GetFlag(FLAGS_fsync), store) ||
      !tail.Start(absl::GetFlag(FLAGS_fsync), store)) {
    ++outcome->failures;
    return;
  }
  std::vector<Channel> channels = MakeChannels(sitrep.process.address(), 1);
  double batched_rate = 0;
  for (const int batch : {1, std::max(1, absl::GetFlag(FLAGS_publish_batch))}) {
    const std::string figure = batch == 1 ? "stream" : "stream batched";
    StreamPublisher publisher(channels[0].stub.get(),
                              absl::StrCat("jsi", getpid(), "b", batch), batch);
    int64_t g = 0;
    const absl::Time warm_end = absl::Now() + absl::Seconds(1);
    while (absl::Now() < warm_end && publisher.Publish(g, window)) ++g;
    const uint64_t acked0 = publisher.acked();
    const double cpu0 = sitrep.Stats().cpu_seconds;
    const double tail0 = tail.Stats().cpu_seconds;
    const double nats0 = ReadProcStats(nats.pid()).cpu_seconds;
    const absl::Time t0 = absl::Now();
    while (absl::Now() < t0 + duration && publisher.Publish(g, window)) ++g;
    const uint64_t acked = publisher.acked() - acked0;
    const double seconds = Seconds(absl::Now() - t0);
    const double cpu = sitrep.Stats().cpu_seconds - cpu0;
    const double tail_cpu = tail.Stats().cpu_seconds - tail0;
    const double nats_cpu = ReadProcStats(nats.pid()).cpu_seconds - nats0;
    publisher.WaitAcked(absl::Seconds(30));
    const double rate = static_cast<double>(acked) / seconds;
    if (batch > 1) batched_rate = rate;
    Result(scenario, "sitrep", figure + " acked/s", rate);
    Result(scenario, "sitrep", figure + " sitrepd CPU us/update",
           acked > 0 ? cpu * 1e6 / static_cast<double>(acked) : 0);
    Result(scenario, "sitrep", figure + " tail-only replica CPU us/update",
           acked > 0 ? tail_cpu * 1e6 / static_cast<double>(acked) : 0);
    Result(scenario, "sitrep", figure + " nats-server CPU us/update",
           acked > 0 ? nats_cpu * 1e6 / static_cast<double>(acked) : 0);
    Result(scenario, "sitrep", figure + " errors", static_cast<double>(publisher.errors()));
    outcome->failures += publisher.errors();
  }
  Result(scenario, "sitrep", "stored bytes/message", StoredBytesPerMessage(url, "BENCH"));
  const double ratio = raw_rate > 0 ? batched_rate / raw_rate : 0;
  Result(scenario, "sitrep", "batched / raw JetStream %", 100 * ratio);
  std::printf("# target: sitrep batched ingest through 1 replica >= 50 %% of raw JetStream "
              "async publishing: %s (%.0f vs %.0f updates/s = %.0f %%)\n",
              ratio >= 0.5 ? "met" : "NOT MET", batched_rate, raw_rate, 100 * ratio);
  std::fflush(stdout);
  sitrep.process.Stop();
  tail.process.Stop();
}
#endif  // SITREP_BENCH_NATS

// ---------------------------------------------------------------------------
// catchup

void RunCatchup(FanoutOutcome* outcome) {
  const std::string scenario = "catchup";
  const int64_t count = absl::GetFlag(FLAGS_catchup_updates);
  System system{"sitrep", {}, {}};
  // The fill is not what is measured: no fsync.
  if (!system.Start("off")) {
    ++outcome->failures;
    return;
  }
  std::vector<Channel> channels = MakeChannels(system.process.address(), 1);
  int64_t g = 0;
  {
    StreamPublisher publisher(channels[0].stub.get(),
                              absl::StrCat("cat", getpid()),
                              absl::GetFlag(FLAGS_publish_batch));
    const absl::Time t0 = absl::Now();
    const absl::Time end = t0 + absl::GetFlag(FLAGS_fill_timeout);
    while (g < count && absl::Now() < end && publisher.Publish(g, 1024)) ++g;
    publisher.WaitAcked(absl::Seconds(60));
    Note("catchup: stored %lld updates in %.1f s", static_cast<long long>(g),
         Seconds(absl::Now() - t0));
    publisher.Close();
  }
  Result(scenario, "sitrep", "stored updates", static_cast<double>(g));
  const ProcStats stats0 = system.Stats();
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(v1::MISSION_KFOR);
  request.set_from_beginning(true);
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  subscribers.push_back(std::make_unique<Subscriber>(0));
  Subscriber& s = *subscribers[0];
  s.Start(&channels[0], request);
  WaitFor([&] { return s.caught_up() || s.done(); }, absl::Seconds(300));
  const uint64_t received = s.received();
  CancelAll(subscribers);
  const ProcStats stats1 = system.Stats();
  if (!s.caught_up()) {
    Note("catchup: no CaughtUp (%s)", s.status().error_message().c_str());
    ++outcome->failures;
    return;
  }
  s.FinishVerification(g);
  const double seconds = s.seconds_to_caught_up();
  Result(scenario, "sitrep", "scanned/s", static_cast<double>(g) / seconds);
  Result(scenario, "sitrep", "delivered/s",
         static_cast<double>(received) / seconds);
  Result(scenario, "sitrep", "seconds", seconds);
  Result(scenario, "sitrep", "lost", static_cast<double>(s.lost()));
  Result(scenario, "sitrep", "duplicates", static_cast<double>(s.duplicates()));
  Result(scenario, "sitrep", "server CPU s",
         stats1.cpu_seconds - stats0.cpu_seconds);
  Result(scenario, "sitrep", "server peak RSS MiB", stats1.peak_rss_kib / 1024);
  outcome->failures += s.lost() + s.duplicates() + s.reordered();
  system.process.Stop();
}

// ---------------------------------------------------------------------------
// idle

void RunIdle(const std::string& system_name) {
  const std::string scenario = "idle";
  const int n = absl::GetFlag(FLAGS_idle_subscribers);
  System system{system_name, {}, {}};
  if (!system.Start(absl::GetFlag(FLAGS_fsync))) return;
  std::vector<Channel> channels =
      MakeChannels(system.process.address(), absl::GetFlag(FLAGS_channels));
  absl::SleepFor(absl::Milliseconds(500));
  const ProcStats before = system.Stats();
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < n; ++i) {
    subscribers.push_back(std::make_unique<Subscriber>(i % 3));
    subscribers.back()->Start(&channels[static_cast<size_t>(i) % channels.size()],
                              MissionRequest(i % 3, 3600));
  }
  int started = 0;
  WaitFor(
      [&] {
        started = 0;
        for (auto& s : subscribers) started += s->caught_up() ? 1 : 0;
        return started == n;
      },
      absl::Seconds(180));
  absl::SleepFor(absl::Seconds(2));
  const ProcStats after = system.Stats();
  Result(scenario, system_name, "subscribers", started);
  Result(scenario, system_name, "RSS KiB/subscriber",
         started > 0 ? (after.rss_kib - before.rss_kib) / started : 0);
  Result(scenario, system_name, "server CPU s",
         after.cpu_seconds - before.cpu_seconds);
  Result(scenario, system_name, "server peak RSS MiB", after.peak_rss_kib / 1024);
  CancelAll(subscribers);
  system.process.Stop();
}

// ---------------------------------------------------------------------------
// fairness: issue 17's M-5 experiment. Three principals under an access
// policy: "flood-readers" holds --fair_idle_subscribers streams of
// --fair_idle_mission whose filter matches none of the updates
// (--fair_idle_filter=box: a bounding box, which no wake key indexes, so
// every append of that mission wakes them all and only the per-principal
// round-robin protects others; =label: a label selector, which the wake
// keys skip); "flood-publisher" publishes KFOR at --fair_rate/s on a
// PublishStream; "victim" publishes EULEX at 20/s and follows EULEX. With
// the idle streams on the Kosovo Police (nobody publishes) their cursors
// fall behind the flood between heartbeats (before the heartbeat skip, each
// heartbeat scanned and read it all back); on EULEX every victim publish
// wakes them. Phase A:
// the victim alone; phase B: with the flood. The figures are the victim's
// publish->deliver latencies per phase.

constexpr char kFloodReaders[] = "sitrep_bench-flood-readers-0123456789";
constexpr char kFloodPublisher[] = "sitrep_bench-flood-publisher-0123456789";
constexpr char kVictim[] = "sitrep_bench-victim-0123456789";

std::string FairnessPolicy() {
  return testing::AccessPolicyBuilder()
      .Principal("flood-readers").Token(kFloodReaders).Read({"EULEX", "KOSOVO_POLICE"})
      .Principal("flood-publisher").Token(kFloodPublisher).Publish({"KFOR"})
      .Principal("victim").Token(kVictim).Publish({"EULEX"}).Read({"EULEX"})
      .Json();
}

// One idle stream: reads (and counts) whatever comes until cancelled.
class IdleStream final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  IdleStream(v1::SituationFeed::Stub* stub, const v1::SubscribeRequest& request)
      : request_(request) {
    context_.AddMetadata("authorization", absl::StrCat("Bearer ", kFloodReaders));
    stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (response_.has_caught_up()) caught_up_.store(true);
    matched_.fetch_add(response_.updates_size());
    StartRead(&response_);
  }
  void OnDone(const grpc::Status&) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }
  void Cancel() { context_.TryCancel(); }
  void AwaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Seconds(30));
  }
  bool caught_up() const { return caught_up_.load(); }
  int64_t matched() const { return matched_.load(); }

 private:
  const v1::SubscribeRequest request_;
  grpc::ClientContext context_;
  v1::SubscribeResponse response_;
  std::atomic<bool> caught_up_{false};
  std::atomic<int64_t> matched_{0};
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

void RunFairness(FanoutOutcome* outcome) {
  const std::string scenario =
      absl::StrCat("fairness N=", absl::GetFlag(FLAGS_fair_idle_subscribers),
                   " ", absl::GetFlag(FLAGS_fair_idle_mission), " ",
                   absl::GetFlag(FLAGS_fair_idle_filter));
  System system{"sitrep", {}, {}};
  const std::string policy = system.dir.path() + "/policy.json";
  {
    std::ofstream out(policy);
    out << FairnessPolicy();
  }
  const double rate = absl::GetFlag(FLAGS_fair_rate);
  if (!system.Start(absl::GetFlag(FLAGS_fsync),
                    {"--auth_file=" + policy,
                     // Inside the quotas, as in the experiment.
                     absl::StrCat("--publish_rate=", rate * 1.2),
                     "--max_streams_per_principal=1000",
                     absl::StrCat("--ring_capacity=",
                                  absl::GetFlag(FLAGS_fair_ring_capacity))})) {
    Note("%s: cannot start sitrepd", scenario.c_str());
    ++outcome->failures;
    return;
  }
  std::vector<Channel> channels =
      MakeChannels(system.process.address(), absl::GetFlag(FLAGS_channels));

  // The idle streams.
  v1::SubscribeRequest idle_request;
  idle_request.mutable_heartbeat_interval()->set_seconds(absl::ToInt64Seconds(
      absl::GetFlag(FLAGS_fair_idle_heartbeat)));
  const bool idle_kp = absl::GetFlag(FLAGS_fair_idle_mission) == "kp";
  idle_request.mutable_filter()->add_missions(
      idle_kp ? v1::MISSION_KOSOVO_POLICE : v1::MISSION_EULEX);
  if (absl::GetFlag(FLAGS_fair_idle_filter) == "label") {
    idle_request.mutable_filter()->set_label_selector("unit=nobody");
  } else {
    v1::BoundingBox* box = idle_request.mutable_filter()->mutable_bounding_box();
    box->set_min_latitude(42.0);
    box->set_max_latitude(42.1);
    box->set_min_longitude(21.0);
    box->set_max_longitude(21.1);
  }
  std::vector<std::unique_ptr<IdleStream>> idle;
  for (int i = 0; i < absl::GetFlag(FLAGS_fair_idle_subscribers); ++i) {
    idle.push_back(std::make_unique<IdleStream>(
        channels[static_cast<size_t>(i) % channels.size()].stub.get(),
        idle_request));
  }
  if (!WaitFor(
          [&] {
            for (auto& s : idle) {
              if (!s->caught_up()) return false;
            }
            return true;
          },
          absl::Seconds(120))) {
    Note("%s: idle streams did not all start", scenario.c_str());
    ++outcome->failures;
  }

  // The victim's stream: latency from label "t" = "<phase>:<n>:<ns>".
  absl::Mutex mu;
  std::vector<int64_t> latencies[2];
  int64_t received[2] = {0, 0};
  grpc::ClientContext victim_context;
  victim_context.AddMetadata("authorization", absl::StrCat("Bearer ", kVictim));
  v1::SubscribeRequest victim_request;
  victim_request.mutable_filter()->add_missions(v1::MISSION_EULEX);
  auto victim_reader = channels[0].stub->Subscribe(&victim_context, victim_request);
  std::thread victim_thread([&] {
    v1::SubscribeResponse response;
    while (victim_reader->Read(&response)) {
      const int64_t now = NowNs();
      for (const v1::SituationUpdate& u : response.updates()) {
        auto it = u.labels().find("t");
        if (it == u.labels().end()) continue;
        std::vector<std::string> parts = absl::StrSplit(it->second, ':');
        int64_t sent = 0;
        if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &sent)) continue;
        const int phase = parts[0] == "B" ? 1 : 0;
        absl::MutexLock lock(&mu);
        latencies[phase].push_back(now - sent);
        ++received[phase];
      }
    }
  });

  // The victim publishes 20 updates/s during one phase.
  int64_t published[2] = {0, 0};
  int64_t victim_errors = 0;
  auto victim_publish = [&](int phase, absl::Duration duration) {
    const absl::Time end = absl::Now() + duration;
    for (int64_t n = 0; absl::Now() < end; ++n) {
      v1::PublishRequest request;
      v1::SituationUpdate* u = request.mutable_update();
      u->set_mission(v1::MISSION_EULEX);
      u->set_role(v1::ROLE_SECOND_RESPONDER);
      u->set_severity(v1::SEVERITY_MINOR);
      u->set_category(v1::CATEGORY_PATROL);
      u->set_headline("Victim's patrol");
      u->mutable_location()->set_municipality("Prishtinë");
      (*u->mutable_labels())["t"] =
          absl::StrCat(phase == 1 ? "B" : "A", ":", n, ":", NowNs());
      grpc::ClientContext context;
      context.AddMetadata("authorization", absl::StrCat("Bearer ", kVictim));
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
      v1::PublishResponse response;
      if (channels[0].stub->Publish(&context, request, &response).ok()) {
        ++published[phase];
      } else {
        ++victim_errors;
      }
      absl::SleepFor(absl::Milliseconds(50));  // pacing, 20/s
    }
  };

  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const ProcStats a0 = system.Stats();
  victim_publish(0, duration);
  const ProcStats a1 = system.Stats();

  // The flood: --fair_rate KFOR updates/s in batches every 10 ms.
  std::atomic<bool> flooding{true};
  std::atomic<int64_t> flood_acked{0};
  grpc::ClientContext flood_context;
  flood_context.AddMetadata("authorization",
                            absl::StrCat("Bearer ", kFloodPublisher));
  auto flood = channels[1 % channels.size()].stub->PublishStream(&flood_context);
  std::thread flood_acks([&] {
    v1::PublishAck ack;
    while (flood->Read(&ack)) {
      flood_acked.fetch_add(ack.batch_size() > 0 ? ack.batch_size() : 1);
    }
  });
  std::thread flood_writer([&] {
    const int per_tick = std::max(1, static_cast<int>(rate / 100));
    int64_t n = 0;
    absl::Time next = absl::Now();
    const int batch = std::max(1, absl::GetFlag(FLAGS_fair_flood_batch));
    bool writing = true;
    while (writing && flooding.load()) {
      for (int i = 0; i < per_tick; i += batch) {
        v1::PublishRequest message;
        for (int k = 0; k < batch && i + k < per_tick; ++k, ++n) {
          v1::SituationUpdate* u =
              batch == 1 ? message.mutable_update()
                         : message.add_batch()->mutable_update();
          u->set_mission(v1::MISSION_KFOR);
          u->set_role(v1::ROLE_THIRD_RESPONDER);
          u->set_severity(v1::SEVERITY_MINOR);
          u->set_category(v1::CATEGORY_PATROL);
          u->set_headline("Flood patrol");
          u->set_event_id(absl::StrCat("flood-", n));
          u->mutable_location()->set_municipality("Prishtinë");
          (*u->mutable_labels())["unit"] = "flood";
        }
        if (!flood->Write(message)) {
          writing = false;
          break;
        }
      }
      next += absl::Milliseconds(10);
      absl::SleepFor(next - absl::Now());  // pacing
    }
    flood->WritesDone();
  });
  absl::SleepFor(absl::GetFlag(FLAGS_warmup));
  const ProcStats b0 = system.Stats();
  const int64_t acked0 = flood_acked.load();
  victim_publish(1, duration);
  const int64_t acked1 = flood_acked.load();
  const ProcStats b1 = system.Stats();
  flooding.store(false);
  flood_writer.join();
  flood_acks.join();
  (void)flood->Finish();

  // Drain: every victim update must arrive.
  WaitFor(
      [&] {
        absl::MutexLock lock(&mu);
        return received[0] >= published[0] && received[1] >= published[1];
      },
      absl::GetFlag(FLAGS_drain_timeout));
  victim_context.TryCancel();
  victim_thread.join();
  (void)victim_reader->Finish();
  int64_t idle_matched = 0;
  for (auto& s : idle) {
    idle_matched += s->matched();
    s->Cancel();
  }
  for (auto& s : idle) s->AwaitDone();

  absl::MutexLock lock(&mu);
  int64_t lost = 0;
  const char* names[2] = {"A", "B"};
  for (int phase = 0; phase < 2; ++phase) {
    std::vector<int64_t>& l = latencies[phase];
    std::sort(l.begin(), l.end());
    Result(scenario, "sitrep", absl::StrCat(names[phase], " victim p50 ms"),
           Percentile(l, 0.50) / 1e6);
    Result(scenario, "sitrep", absl::StrCat(names[phase], " victim p99 ms"),
           Percentile(l, 0.99) / 1e6);
    Result(scenario, "sitrep", absl::StrCat(names[phase], " victim max ms"),
           l.empty() ? 0 : static_cast<double>(l.back()) / 1e6);
    lost += std::max<int64_t>(0, published[phase] - received[phase]);
  }
  const double b_seconds = Seconds(duration);
  Result(scenario, "sitrep", "B flood acked/s",
         static_cast<double>(acked1 - acked0) / b_seconds);
  Result(scenario, "sitrep", "A server CPU s", a1.cpu_seconds - a0.cpu_seconds);
  Result(scenario, "sitrep", "B server CPU s", b1.cpu_seconds - b0.cpu_seconds);
  Result(scenario, "sitrep", "idle streams' updates",
         static_cast<double>(idle_matched));
  Result(scenario, "sitrep", "victim lost", static_cast<double>(lost));
  Result(scenario, "sitrep", "victim publish errors",
         static_cast<double>(victim_errors));
  const double p99_b = Percentile(latencies[1], 0.99) / 1e6;
  const double bound = absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_fair_max_p99));
  if (lost > 0 || victim_errors > 0 || idle_matched > 0 || latencies[1].empty() ||
      p99_b > bound) {
    Note("%s: victim lost %lld, errors %lld, idle got %lld, B p99 %.1f ms "
         "(bound %.0f ms)",
         scenario.c_str(), static_cast<long long>(lost),
         static_cast<long long>(victim_errors),
         static_cast<long long>(idle_matched), p99_b, bound);
    ++outcome->failures;
  }
  system.process.Stop();
}

// ---------------------------------------------------------------------------
// sqlite: the raw reference for ingest.

bool Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    Note("sqlite: %s: %s", sql, error ? error : "?");
    sqlite3_free(error);
    return false;
  }
  return true;
}

void RunSqlite() {
  testing::TempDir dir;
  const std::string path = dir.path() + "/raw.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return;
  // Same shape as server/log/sqlite_event_log.cc; synchronous=NORMAL in WAL
  // is what sitrepd's --fsync=batch uses.
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, "PRAGMA synchronous=NORMAL");
  Exec(db,
       "CREATE TABLE updates(sequence INTEGER PRIMARY KEY, publisher TEXT NOT "
       "NULL, event_id TEXT NOT NULL, received_at_us INTEGER NOT NULL, "
       "mission INTEGER NOT NULL, role INTEGER NOT NULL, severity INTEGER NOT "
       "NULL, category INTEGER NOT NULL, municipality TEXT NOT NULL, "
       "incident_id TEXT NOT NULL, body BLOB NOT NULL, UNIQUE(publisher, "
       "event_id));"
       "CREATE INDEX updates_by_received_at ON updates(received_at_us);"
       "CREATE INDEX updates_by_incident ON updates(incident_id);");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(
      db,
      "INSERT INTO updates(sequence, publisher, event_id, received_at_us, "
      "mission, role, severity, category, municipality, incident_id, body) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
      -1, &insert, nullptr);
  PayloadMaker payload(absl::StrCat("sql", getpid()));
  const int64_t rows = absl::GetFlag(FLAGS_sqlite_rows);
  const absl::Duration limit = absl::GetFlag(FLAGS_duration);
  const absl::Time t0 = absl::Now();
  int64_t g = 0;
  while (g < rows && absl::Now() - t0 < limit) {
    Exec(db, "BEGIN IMMEDIATE");
    for (int i = 0; i < 1024; ++i, ++g) {
      v1::SituationUpdate update = payload.Make(g, NowNs()).update();
      update.set_sequence(static_cast<uint64_t>(g + 1));
      update.set_publisher("anonymous");
      update.mutable_location()->set_municipality("prishtine");
      const std::string body = update.SerializeAsString();
      sqlite3_bind_int64(insert, 1, g + 1);
      sqlite3_bind_text(insert, 2, "anonymous", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 3, update.event_id().c_str(), -1,
                        SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 4, absl::ToUnixMicros(absl::Now()));
      sqlite3_bind_int64(insert, 5, update.mission());
      sqlite3_bind_int64(insert, 6, update.role());
      sqlite3_bind_int64(insert, 7, update.severity());
      sqlite3_bind_int64(insert, 8, update.category());
      sqlite3_bind_text(insert, 9, "prishtine", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 10, "", -1, SQLITE_STATIC);
      sqlite3_bind_blob(insert, 11, body.data(), static_cast<int>(body.size()),
                        SQLITE_TRANSIENT);
      if (sqlite3_step(insert) != SQLITE_DONE) {
        Note("sqlite insert: %s", sqlite3_errmsg(db));
      }
      sqlite3_reset(insert);
    }
    Exec(db, "COMMIT");
  }
  const double seconds = Seconds(absl::Now() - t0);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  Result("raw SQLite (reference)", "sqlite", "rows/s (1024-row tx)",
         static_cast<double>(g) / seconds);
}

}  // namespace
}  // namespace sitrep::bench

#include "bench/fanout_sse.inc"  // NOLINT(build/include): a fragment

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "sitrep-bench --scenario=fanout|replicas|jetstream-ingest|ingest|catchup|"
      "idle|fairness|"
      "sqlite "
      "[--systems=sitrep,ceiling] ...: prints RESULT lines (see "
      "bench/run.sh)");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  using namespace sitrep::bench;
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  const std::vector<std::string> systems =
      absl::StrSplit(absl::GetFlag(FLAGS_systems), ',', absl::SkipEmpty());
  FanoutOutcome outcome;
  if (scenario == "fanout") {
    for (const std::string& system : systems) {
      RunFanout(system, absl::GetFlag(FLAGS_subscribers), &outcome);
    }
  } else if (scenario == "replicas") {
    // The fanout run against 1, 2, ... sitrepd replicas over one stream.
    for (absl::string_view count :
         absl::StrSplit(absl::GetFlag(FLAGS_replica_counts), ',', absl::SkipEmpty())) {
      RunFanout(absl::StrCat("replicas-", count), absl::GetFlag(FLAGS_subscribers),
                &outcome);
    }
    ReportReplicaScaling(g_replica_runs, outcome.failures);
#ifdef SITREP_BENCH_NATS
  } else if (scenario == "jetstream-ingest") {
    RunJetStreamIngest(&outcome);
#endif
  } else if (scenario == "ingest") {
    for (const std::string& system : systems) {
      if (system == "ceiling") {
        RunIngest(system, "off");
        continue;
      }
      for (absl::string_view fsync :
           absl::StrSplit(absl::GetFlag(FLAGS_fsync), ',')) {
        RunIngest(system, std::string(fsync));
      }
    }
  } else if (scenario == "catchup") {
    RunCatchup(&outcome);
  } else if (scenario == "fairness") {
    RunFairness(&outcome);
  } else if (scenario == "idle") {
    for (const std::string& system : systems) RunIdle(system);
  } else if (scenario == "sqlite") {
    RunSqlite();
  } else if (scenario == "recovery" || scenario == "dashboards" ||
             scenario == "replica_join") {
    // bench/{recovery,dashboards,replica_join}_scenario.h
    const ResultFn result = [](const std::string& s, const std::string& f,
                               double v) { Result(s, "sitrep", f, v); };
    const std::string& sitrepd = absl::GetFlag(FLAGS_sitrepd);
    if (!(scenario == "recovery"     ? RunRecovery(sitrepd, result)
          : scenario == "dashboards" ? RunDashboards(sitrepd, result)
                                     : RunReplicaJoin(sitrepd,
                                                      absl::GetFlag(FLAGS_nats_server),
                                                      result))) {
      ++outcome.failures;
    }
  } else {
    std::fprintf(stderr, "sitrep-bench: unknown --scenario=%s\n",
                 scenario.c_str());
    return 2;
  }
  if (outcome.failures > 0) {
    std::fprintf(stderr, "sitrep-bench: %llu failures (loss, duplicate, "
                 "reorder, contract violation or error)\n",
                 static_cast<unsigned long long>(outcome.failures));
    if (absl::GetFlag(FLAGS_check)) return 1;
  }
  return 0;
}
