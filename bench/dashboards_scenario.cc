#include "bench/dashboards_scenario.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/http_load.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, dashboards, 200, "dashboards: open dashboards");
ABSL_FLAG(int, dashboard_incidents, 500,
          "dashboards: open incidents in the situation");
ABSL_FLAG(double, dashboard_rate, 20,
          "dashboards: updates/s published meanwhile");
ABSL_FLAG(std::string, dashboard_refresh, "changed",
          "dashboards: what a tab reads after updates: changed (the compact "
          "situation, then only the incidents the updates named, as app.js "
          "since issue 24) or whole (the full situation every time, before)");

namespace sitrep::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The refresh interval of app.js (SITUATION_REFRESH_MS).
constexpr absl::Duration kSituationRefresh = absl::Seconds(2);

// The JSON string value of "key" in `json` (first occurrence), or "".
std::string JsonString(absl::string_view json, absl::string_view key) {
  const std::string needle = absl::StrCat("\"", key, "\":\"");
  const size_t at = json.find(needle);
  if (at == absl::string_view::npos) return "";
  const size_t start = at + needle.size();
  return std::string(json.substr(start, json.find('"', start) - start));
}

v1::PublishRequest IncidentUpdate(int incident, bool open, uint64_t k) {
  v1::PublishRequest request;
  v1::SituationUpdate* u = request.mutable_update();
  // The first responder opens and reports (a responder tier's actions).
  u->set_mission(v1::MISSION_KOSOVO_POLICE);
  u->set_role(v1::ROLE_FIRST_RESPONDER);
  u->set_severity(v1::SEVERITY_MODERATE);
  u->set_category(v1::CATEGORY_PUBLIC_ORDER);
  u->set_kind(open ? v1::KIND_NEW : v1::KIND_UPDATE);
  u->set_incident_id(absl::StrCat("dash-", incident));
  u->set_headline(absl::StrCat("Gathering near the school, report ", k));
  u->set_description(
      "A few dozen people, calm; a unit observes from the corner. Traffic "
      "passes.");
  u->mutable_location()->set_municipality("Prizren");
  u->set_event_id(absl::StrCat("dash-", getpid(), "-", k));
  return request;
}

// One browser tab. The loop threads write the atomics; the driver the rest.
struct Dashboard {
  int stream = -1;
  int fetch = -1;  // its keep-alive connection for the GETs, as a browser's
  std::atomic<bool> open{false};      // its stream answered 200
  std::atomic<bool> polling{false};   // a situation request in flight
  std::atomic<uint64_t> updates{0};   // updates its stream delivered
  std::atomic<int> failures{0};
  uint64_t updates_at_poll = 0;
  absl::Mutex mu;  // the incidents its updates named since its last poll
  std::set<std::string> changed ABSL_GUARDED_BY(mu);
  absl::Time last_poll = absl::InfinitePast();
};

class Dashboards {
 public:
  Dashboards(HttpLoad* load, int port, int count)
      : load_(load), port_(port), tabs_(static_cast<size_t>(count)) {
    for (auto& tab : tabs_) tab = std::make_unique<Dashboard>();
  }

  // Loads every dashboard (situation, table, stream), as app.js does.
  void OpenAll() {
    for (auto& tab : tabs_) Load(tab.get());
  }

  // Refreshes the situation of each dashboard that got updates since its
  // last refresh, at most every kSituationRefresh.
  void Tick() {
    const absl::Time now = absl::Now();
    for (auto& owned : tabs_) {
      Dashboard* tab = owned.get();
      const uint64_t updates = tab->updates.load(std::memory_order_relaxed);
      if (!tab->open.load() || tab->polling.load() ||
          updates == tab->updates_at_poll ||
          now - tab->last_poll < kSituationRefresh) {
        continue;
      }
      tab->updates_at_poll = updates;
      tab->last_poll = now;
      tab->polling.store(true);
      const auto sent = Clock::now();
      load_->Request(tab->fetch, PollPath(tab),
                     [this, tab, sent](int status, absl::string_view body) {
                       Polled(tab, status, body.size(), sent);
                     });
    }
  }

  void CloseAll() {
    for (auto& tab : tabs_) {
      load_->Close(tab->stream);
      load_->Close(tab->fetch);
    }
  }

  int opened() const {
    return static_cast<int>(std::count_if(
        tabs_.begin(), tabs_.end(), [](auto& t) { return t->open.load(); }));
  }
  int failures() const {
    int sum = 0;
    for (auto& tab : tabs_) sum += tab->failures.load();
    return sum;
  }
  uint64_t delivered() const {
    uint64_t sum = 0;
    for (auto& tab : tabs_) sum += tab->updates.load();
    return sum;
  }
  // Poll latencies (ms) and bytes since the last call.
  void TakePolls(std::vector<double>* ms, double* bytes) {
    absl::MutexLock lock(&mu_);
    ms->swap(poll_ms_);
    poll_ms_.clear();
    *bytes = poll_bytes_;
    poll_bytes_ = 0;
  }

 private:
  // app.js's refresh: the named incidents (at most 64), or the whole.
  std::string PollPath(Dashboard* tab) {
    if (!changed_only_) return "/v1/situation";
    absl::MutexLock lock(&tab->mu);
    std::string path = "/v1/situation?view=compact";
    for (const std::string& id : tab->changed) {
      if (tab->changed.size() <= 64) absl::StrAppend(&path, "&filter.incident_ids=", id);
    }
    tab->changed.clear();
    return path;
  }

  void Load(Dashboard* tab) {
    tab->fetch = load_->OpenKeepAlive(port_);
    if (tab->fetch < 0) {
      tab->failures.fetch_add(1);
      return;
    }
    load_->Request(
        tab->fetch, changed_only_ ? "/v1/situation?view=compact" : "/v1/situation",
        [this, tab](int status, absl::string_view body) {
          const std::string sequence = JsonString(body, "sequence");
          const std::string log_id = JsonString(body, "logId");
          if (status != 200) {
            tab->failures.fetch_add(1);
            return;
          }
          const std::string after = sequence.empty() ? "0" : sequence;
          load_->Request(
              tab->fetch,
              absl::StrCat("/v1/updates?end_sequence=", after,
                           "&page_size=500&descending=true"),
              [this, tab, after, log_id](int status, absl::string_view) {
                if (status != 200) tab->failures.fetch_add(1);
                OpenStream(tab, after, log_id);
              });
        });
  }

  void OpenStream(Dashboard* tab, const std::string& after,
                  const std::string& log_id) {
    tab->stream = load_->OpenStream(
        port_,
        absl::StrCat("/v1/stream?after_sequence=", after, "&log_id=", log_id,
                     "&heartbeat_interval=5s"),
        [tab](const HttpLoad::Event& e, int64_t) {
          if (e.type == "hello") tab->open.store(true);
          if (e.type == "update") tab->updates.fetch_add(1);
          if (e.type == "update") {
            absl::MutexLock lock(&tab->mu);
            tab->changed.insert(JsonString(e.data, "incidentId"));
          }
        },
        nullptr,
        [tab](int status, absl::string_view) {
          if (status != 200) tab->failures.fetch_add(1);
          tab->open.store(false);
        });
    if (tab->stream < 0) tab->failures.fetch_add(1);
  }

  void Polled(Dashboard* tab, int status, size_t bytes,
              Clock::time_point sent) {
    if (status != 200) tab->failures.fetch_add(1);
    {
      absl::MutexLock lock(&mu_);
      poll_ms_.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - sent)
              .count());
      poll_bytes_ += static_cast<double>(bytes);
    }
    tab->polling.store(false);
  }

  HttpLoad* const load_;
  const int port_;
  const bool changed_only_ =
      absl::GetFlag(FLAGS_dashboard_refresh) == "changed";
  std::vector<std::unique_ptr<Dashboard>> tabs_;
  absl::Mutex mu_;
  std::vector<double> poll_ms_ ABSL_GUARDED_BY(mu_);
  double poll_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// sitrepd with its HTTP gateway on a free port (room for every
// dashboard's two connections); null (with a note) when it did not start.
std::unique_ptr<ServerProcess> StartWithHttp(const std::string& sitrepd,
                                             const std::string& dir, int count,
                                             int* http_port) {
  const std::string http_port_file = dir + "/http_port";
  std::unique_ptr<ServerProcess> server = StartSitrepd(
      sitrepd, dir + "/data", dir + "/port",
      {"--http_address=127.0.0.1:0", "--http_port_file=" + http_port_file,
       absl::StrCat("--http_max_connections=", 3 * count + 100)});
  if (server == nullptr ||
      !WaitUntil([&] { return !!(std::ifstream(http_port_file) >> *http_port); },
                 absl::Seconds(10))) {
    std::fprintf(stderr, "dashboards: sitrepd did not start with HTTP\n");
    return nullptr;
  }
  return server;
}

// The updates of the day: IncidentUpdate of a random open incident at
// `rate`/s on a thread of its own, from Start() to Stop().
class UpdatesOfTheDay {
 public:
  // `stub` is borrowed and must outlive Stop(); update numbers start at k.
  void Start(v1::SituationFeed::Stub* stub, double rate, int incidents,
             uint64_t k) {
    thread_ = std::thread([this, stub, rate, incidents, k] {
      std::mt19937 random(7);
      const auto start = Clock::now();
      for (uint64_t n = 0; !stop_.load(); ++n) {
        std::this_thread::sleep_until(
            start + std::chrono::nanoseconds(static_cast<int64_t>(1e9 * n / rate)));
        const int incident = static_cast<int>(random() % incidents);
        if (!PublishOne(stub, IncidentUpdate(incident, false, k + n),
                        absl::Seconds(5))) {
          failures_.fetch_add(1);
        }
      }
    });
  }
  void Stop() {
    stop_.store(true);
    thread_.join();
  }
  int failures() const { return failures_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::thread thread_;
};

// The server's CPU (cores) and RSS over `length`, calling tick() every
// 50 ms meanwhile.
template <typename Tick>
std::pair<double, double> MeasureServer(pid_t server, absl::Duration length,
                                        Tick tick) {
  const ProcStats before = ReadProcStats(server);
  const absl::Time end = absl::Now() + length;
  while (absl::Now() < end) {
    tick();
    absl::SleepFor(absl::Milliseconds(50));
  }
  const ProcStats after = ReadProcStats(server);
  return std::make_pair(
      (after.cpu_seconds - before.cpu_seconds) / absl::ToDoubleSeconds(length),
      after.rss_kib);
}

// What the dashboards cost, next to the baseline without them.
struct DashboardFigures {
  double base_cores = 0, base_rss_kib = 0;
  double cores = 0, rss_kib = 0;
  std::vector<double> poll_ms;  // sorted
  double poll_bytes = 0;
  uint64_t delivered = 0;
  double load_cpu = 0;
};

void ReportDashboards(const std::string& scenario, const ResultFn& result,
                      int count, int incidents, double rate,
                      const DashboardFigures& f) {
  const double seconds = absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration));
  const std::vector<double>& ms = f.poll_ms;
  result(scenario, "updates/s published", rate);
  result(scenario, "open incidents", incidents);
  result(scenario, "baseline server cores", f.base_cores);
  result(scenario, "server cores", f.cores);
  result(scenario, "server cores/dashboard", (f.cores - f.base_cores) / count);
  result(scenario, "baseline RSS MiB", f.base_rss_kib / 1024);
  result(scenario, "RSS MiB", f.rss_kib / 1024);
  result(scenario, "RSS KiB/dashboard", (f.rss_kib - f.base_rss_kib) / count);
  result(scenario, "situation polls/s", static_cast<double>(ms.size()) / seconds);
  result(scenario, "situation p50 ms", Percentile(ms, 0.5));
  result(scenario, "situation p99 ms", Percentile(ms, 0.99));
  result(scenario, "situation KiB",
         ms.empty() ? 0 : f.poll_bytes / static_cast<double>(ms.size()) / 1024);
  result(scenario, "stream updates/s", static_cast<double>(f.delivered) / seconds);
  result(scenario, "client loops CPU s", f.load_cpu);
}

}  // namespace

bool RunDashboards(const std::string& sitrepd, const ResultFn& result) {
  const int count = absl::GetFlag(FLAGS_dashboards);
  const int incidents = absl::GetFlag(FLAGS_dashboard_incidents);
  const double rate = absl::GetFlag(FLAGS_dashboard_rate);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const std::string scenario = absl::StrCat("dashboards N=", count);
  testing::TempDir dir("sitrep-dashboards-");
  int http_port = 0;
  std::unique_ptr<ServerProcess> server =
      StartWithHttp(sitrepd, dir.path(), count, &http_port);
  if (server == nullptr) return false;
  std::unique_ptr<v1::SituationFeed::Stub> stub = NewStub(server->address());
  uint64_t k = 0;
  for (int i = 0; i < incidents; ++i) {
    if (!PublishOne(stub.get(), IncidentUpdate(i, true, k++),
                    absl::Seconds(10))) {
      std::fprintf(stderr, "dashboards: cannot open incident %d\n", i);
      return false;
    }
  }
  UpdatesOfTheDay publisher;
  publisher.Start(stub.get(), rate, incidents, k);
  DashboardFigures f;
  absl::SleepFor(absl::GetFlag(FLAGS_warmup));
  std::tie(f.base_cores, f.base_rss_kib) =
      MeasureServer(server->pid(), duration, [] {});

  // Ended (its loops joined) before `dashboards`, whose tabs its callbacks
  // touch.
  auto load = std::make_unique<HttpLoad>(2);
  Dashboards dashboards(load.get(), http_port, count);
  const auto open_start = Clock::now();
  dashboards.OpenAll();
  const bool opened =
      WaitUntil([&] { return dashboards.opened() == count; }, absl::Seconds(60));
  result(scenario, "all open s", opened ? SecondsSince(open_start) : -1);
  const auto warm = [&] { dashboards.Tick(); };
  MeasureServer(server->pid(), absl::GetFlag(FLAGS_warmup), warm);
  dashboards.TakePolls(&f.poll_ms, &f.poll_bytes);
  const uint64_t delivered0 = dashboards.delivered();
  const double load_cpu0 = load->cpu_seconds();
  std::tie(f.cores, f.rss_kib) = MeasureServer(server->pid(), duration, warm);
  dashboards.TakePolls(&f.poll_ms, &f.poll_bytes);
  std::sort(f.poll_ms.begin(), f.poll_ms.end());
  f.delivered = dashboards.delivered() - delivered0;
  f.load_cpu = load->cpu_seconds() - load_cpu0;
  ReportDashboards(scenario, result, count, incidents, rate, f);
  result(scenario, "failures",
         dashboards.failures() + publisher.failures() + (opened ? 0 : 1));
  const bool ok = opened && dashboards.failures() == 0 &&
                  publisher.failures() == 0;
  publisher.Stop();
  dashboards.CloseAll();
  load.reset();
  server->Stop();
  return ok;
}

}  // namespace sitrep::bench
