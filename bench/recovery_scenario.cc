#include "bench/recovery_scenario.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/store_fill.h"
#include "bench/sitrepd_client.h"
#include "tests/support/temp_dir.h"
#include "grpcpp/grpcpp.h"
#include "server/log/event_log.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

ABSL_FLAG(std::vector<std::string>, recovery_updates, {"1000000"},
          "recovery: store sizes (updates) to fill and restart; the guard's "
          "10000000 takes a few minutes to fill (docs/performance.md)");
ABSL_FLAG(int, recovery_incidents, 10000,
          "recovery: open incidents the stored updates belong to");
ABSL_FLAG(std::string, recovery_dir, "",
          "recovery: keep the filled stores in DIR/<updates> and reuse them "
          "on the next run (empty: temporary, removed)");
ABSL_FLAG(int, recovery_subscribers, 1000,
          "recovery: subscribers of the reconnect storm (0: no storm)");
ABSL_FLAG(int, recovery_backlog, 1000,
          "recovery: updates stored while the storm's subscribers were away");

namespace sitrep::bench {
namespace {

using Clock = std::chrono::steady_clock;

// This process's CPU seconds (the log's writer thread included).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Update `k` of `total`: the first `incidents` open one incident each;
// after them each incident's updates come in one run (incident-major), so
// that a fill transaction rewrites a few incident rows many times instead
// of thousands once (SQLite's page cache holds them).
v1::SituationUpdate FillerUpdate(uint64_t k, uint64_t total, int incidents) {
  const uint64_t open = static_cast<uint64_t>(incidents);
  const uint64_t per_incident = std::max<uint64_t>(1, (total - open) / open + 1);
  const uint64_t incident =
      k < open ? k : std::min(open - 1, (k - open) / per_incident);
  v1::SituationUpdate u;
  u.set_mission(v1::MISSION_KOSOVO_POLICE);
  u.set_role(v1::ROLE_FIRST_RESPONDER);
  u.set_category(v1::CATEGORY_PUBLIC_ORDER);
  u.set_severity(k < static_cast<uint64_t>(incidents) ? v1::SEVERITY_MINOR
                                                     : v1::SEVERITY_MODERATE);
  u.set_kind(k < static_cast<uint64_t>(incidents) ? v1::KIND_NEW
                                                  : v1::KIND_UPDATE);
  u.set_incident_id(absl::StrCat("recovery-", incident));
  u.set_headline(absl::StrCat("Crowd at the municipal building, report ", k));
  u.set_description(
      "Police units on site, the crowd is calm; traffic diverted around the "
      "square. Next report when the situation changes.");
  u.mutable_location()->set_municipality("Mitrovicë");
  u.mutable_location()->set_place("Municipal square");
  u.set_publisher("recovery-filler");
  u.set_event_id(absl::StrCat("fill-", k));
  return u;
}

// Fills data_dir's SQLite store up to `updates` (kept when it holds them
// already). Returns false on failure.
bool FillStore(const std::string& data_dir, uint64_t updates, int incidents,
               const ResultFn& result, const std::string& scenario) {
  absl::StatusOr<std::unique_ptr<EventLog>> log = OpenStoreForFill(data_dir);
  if (!log.ok()) {
    std::fprintf(stderr, "recovery: %s\n", log.status().ToString().c_str());
    return false;
  }
  const auto start = Clock::now();
  const double cpu_start = ProcessCpuSeconds();
  uint64_t k = (*log)->Head();
  const uint64_t first = k;
  bool failed = false;
  while (k < updates && !failed) {
    std::vector<AppendRequest> batch;
    for (; batch.size() < 4096 && k < updates; ++k) {
      batch.emplace_back().update = FillerUpdate(k, updates, incidents);
    }
    if (absl::Status s = AppendBatchAndWait(log->get(), std::move(batch));
        !s.ok()) {
      std::fprintf(stderr, "recovery: fill: %s\n", s.ToString().c_str());
      failed = true;
    }
  }
  (*log)->Close();
  if (k > first) {
    result(scenario, "fill updates/s",
           static_cast<double>(k - first) / SecondsSince(start));
    result(scenario, "fill CPU us/update",
           1e6 * (ProcessCpuSeconds() - cpu_start) /
               static_cast<double>(k - first));
  }
  return !failed;
}

double StoreMiB(const std::string& data_dir) {
  double bytes = 0;
  std::error_code ignored;
  for (const char* name : {"/sitrep.db", "/sitrep.db-wal"}) {
    const auto size = std::filesystem::file_size(data_dir + name, ignored);
    if (!ignored) bytes += static_cast<double>(size);
  }
  return bytes / 1048576;
}

// A patrol report with `event_id`.
v1::PublishRequest Patrol(const std::string& event_id) {
  v1::PublishRequest request;
  v1::SituationUpdate* u = request.mutable_update();
  u->set_mission(v1::MISSION_KFOR);
  u->set_role(v1::ROLE_SUPPORT);
  u->set_severity(v1::SEVERITY_MINOR);
  u->set_category(v1::CATEGORY_PATROL);
  u->set_headline("Patrol passed the bridge");
  u->mutable_location()->set_municipality("Zveçan");
  u->set_event_id(event_id);
  return request;
}

// One subscriber of the reconnect storm: no filter, resumes after its
// cursor. Callbacks of one reactor never run concurrently.
class Follower final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  Follower(v1::SituationFeed::Stub* stub, uint64_t after) {
    if (after == 0) {
      request_.set_from_now(true);
    } else {
      request_.set_after_sequence(after);
    }
    last_.store(after);
    context_.set_wait_for_ready(true);
    stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    for (const v1::SituationUpdate& u : response_.updates()) {
      last_.store(u.sequence(), std::memory_order_relaxed);
    }
    if (response_.has_caught_up()) {
      caught_up_.store(true, std::memory_order_release);
    }
    StartRead(&response_);
  }
  void OnDone(const grpc::Status&) override {
    done_.store(true, std::memory_order_release);
  }
  void Cancel() { context_.TryCancel(); }
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  uint64_t last() const { return last_.load(std::memory_order_relaxed); }

 private:
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse response_;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> last_{0};
};

void EndAll(std::vector<std::unique_ptr<Follower>>& followers) {
  for (auto& f : followers) f->Cancel();
  if (!WaitUntil(
          [&] {
            return std::all_of(followers.begin(), followers.end(),
                               [](auto& f) { return f->done(); });
          },
          absl::Seconds(30))) {
    for (auto& f : followers) {
      if (!f->done()) f.release();  // leaked rather than freed under gRPC
    }
  }
  followers.clear();
}

// The reconnect storm on the store in data_dir.
bool RunStorm(const std::string& sitrepd, const std::string& data_dir,
              const std::string& run_dir, const ResultFn& result) {
  const int n = absl::GetFlag(FLAGS_recovery_subscribers);
  const int backlog = absl::GetFlag(FLAGS_recovery_backlog);
  const std::string scenario = absl::StrCat("recovery storm N=", n);
  const std::string port_file = run_dir + "/storm-port";
  std::unique_ptr<ServerProcess> server =
      StartSitrepd(sitrepd, data_dir, port_file);
  if (server == nullptr) return false;
  std::unique_ptr<v1::SituationFeed::Stub> stub = NewStub(server->address());
  std::vector<std::unique_ptr<Follower>> followers;
  for (int i = 0; i < n; ++i) {
    followers.push_back(std::make_unique<Follower>(stub.get(), 0));
  }
  auto all_caught_up = [&] {
    return std::all_of(followers.begin(), followers.end(),
                       [](auto& f) { return f->caught_up(); });
  };
  if (!WaitUntil(all_caught_up, absl::Seconds(60))) {
    std::fprintf(stderr, "recovery: storm subscribers did not start\n");
    EndAll(followers);
    return false;
  }
  std::vector<uint64_t> cursors;
  for (auto& f : followers) cursors.push_back(f->last());
  EndAll(followers);
  // Stored while they were away: every one has `backlog` updates to read.
  const int publishers = 8;
  std::atomic<bool> publish_failed{false};
  {
    std::vector<std::thread> threads;
    for (int p = 0; p < publishers; ++p) {
      threads.emplace_back([&, p] {
        std::unique_ptr<v1::SituationFeed::Stub> own = NewStub(server->address());
        for (int k = p; k < backlog; k += publishers) {
          if (!PublishOne(own.get(), Patrol(absl::StrCat("storm-", getpid(), "-", k)),
                          absl::Seconds(10))) {
            publish_failed.store(true);
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  KillHard(std::move(server));
  const auto restart = Clock::now();
  server = StartSitrepd(sitrepd, data_dir, port_file);
  if (server == nullptr) return false;
  stub = NewStub(server->address());
  for (int i = 0; i < n; ++i) {
    followers.push_back(std::make_unique<Follower>(stub.get(), cursors[i]));
  }
  const bool caught_up = WaitUntil(all_caught_up, absl::Seconds(120));
  const double seconds = SecondsSince(restart);
  EndAll(followers);
  result(scenario, "all caught up after restart s", caught_up ? seconds : -1);
  result(scenario, "backlog per subscriber", backlog);
  result(scenario, "server peak RSS MiB",
         ReadProcStats(server->pid()).peak_rss_kib / 1024);
  server->Stop();
  return caught_up && !publish_failed.load();
}

// Starts sitrepd on the store in data_dir (timed), kills it with SIGKILL
// while a publisher writes (after its 100th answer; it stops at its first
// failure) and restarts it: the time until it serves again and answers a
// publish. False when it did not come back.
bool RestartAfterKill(const std::string& sitrepd, const std::string& data_dir,
                      const std::string& port_file, const std::string& scenario,
                      const ResultFn& result) {
  auto started = Clock::now();
  std::unique_ptr<ServerProcess> server =
      StartSitrepd(sitrepd, data_dir, port_file);
  if (server == nullptr) return false;
  result(scenario, "clean start s", SecondsSince(started));
  std::unique_ptr<v1::SituationFeed::Stub> stub = NewStub(server->address());
  // Writes in flight when it dies.
  std::atomic<int> answered_before{0};
  std::thread writer([&] {
    for (int k = 0;; ++k) {
      if (!PublishOne(stub.get(),
                      Patrol(absl::StrCat("before-kill-", getpid(), "-", k)),
                      absl::Milliseconds(300))) {
        return;
      }
      answered_before.fetch_add(1);
    }
  });
  WaitUntil([&] { return answered_before.load() >= 100; }, absl::Seconds(30));
  KillHard(std::move(server));
  writer.join();
  started = Clock::now();
  server = StartSitrepd(sitrepd, data_dir, port_file);
  if (server == nullptr) return false;
  const double serving = SecondsSince(started);
  stub = NewStub(server->address());
  const bool answered =
      PublishOne(stub.get(), Patrol(absl::StrCat("after-kill-", getpid())),
                 absl::Seconds(10));
  const double first_answer = SecondsSince(started);
  result(scenario, "after kill -9: serving s", serving);
  // What loading the binary alone costs on this machine now (its shared
  // libraries, flag parsing): the floor under the two figures above.
  const auto exec_start = Clock::now();
  if (std::system((sitrepd + " --helpshort >/dev/null 2>&1").c_str()) != -1) {
    result(scenario, "exec floor s (sitrepd --helpshort)",
           SecondsSince(exec_start));
  }
  result(scenario, "after kill -9: first publish s",
         answered ? first_answer : -1);
  result(scenario, "RSS MiB", ReadProcStats(server->pid()).rss_kib / 1024);
  server->Stop();
  return answered;
}

}  // namespace

bool RunRecovery(const std::string& sitrepd, const ResultFn& result) {
  const int incidents = absl::GetFlag(FLAGS_recovery_incidents);
  const std::string keep = absl::GetFlag(FLAGS_recovery_dir);
  testing::TempDir run("sitrep-recovery-");
  const std::string& run_dir = run.path();
  bool ok = true;
  std::string last_store;
  for (const std::string& size : absl::GetFlag(FLAGS_recovery_updates)) {
    uint64_t updates = 0;
    if (!absl::SimpleAtoi(size, &updates) || updates == 0) {
      std::fprintf(stderr,
                   "recovery: --recovery_updates: '%s' is not a count of "
                   "updates (e.g. 1000000,10000000)\n",
                   size.c_str());
      return false;
    }
    const std::string scenario = absl::StrCat("recovery ", size);
    const std::string data_dir =
        keep.empty() ? absl::StrCat(run_dir, "/", size)
                     : absl::StrCat(keep, "/", size);
    if (!FillStore(data_dir, updates, incidents, result, scenario)) {
      ok = false;
      continue;
    }
    result(scenario, "stored updates", static_cast<double>(updates));
    result(scenario, "open incidents", incidents);
    result(scenario, "store MiB", StoreMiB(data_dir));
    if (!RestartAfterKill(sitrepd, data_dir, run_dir + "/port", scenario,
                          result)) {
      ok = false;
      continue;
    }
    last_store = data_dir;
  }
  if (ok && !last_store.empty() && absl::GetFlag(FLAGS_recovery_subscribers) > 0) {
    ok = RunStorm(sitrepd, last_store, run_dir, result);
  }
  return ok;
}

}  // namespace sitrep::bench
