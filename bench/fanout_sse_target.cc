// The SSE system of sitrep-bench --scenario=fanout (issue 24): sitrepd
// publishing over gRPC as for "sitrep", its subscribers browsers, i.e. raw
// HTTP/1.1 connections to the HTTP gateway reading GET /v1/stream
// (text/event-stream) with the same mission filters (bench/http_load.h).
// Every update is checked like a gRPC subscriber's (order, loss, duplicates,
// latency from the publish time in its label "b").
//
// The system "sse-ceiling" is the same browsers reading the ceiling
// server's bare SSE fan-out (bench/sse_hub.h): what one write per event per
// connection costs whatever the server.
//
// A FanoutTarget of RunFanout (bench/fanout_target.h).
//
//   sitrep-bench --scenario=fanout --systems=sitrep,sse,sse-ceiling,natscore

#include <string.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
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
      : VerifyingSubscriber(mission_index),
        load_(load),
        mission_name_(absl::StrCat(
            v1::Mission_Name(static_cast<v1::Mission>(mission_index + 1)),
            "\"")) {}

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
  // generator the bottleneck. Each key is looked for first where it was in
  // this stream's previous update (the printer's field order is fixed, so
  // it is nearly always there), then by memmem: string_view::find stopped
  // at every '"' of the JSON to compare (memcmp and memchr were 38 % of
  // this generator's CPU at N=1,000, issue 24). The mission is compared
  // with this stream's own ("mission" -1 when it differs: a contract
  // violation), not looked up by name in the enum's descriptor.
  bool DecodeJson(absl::string_view json, DecodedUpdate* u) {
    static constexpr absl::string_view kMission = "\"mission\":\"";
    static constexpr absl::string_view kLabel = "\"b\":\"";
    size_t at = Find(json, kMission, &mission_at_);
    if (at == absl::string_view::npos) return false;
    u->mission = absl::StartsWith(json.substr(at), mission_name_)
                     ? mission_index() + 1
                     : -1;
    at = Find(json, kLabel, &label_at_);
    if (at == absl::string_view::npos) return false;
    absl::string_view value = json.substr(at);
    value = value.substr(0, value.find('"'));
    const size_t colon = value.find(':');
    if (colon == absl::string_view::npos) return false;
    u->g = ParseDigits(AsStd(value.substr(0, colon)));
    u->t_ns = ParseDigits(AsStd(value.substr(colon + 1)));
    return true;
  }

  // The offset just past `key` in `json`, or npos; `*hint` is where it was
  // last time, tried first and updated.
  static size_t Find(absl::string_view json, absl::string_view key,
                     size_t* hint) {
    if (*hint >= key.size() && *hint <= json.size() &&
        json.substr(*hint - key.size(), key.size()) == key) {
      return *hint;
    }
    // Near it next (a timestamp before it prints 0-9 fractional digits),
    // then anywhere: the key is a JSON key, so it occurs once.
    const size_t near = *hint > key.size() + 24 ? *hint - key.size() - 24 : 0;
    const void* found = memmem(json.data() + std::min(near, json.size()),
                               json.size() - std::min(near, json.size()),
                               key.data(), key.size());
    if (found == nullptr) {
      found = memmem(json.data(), json.size(), key.data(), key.size());
    }
    if (found == nullptr) return absl::string_view::npos;
    *hint = static_cast<size_t>(static_cast<const char*>(found) - json.data()) +
            key.size();
    return *hint;
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
  // This stream's mission as the JSON spells it, closing quote included.
  const std::string mission_name_;
  size_t mission_at_ = 0, label_at_ = 0;  // DecodeJson's hints
  int id_ = -1;
  uint64_t read_updates_ = 0, read_bytes_ = 0;  // of the current read
};

class SseTarget final : public GrpcChannelsTarget {
 public:
  // `server`: sitrep or ceiling (System); `column`: the results' system
  // name (sse, sse-ceiling).
  SseTarget(std::string scenario, const std::string& server,
            std::string column)
      : scenario_(std::move(scenario)),
        column_(std::move(column)),
        system_{server} {}

  bool Start() override {
    const std::string http_port_file = system_.dir.path() + "/http_port";
    std::vector<std::string> flags = {"--http_address=127.0.0.1:0",
                                      "--http_port_file=" + http_port_file};
    if (system_.name == "sitrep") {
      // Every subscriber is a connection of its own.
      flags.push_back(absl::StrCat("--http_max_connections=",
                                   absl::GetFlag(FLAGS_subscribers) + 512));
    }
    if (!system_.Start(absl::GetFlag(FLAGS_fsync), std::move(flags))) {
      return false;
    }
    if (!WaitFor([&] { return std::ifstream(http_port_file) >> http_port_; },
                 absl::Seconds(10))) {
      Note("%s: the server wrote no %s", column_.c_str(),
           http_port_file.c_str());
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
      Result(scenario_, column_, "SSE client loops CPU s",
             load_->cpu_seconds());
    }
    system_.process.Stop();
  }

 private:
  const std::string scenario_;
  const std::string column_;
  System system_;
  int http_port_ = 0;
  std::unique_ptr<HttpLoad> load_;
};

}  // namespace

std::unique_ptr<FanoutTarget> NewSseTarget(const std::string& scenario,
                                           bool ceiling) {
  return std::make_unique<SseTarget>(scenario, ceiling ? "ceiling" : "sitrep",
                                     ceiling ? "sse-ceiling" : "sse");
}

}  // namespace sitrep::bench
