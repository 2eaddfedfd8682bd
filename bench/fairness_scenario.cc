// --scenario=fairness: issue 17's M-5 experiment. Three principals under
// an access policy: "flood-readers" holds --fair_idle_subscribers streams of
// --fair_idle_mission whose filter matches none of the updates
// (--fair_idle_filter=box: a bounding box, which no wake key indexes, so
// every append of that mission wakes them all and only the per-principal
// round-robin protects others; =label: a label selector, which the wake
// keys skip); "flood-publisher" publishes KFOR at --fair_rate/s on a
// PublishStream; "victim" publishes EULEX at 20/s and follows EULEX. With
// the idle streams on the Kosovo Police (nobody publishes) their cursors
// fall behind the flood between heartbeats (before the heartbeat skip, each
// heartbeat scanned and read it all back); on EULEX every victim publish
// wakes them. Phase A: the victim alone; phase B: with the flood. The
// figures are the victim's publish->deliver latencies per phase.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/grpc_channels.h"
#include "bench/scenarios.h"
#include "bench/system_under_test.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/support/access_policy_builder.h"

namespace sitrep::bench {
namespace {

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

// sitrepd under the three principals' policy, inside their quotas as in
// the experiment; false (with a note) when it did not start.
bool StartFairnessServer(const std::string& scenario, double rate,
                         System* system) {
  const std::string policy = system->dir.path() + "/policy.json";
  {
    std::ofstream out(policy);
    out << FairnessPolicy();
  }
  if (!system->Start(absl::GetFlag(FLAGS_fsync),
                     {"--auth_file=" + policy,
                      // Inside the quotas, as in the experiment.
                      absl::StrCat("--publish_rate=", rate * 1.2),
                      "--max_streams_per_principal=1000",
                      absl::StrCat("--ring_capacity=",
                                   absl::GetFlag(FLAGS_fair_ring_capacity))})) {
    Note("%s: cannot start sitrepd", scenario.c_str());
    return false;
  }
  return true;
}

// The idle streams' Subscribe: --fair_idle_mission, a filter that matches
// none of the updates (--fair_idle_filter), --fair_idle_heartbeat.
v1::SubscribeRequest IdleRequest() {
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
  return idle_request;
}

// --fair_idle_subscribers idle streams over `channels`; false when they
// did not all catch up within 120 s.
bool OpenIdleStreams(std::vector<Channel>& channels,
                     std::vector<std::unique_ptr<IdleStream>>* idle) {
  const v1::SubscribeRequest idle_request = IdleRequest();
  for (int i = 0; i < absl::GetFlag(FLAGS_fair_idle_subscribers); ++i) {
    idle->push_back(std::make_unique<IdleStream>(
        channels[static_cast<size_t>(i) % channels.size()].stub.get(),
        idle_request));
  }
  return WaitFor(
      [&] {
        for (auto& s : *idle) {
          if (!s->caught_up()) return false;
        }
        return true;
      },
      absl::Seconds(120));
}

// The victim: follows EULEX on one stream (a thread of its own) and
// publishes 20 updates/s with unary calls during a phase. Its latencies
// come from label "t" = "<phase>:<n>:<ns>".
class Victim {
 public:
  // Phase 0 is A (alone), 1 is B (with the flood).
  static constexpr int kPhases = 2;

  // Starts following on `stub` (borrowed; must outlive the victim).
  void Follow(v1::SituationFeed::Stub* stub) {
    context_.AddMetadata("authorization", absl::StrCat("Bearer ", kVictim));
    v1::SubscribeRequest request;
    request.mutable_filter()->add_missions(v1::MISSION_EULEX);
    reader_ = stub->Subscribe(&context_, request);
    thread_ = std::thread([this] { Read(); });
  }

  // Publishes 20 updates/s for `duration`.
  void Publish(v1::SituationFeed::Stub* stub, int phase,
               absl::Duration duration) {
    const absl::Time end = absl::Now() + duration;
    for (int64_t n = 0; absl::Now() < end; ++n) {
      const v1::PublishRequest request = Update(phase, n);
      grpc::ClientContext context;
      context.AddMetadata("authorization", absl::StrCat("Bearer ", kVictim));
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
      v1::PublishResponse response;
      if (stub->Publish(&context, request, &response).ok()) {
        ++published_[phase];
      } else {
        ++errors_;
      }
      absl::SleepFor(absl::Milliseconds(50));  // pacing, 20/s
    }
  }

  // Waits up to `timeout` for every update published to arrive, then ends
  // the stream.
  void Drain(absl::Duration timeout) {
    WaitFor(
        [&] {
          absl::MutexLock lock(&mu_);
          return received_[0] >= published_[0] && received_[1] >= published_[1];
        },
        timeout);
    context_.TryCancel();
    thread_.join();
    (void)reader_->Finish();
  }

  // After Drain().
  int64_t lost() {
    absl::MutexLock lock(&mu_);
    int64_t lost = 0;
    for (int phase = 0; phase < kPhases; ++phase) {
      lost += std::max<int64_t>(0, published_[phase] - received_[phase]);
    }
    return lost;
  }
  int64_t errors() const { return errors_; }
  // Sorted, after Drain().
  std::vector<int64_t> Latencies(int phase) {
    absl::MutexLock lock(&mu_);
    std::vector<int64_t> l = latencies_[phase];
    std::sort(l.begin(), l.end());
    return l;
  }

 private:
  static v1::PublishRequest Update(int phase, int64_t n) {
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
    return request;
  }

  void Read() {
    v1::SubscribeResponse response;
    while (reader_->Read(&response)) {
      const int64_t now = NowNs();
      for (const v1::SituationUpdate& u : response.updates()) {
        auto it = u.labels().find("t");
        if (it == u.labels().end()) continue;
        std::vector<std::string> parts = absl::StrSplit(it->second, ':');
        int64_t sent = 0;
        if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &sent)) continue;
        const int phase = parts[0] == "B" ? 1 : 0;
        absl::MutexLock lock(&mu_);
        latencies_[phase].push_back(now - sent);
        ++received_[phase];
      }
    }
  }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  std::thread thread_;
  // The publishing thread's (the caller's) only.
  int64_t published_[kPhases] = {0, 0};
  int64_t errors_ = 0;
  absl::Mutex mu_;
  std::vector<int64_t> latencies_[kPhases] ABSL_GUARDED_BY(mu_);
  int64_t received_[kPhases] ABSL_GUARDED_BY(mu_) = {0, 0};
};

// The flood: --fair_rate KFOR updates/s in batches every 10 ms on one
// PublishStream of "flood-publisher"; a writer and an ack reader thread.
class Flood {
 public:
  void Start(v1::SituationFeed::Stub* stub, double rate) {
    context_.AddMetadata("authorization",
                         absl::StrCat("Bearer ", kFloodPublisher));
    stream_ = stub->PublishStream(&context_);
    acks_ = std::thread([this] {
      v1::PublishAck ack;
      while (stream_->Read(&ack)) {
        acked_.fetch_add(ack.batch_size() > 0 ? ack.batch_size() : 1);
      }
    });
    writer_ = std::thread([this, rate] { Write(rate); });
  }
  int64_t acked() const { return acked_.load(); }
  void Stop() {
    flooding_.store(false);
    writer_.join();
    acks_.join();
    (void)stream_->Finish();
  }

 private:
  void Write(double rate) {
    const int per_tick = std::max(1, static_cast<int>(rate / 100));
    int64_t n = 0;
    absl::Time next = absl::Now();
    const int batch = std::max(1, absl::GetFlag(FLAGS_fair_flood_batch));
    bool writing = true;
    while (writing && flooding_.load()) {
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
        if (!stream_->Write(message)) {
          writing = false;
          break;
        }
      }
      next += absl::Milliseconds(10);
      absl::SleepFor(next - absl::Now());  // pacing
    }
    stream_->WritesDone();
  }

  std::atomic<bool> flooding_{true};
  std::atomic<int64_t> acked_{0};
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream_;
  std::thread acks_;
  std::thread writer_;
};

// Server CPU of each phase and the flood's rate in phase B.
struct FairnessLoad {
  ProcStats a0, a1, b0, b1;
  int64_t flood_acked0 = 0, flood_acked1 = 0;
};

// The figures, and a failure when the victim lost an update, saw an
// error, the idle streams got an update or phase B's p99 passed
// --fair_max_p99.
void ReportFairness(const std::string& scenario, Victim& victim,
                    const FairnessLoad& load, int64_t idle_matched,
                    FanoutOutcome* outcome) {
  const char* names[2] = {"A", "B"};
  std::vector<int64_t> latencies[Victim::kPhases];
  for (int phase = 0; phase < Victim::kPhases; ++phase) {
    std::vector<int64_t>& l = latencies[phase];
    l = victim.Latencies(phase);
    Result(scenario, "sitrep", absl::StrCat(names[phase], " victim p50 ms"),
           Percentile(l, 0.50) / 1e6);
    Result(scenario, "sitrep", absl::StrCat(names[phase], " victim p99 ms"),
           Percentile(l, 0.99) / 1e6);
    Result(scenario, "sitrep", absl::StrCat(names[phase], " victim max ms"),
           l.empty() ? 0 : static_cast<double>(l.back()) / 1e6);
  }
  const int64_t lost = victim.lost();
  const double b_seconds = Seconds(absl::GetFlag(FLAGS_duration));
  Result(scenario, "sitrep", "B flood acked/s",
         static_cast<double>(load.flood_acked1 - load.flood_acked0) / b_seconds);
  Result(scenario, "sitrep", "A server CPU s",
         load.a1.cpu_seconds - load.a0.cpu_seconds);
  Result(scenario, "sitrep", "B server CPU s",
         load.b1.cpu_seconds - load.b0.cpu_seconds);
  Result(scenario, "sitrep", "idle streams' updates",
         static_cast<double>(idle_matched));
  Result(scenario, "sitrep", "victim lost", static_cast<double>(lost));
  Result(scenario, "sitrep", "victim publish errors",
         static_cast<double>(victim.errors()));
  const double p99_b = Percentile(latencies[1], 0.99) / 1e6;
  const double bound = absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_fair_max_p99));
  if (lost > 0 || victim.errors() > 0 || idle_matched > 0 ||
      latencies[1].empty() || p99_b > bound) {
    Note("%s: victim lost %lld, errors %lld, idle got %lld, B p99 %.1f ms "
         "(bound %.0f ms)",
         scenario.c_str(), static_cast<long long>(lost),
         static_cast<long long>(victim.errors()),
         static_cast<long long>(idle_matched), p99_b, bound);
    ++outcome->failures;
  }
}

}  // namespace

void RunFairness(FanoutOutcome* outcome) {
  const std::string scenario =
      absl::StrCat("fairness N=", absl::GetFlag(FLAGS_fair_idle_subscribers),
                   " ", absl::GetFlag(FLAGS_fair_idle_mission), " ",
                   absl::GetFlag(FLAGS_fair_idle_filter));
  System system{"sitrep"};
  const double rate = absl::GetFlag(FLAGS_fair_rate);
  if (!StartFairnessServer(scenario, rate, &system)) {
    ++outcome->failures;
    return;
  }
  std::vector<Channel> channels =
      MakeChannels(system.process.address(), absl::GetFlag(FLAGS_channels));
  std::vector<std::unique_ptr<IdleStream>> idle;
  if (!OpenIdleStreams(channels, &idle)) {
    Note("%s: idle streams did not all start", scenario.c_str());
    ++outcome->failures;
  }
  Victim victim;
  victim.Follow(channels[0].stub.get());

  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  FairnessLoad load;
  load.a0 = system.Stats();
  victim.Publish(channels[0].stub.get(), 0, duration);
  load.a1 = system.Stats();
  Flood flood;
  flood.Start(channels[1 % channels.size()].stub.get(), rate);
  absl::SleepFor(absl::GetFlag(FLAGS_warmup));
  load.b0 = system.Stats();
  load.flood_acked0 = flood.acked();
  victim.Publish(channels[0].stub.get(), 1, duration);
  load.flood_acked1 = flood.acked();
  load.b1 = system.Stats();
  flood.Stop();

  // Drain: every victim update must arrive.
  victim.Drain(absl::GetFlag(FLAGS_drain_timeout));
  int64_t idle_matched = 0;
  for (auto& s : idle) {
    idle_matched += s->matched();
    s->Cancel();
  }
  for (auto& s : idle) s->AwaitDone();
  ReportFairness(scenario, victim, load, idle_matched, outcome);
  system.process.Stop();
}

}  // namespace sitrep::bench
