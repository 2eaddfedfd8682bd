#include "bench/big_situation_scenario.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/bench_common.h"
#include "bench/grpc_channels.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, situation_incidents, 10000,
          "big_situation: open incidents in the situation");
ABSL_FLAG(int, situation_calls, 5,
          "big_situation: measured calls of each kind (after one warm-up)");
ABSL_FLAG(std::string, situation_paint_command, "",
          "big_situation: also run this command with --url=http://HOST:PORT/ "
          "of the filled sitrepd (e.g. `node tests/browser/situation_paint.mjs "
          "--runs=3`) and report the median of its RESULT line as the "
          "dashboard's first paint; empty: not measured");

namespace sitrep::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Updates per PublishRequest.batch while filling.
constexpr int kFillBatch = 200;

// Like bench/fill_incidents.sh's lines: the first responder opens an
// incident of realistic size somewhere in Kosovo.
v1::SituationUpdate OpeningUpdate(int i) {
  static const char* const kPlaces[] = {
      "Prishtinë", "Prizren",   "Pejë",     "Gjakovë",     "Ferizaj",
      "Gjilan",    "Mitrovicë", "Zveçan",   "Zubin Potok", "Leposaviq"};
  static const v1::Severity kSeverities[] = {
      v1::SEVERITY_MINOR, v1::SEVERITY_MODERATE, v1::SEVERITY_SEVERE};
  static const v1::Category kCategories[] = {v1::CATEGORY_FREEDOM_OF_MOVEMENT,
                                             v1::CATEGORY_PUBLIC_ORDER,
                                             v1::CATEGORY_CRIME};
  const char* place = kPlaces[i % 10];
  v1::SituationUpdate u;
  u.set_event_id(absl::StrCat("big-", getpid(), "-", i));
  u.set_mission(v1::MISSION_KOSOVO_POLICE);
  u.set_role(v1::ROLE_FIRST_RESPONDER);
  u.set_severity(kSeverities[i % 3]);
  u.set_category(kCategories[i % 3]);
  u.set_incident_id(absl::StrCat("big-", i));
  u.set_kind(v1::KIND_NEW);
  u.set_headline(absl::StrCat("Incident ", i, ": road blocked near ", place,
                              ", traffic diverted"));
  u.set_description(absl::StrCat(
      "Filler incident ", i,
      " for the big-situation benchmark; a patrol reports the situation "
      "calm, units on site."));
  u.mutable_location()->set_place(absl::StrCat(place, ", village road ", i % 97));
  u.mutable_location()->mutable_point()->set_latitude(42.05 + (i * 7919 % 10000) / 10000.0 * 0.95);
  u.mutable_location()->mutable_point()->set_longitude(20.20 + (i * 104729 % 10000) / 10000.0 * 1.30);
  (*u.mutable_labels())["unit"] = absl::StrCat("Region ", i % 7, " patrol");
  (*u.mutable_labels())["source"] = "big_situation";
  return u;
}

// Opens the incidents through one PublishStream, kFillBatch per message
// (as `sitrep import` does), each batch acknowledged before the next.
bool Fill(v1::SituationFeed::Stub* stub, int incidents) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  auto stream = stub->PublishStream(&context);
  for (int first = 0; first < incidents; first += kFillBatch) {
    v1::PublishRequest request;
    for (int i = first; i < std::min(incidents, first + kFillBatch); ++i) {
      *request.add_batch()->mutable_update() = OpeningUpdate(i);
    }
    v1::PublishAck ack;
    if (!stream->Write(request) || !stream->Read(&ack)) break;
    for (const v1::PublishAck& each : ack.batch()) {
      if (each.has_error()) {
        std::fprintf(stderr, "big_situation: publish refused: %s\n",
                     each.error().message().c_str());
        stream->WritesDone();
        stream->Finish().ok();
        return false;
      }
    }
  }
  stream->WritesDone();
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    std::fprintf(stderr, "big_situation: PublishStream: %s\n",
                 status.error_message().c_str());
  }
  return status.ok();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return Percentile(values, 0.5);
}

// What Measure found, in ms: the first call's wall time (it fills the
// server's caches), the median of the measured calls, and sitrepd's CPU per
// measured call.
struct Timing {
  double first = 0;
  double wall = 0;
  double cpu = 0;
};

// Runs `call` once to warm up, then `calls` times. False from `call` fails
// the scenario.
bool Measure(int calls, pid_t server, const std::function<bool()>& call,
             Timing* timing) {
  const auto first = Clock::now();
  if (!call()) return false;
  timing->first = 1000 * SecondsSince(first);
  std::vector<double> ms;
  const double cpu0 = ReadProcStats(server).cpu_seconds;
  for (int i = 0; i < calls; ++i) {
    const auto start = Clock::now();
    if (!call()) return false;
    ms.push_back(1000 * SecondsSince(start));
  }
  timing->wall = Median(ms);
  timing->cpu = 1000 * (ReadProcStats(server).cpu_seconds - cpu0) / calls;
  return true;
}

// GetSituation with the answer as raw bytes: what the server sends, not
// what a client's parser makes of it.
bool RawGetSituation(const Channel& channel, size_t* bytes) {
  static const grpc::internal::RpcMethod kMethod(
      "/sitrep.v1.SituationFeed/GetSituation",
      grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  const grpc::ByteBuffer request =
      ToByteBuffer(v1::GetSituationRequest().SerializeAsString());
  grpc::ByteBuffer response;
  const grpc::Status status =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          channel.channel.get(), kMethod, &context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "big_situation: GetSituation: %s\n",
                 status.error_message().c_str());
    return false;
  }
  *bytes = response.Length();
  return true;
}

// Subscribe from a `situation` start until SnapshotEnd; the incidents the
// snapshot held.
bool SnapshotOnce(v1::SituationFeed::Stub* stub, int* incidents) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::SubscribeRequest request;
  request.set_situation(true);
  auto reader = stub->Subscribe(&context, request);
  v1::SubscribeResponse response;
  *incidents = 0;
  while (reader->Read(&response)) {
    *incidents += response.updates_size();
    if (response.has_snapshot_end()) {
      context.TryCancel();
      reader->Finish().ok();  // CANCELLED, as asked
      return true;
    }
  }
  std::fprintf(stderr, "big_situation: the stream ended before SnapshotEnd: %s\n",
               reader->Finish().error_message().c_str());
  return false;
}

// Runs `command` --url=... and takes the value of its RESULT line (the
// first paint's median, ms); -1 when it printed none.
double FirstPaintMs(const std::string& command, int http_port) {
  const std::string line =
      absl::StrCat(command, " --url=http://127.0.0.1:", http_port, "/");
  std::fprintf(stderr, "big_situation: %s\n", line.c_str());
  FILE* out = popen(line.c_str(), "r");
  if (out == nullptr) return -1;
  double median = -1;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), out) != nullptr) {
    std::fputs(buffer, stderr);  // its runs and where their time went
    const std::vector<absl::string_view> fields =
        absl::StrSplit(absl::StripTrailingAsciiWhitespace(buffer), '\t');
    if (fields.size() == 4 && fields[0] == "RESULT" &&
        !absl::SimpleAtod(fields[3], &median)) {
      median = -1;
    }
  }
  pclose(out);
  return median;
}

bool HttpSituation(int port, const std::string& path, bool gzip, size_t* bytes) {
  testing::HttpCall call;
  call.path = path;
  if (gzip) call.headers.push_back({"Accept-Encoding", "gzip"});
  absl::StatusOr<testing::HttpGetResult> got =
      testing::HttpFetch(port, call, absl::Seconds(60));
  if (!got.ok() || got->status != 200) {
    std::fprintf(stderr, "big_situation: GET %s failed\n", path.c_str());
    return false;
  }
  *bytes = got->body.size();
  return true;
}

// What the measurements of one run share: RESULT lines go to `result`
// under `scenario`; each figure takes `calls` calls (after a warm-up) and
// sitrepd's CPU is read from `server`.
struct Run {
  std::string scenario;
  int calls = 0;
  pid_t server = 0;
  const ResultFn* result = nullptr;

  void Report(const std::string& figure, double value) const {
    (*result)(scenario, figure, value);
  }
};

// Starts sitrepd with its HTTP gateway on a free loopback port (its data
// in `dir`) and reads that port; null when it did not start.
std::unique_ptr<ServerProcess> StartWithHttp(const std::string& sitrepd,
                                             const testing::TempDir& dir,
                                             int* http_port) {
  const std::string http_port_file = dir.path() + "/http_port";
  std::unique_ptr<ServerProcess> server = StartSitrepd(
      sitrepd, dir.path() + "/data", dir.path() + "/port",
      {"--http_address=127.0.0.1:0", "--http_port_file=" + http_port_file});
  if (server == nullptr ||
      !WaitUntil([&] { return !!(std::ifstream(http_port_file) >> *http_port); },
                 absl::Seconds(10))) {
    std::fprintf(stderr, "big_situation: sitrepd did not start with HTTP\n");
    return nullptr;
  }
  return server;
}

bool MeasureGetSituation(const Run& run, const Channel& channel) {
  Timing timing;
  size_t bytes = 0;
  if (!Measure(run.calls, run.server,
               [&] { return RawGetSituation(channel, &bytes); }, &timing)) {
    return false;
  }
  run.Report("GetSituation first ms", timing.first);
  run.Report("GetSituation ms", timing.wall);
  run.Report("GetSituation server CPU ms", timing.cpu);
  run.Report("GetSituation MB", bytes / 1e6);
  return true;
}

// GET /v1/situation, full, compact and rows (the dashboard's), plain and
// gzipped; "x smaller" is against the plain full view.
bool MeasureHttpViews(const Run& run, int http_port) {
  struct View {
    const char* name;
    const char* path;
    bool gzip;
  };
  Timing timing;
  size_t bytes = 0;
  double full_bytes = 0;
  for (const View& view : {View{"full", "/v1/situation", false},
                           View{"full gzip", "/v1/situation", true},
                           View{"compact", "/v1/situation?view=compact", false},
                           View{"compact gzip", "/v1/situation?view=compact", true},
                           View{"rows", "/v1/situation?view=rows", false},
                           View{"rows gzip", "/v1/situation?view=rows", true}}) {
    if (!Measure(run.calls, run.server,
                 [&] { return HttpSituation(http_port, view.path, view.gzip, &bytes); },
                 &timing)) {
      return false;
    }
    if (full_bytes == 0) full_bytes = static_cast<double>(bytes);
    run.Report(absl::StrCat("http ", view.name, " first ms"), timing.first);
    run.Report(absl::StrCat("http ", view.name, " ms"), timing.wall);
    run.Report(absl::StrCat("http ", view.name, " server CPU ms"), timing.cpu);
    run.Report(absl::StrCat("http ", view.name, " MB"), bytes / 1e6);
    run.Report(absl::StrCat("http ", view.name, " x smaller"),
               full_bytes / static_cast<double>(std::max<size_t>(bytes, 1)));
  }
  return true;
}

// A `situation` snapshot; sets *incidents to the incidents it held.
bool MeasureSnapshot(const Run& run, v1::SituationFeed::Stub* stub,
                     int* incidents) {
  Timing timing;
  if (!Measure(run.calls, run.server,
               [&] { return SnapshotOnce(stub, incidents); }, &timing)) {
    return false;
  }
  run.Report("snapshot incidents", *incidents);
  run.Report("snapshot ms", timing.wall);
  run.Report("snapshot incidents/s",
             timing.wall > 0 ? 1000 * *incidents / timing.wall : 0);
  run.Report("snapshot server CPU ms", timing.cpu);
  return true;
}

}  // namespace

bool RunBigSituation(const std::string& sitrepd, const ResultFn& result) {
  const int incidents = absl::GetFlag(FLAGS_situation_incidents);
  Run run;
  run.scenario = absl::StrCat("big_situation N=", incidents);
  run.calls = absl::GetFlag(FLAGS_situation_calls);
  run.result = &result;
  testing::TempDir dir("sitrep-big-situation-");
  int http_port = 0;
  std::unique_ptr<ServerProcess> server = StartWithHttp(sitrepd, dir, &http_port);
  if (server == nullptr) return false;
  std::vector<Channel> channels = MakeChannels(server->address(), 1);
  const auto fill_start = Clock::now();
  if (channels.empty() || !Fill(channels[0].stub.get(), incidents)) {
    std::fprintf(stderr, "big_situation: filling failed\n");
    return false;
  }
  run.Report("fill s", SecondsSince(fill_start));
  run.server = server->pid();
  int snapshot = 0;
  if (!MeasureGetSituation(run, channels[0]) ||
      !MeasureHttpViews(run, http_port) ||
      !MeasureSnapshot(run, channels[0].stub.get(), &snapshot)) {
    return false;
  }
  if (const std::string paint = absl::GetFlag(FLAGS_situation_paint_command);
      !paint.empty()) {
    run.Report("dashboard first paint ms", FirstPaintMs(paint, http_port));
  }
  server->Stop();
  return snapshot == incidents;
}

}  // namespace sitrep::bench
