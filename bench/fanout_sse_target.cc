// The SSE system of sitrep-bench --scenario=fanout (issue 24): sitrepd
// publishing over gRPC as for "sitrep", its subscribers browsers, i.e. raw
// HTTP/1.1 connections to the HTTP gateway reading GET /v1/stream
// (text/event-stream) with the same mission filters (bench/http_load.h).
// Every update is checked like a gRPC subscriber's (order, loss, duplicates,
// latency from the publish time in its label "b").
//
// A FanoutTarget of RunFanout (bench/fanout_target.h).
//
//   sitrep-bench --scenario=fanout --systems=sitrep,sse,natscore

#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/fanout_target.h"
#include "bench/http_load.h"
#include "bench/system_under_test.h"

ABSL_FLAG(int, sse_threads, 2,
          "fanout sse: epoll threads of the SSE load generator");

namespace sitrep::bench {
namespace {

std::string_view AsStd(absl::string_view s) { return {s.data(), s.size()}; }

// One browser's event stream. Its callbacks run on one HttpLoad loop.
class SseSubscriber final : public VerifyingSubscriber {
 public:
  SseSubscriber(HttpLoad* load, int mission_index)
      : VerifyingSubscriber(mission_index), load_(load) {}

  void Start(int port) {
    start_ns_ = NowNs();
    id_ = load_->OpenStream(
        port,
        absl::StrCat("/v1/stream?filter.missions=", mission_index() + 1,
                     "&heartbeat_interval=5s"),
        [this](const HttpLoad::Event& e, int64_t now) { OnEvent(e, now); },
        [this] {
          AddReceived(read_updates_, read_bytes_);
          read_updates_ = read_bytes_ = 0;
        },
        [this](int status, absl::string_view) {
          if (status != 200) ++contract_violations_;
          SetDone();
        });
    if (id_ < 0) {
      ++contract_violations_;
      SetDone();
    }
  }

  void Cancel() override { load_->Close(id_); }

 private:
  // The mission and label "b" of an update's JSON, found by their keys
  // (the gateway writes protobuf's canonical JSON: "mission":"MISSION_X",
  // "labels":{"b":"g:t",...}); a full JSON parse would make the load
  // generator the bottleneck.
  static bool DecodeJson(absl::string_view json, DecodedUpdate* u) {
    constexpr absl::string_view kMission = "\"mission\":\"";
    constexpr absl::string_view kLabel = "\"b\":\"";
    size_t at = json.find(kMission);
    if (at == absl::string_view::npos) return false;
    at += kMission.size();
    absl::string_view name = json.substr(at, json.find('"', at) - at);
    v1::Mission mission;
    if (!v1::Mission_Parse(std::string(name), &mission)) return false;
    u->mission = static_cast<int>(mission);
    at = json.find(kLabel);
    if (at == absl::string_view::npos) return false;
    at += kLabel.size();
    absl::string_view value = json.substr(at, json.find('"', at) - at);
    const size_t colon = value.find(':');
    if (colon == absl::string_view::npos) return false;
    u->g = ParseDigits(AsStd(value.substr(0, colon)));
    u->t_ns = ParseDigits(AsStd(value.substr(colon + 1)));
    return true;
  }

  void OnEvent(const HttpLoad::Event& e, int64_t now) {
    if (e.type == "update") {
      DecodedUpdate u;
      const int64_t sequence = ParseDigits(AsStd(e.id));
      if (sequence <= 0 || !DecodeJson(e.data, &u)) {
        ++contract_violations_;
        return;
      }
      u.sequence = static_cast<uint64_t>(sequence);
      OnUpdate(u, now, g_recording.load(std::memory_order_relaxed));
      ++read_updates_;
      read_bytes_ += e.data.size();
    } else if (e.type == "caught_up") {
      SetCaughtUp(now);
    } else if (e.type == "heartbeat") {
      ++heartbeats_;
    } else if (e.type == "gap") {
      ++gaps_;
    } else if (e.type != "hello") {
      ++contract_violations_;  // error, left_view: not in this run
    }
  }

  HttpLoad* const load_;
  int id_ = -1;
  uint64_t read_updates_ = 0, read_bytes_ = 0;  // of the current read
};

class SseTarget final : public GrpcChannelsTarget {
 public:
  explicit SseTarget(std::string scenario)
      : scenario_(std::move(scenario)), system_{"sitrep"} {}

  bool Start() override {
    const std::string http_port_file = system_.dir.path() + "/http_port";
    if (!system_.Start(absl::GetFlag(FLAGS_fsync),
                       {"--http_address=127.0.0.1:0",
                        "--http_port_file=" + http_port_file,
                        // Every subscriber is a connection of its own.
                        absl::StrCat("--http_max_connections=",
                                     absl::GetFlag(FLAGS_subscribers) + 512)})) {
      return false;
    }
    if (!WaitFor([&] { return std::ifstream(http_port_file) >> http_port_; },
                 absl::Seconds(10))) {
      Note("sse: sitrepd wrote no %s", http_port_file.c_str());
      return false;
    }
    address_ = system_.process.address();
    publisher_channel_ = MakeChannels(address_, 1);
    load_ = std::make_unique<HttpLoad>(absl::GetFlag(FLAGS_sse_threads));
    return true;
  }

  std::unique_ptr<VerifyingSubscriber> Subscribe(int, int mission_index,
                                                 bool) override {
    auto s = std::make_unique<SseSubscriber>(load_.get(), mission_index);
    s->Start(http_port_);
    return s;
  }

  ProcStats Stats() override { return system_.Stats(); }

  void Stop() override {
    // The generator's own CPU, apart from the publisher's and the
    // verification's: it must stay far below a core (not the bottleneck).
    if (load_ != nullptr) {
      Result(scenario_, "sse", "SSE client loops CPU s", load_->cpu_seconds());
    }
    system_.process.Stop();
  }

 private:
  const std::string scenario_;
  System system_;
  int http_port_ = 0;
  std::unique_ptr<HttpLoad> load_;
};

}  // namespace

std::unique_ptr<FanoutTarget> NewSseTarget(const std::string& scenario) {
  return std::make_unique<SseTarget>(scenario);
}

}  // namespace sitrep::bench
