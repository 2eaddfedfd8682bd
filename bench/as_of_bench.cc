// as_of_bench: the cost of GetSituation as_of (server/query/situation_as_of.h)
// with a long history. Fills an SQLite event log with --updates updates
// (incident threads of --thread_length updates, about --open incidents open
// at any time, with the live SituationIndex and a SituationSnapshotter every
// --snapshot_every updates, as sitrepd runs them), then rebuilds the
// situation at --points random sequences and prints the latency, the
// snapshot sizes and, for comparison, a rebuild without snapshots.
//
//   build/bench/as_of_bench --updates=1000000 --data_dir=/tmp/asof
//
// Figures, not pass/fail (docs/performance.md, "The situation at any
// moment").
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/store_fill.h"
#include "bench/bench_common.h"
#include "server/log/event_log.h"
#include "server/log/situation_snapshot_codec.h"
#include "server/query/situation_as_of.h"
#include "server/situation/situation_index.h"
#include "server/situation/situation_snapshotter.h"

ABSL_FLAG(uint64_t, updates, 1000000, "Updates to store.");
ABSL_FLAG(uint64_t, snapshot_every, 10000, "Snapshot every this many.");
ABSL_FLAG(int, open, 1000, "Incidents open at any time (about).");
ABSL_FLAG(int, thread_length, 20, "Updates per incident thread.");
ABSL_FLAG(int, points, 200, "Random as_of points to rebuild.");
ABSL_FLAG(int, no_snapshot_points, 3, "Rebuilds without snapshots.");
ABSL_FLAG(std::string, data_dir, "/tmp/sitrep-as-of-bench",
          "Where the SQLite log goes (emptied first).");

namespace sitrep {
namespace {

class IndexListener : public AppendListener {
 public:
  explicit IndexListener(SituationIndex* index) : index_(index) {}
  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override {
    index_->Apply(entries, incidents);
  }

 private:
  SituationIndex* index_;
};

// A log that never offers snapshots: the rebuild replays from sequence 1.
class NoSnapshots : public EventLog {
 public:
  explicit NoSnapshots(const EventLog* log) : log_(log) {}
  const std::string& log_id() const override { return log_->log_id(); }
  void Append(std::vector<AppendRequest>, AppendCallback) override {}
  absl::StatusOr<std::vector<LogEntryPtr>> Read(
      const ReadRange& range) const override {
    return log_->Read(range);
  }
  uint64_t Head() const override { return log_->Head(); }
  uint64_t Oldest() const override { return log_->Oldest(); }
  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const override {
    return log_->FirstSequenceAtOrAfter(time);
  }
  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override {
    return log_->LoadOpenIncidents();
  }
  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy&,
                                          absl::Time) override {
    return 0;
  }
  void SetAppendListener(AppendListener*) override {}
  void Close() override {}

 private:
  const EventLog* log_;
};

v1::SituationUpdate Update(uint64_t thread, int step, int length) {
  v1::SituationUpdate u;
  u.set_mission(v1::MISSION_KOSOVO_POLICE);
  u.set_role(v1::ROLE_FIRST_RESPONDER);
  u.set_severity(v1::SEVERITY_MODERATE);
  u.set_category(v1::CATEGORY_PUBLIC_ORDER);
  u.set_incident_id(absl::StrCat("inc-", thread));
  u.set_kind(step == 0            ? v1::KIND_NEW
             : step == length - 1 ? v1::KIND_RESOLVE
                                  : v1::KIND_UPDATE);
  u.set_headline(absl::StrCat("Incident ", thread, " step ", step));
  u.set_description("A description of a few words, as operators write them.");
  u.mutable_location()->set_municipality("prishtine");
  u.set_publisher("bench");
  u.set_event_id(absl::StrCat(thread, ":", step));
  return u;
}

// The slots of `open` live incident threads, visited round robin: thread
// k's step s is update k*length + s of its slot; a finished thread's slot
// opens a new one.
class IncidentThreads {
 public:
  IncidentThreads(int open, int length)
      : length_(length), thread_(open), step_(open, 0), next_thread_(open) {
    for (int i = 0; i < open; ++i) thread_[i] = i;
  }

  v1::SituationUpdate Next() {
    v1::SituationUpdate u = Update(thread_[slot_], step_[slot_], length_);
    if (++step_[slot_] == length_) {
      step_[slot_] = 0;
      thread_[slot_] = next_thread_++;
    }
    slot_ = (slot_ + 1) % thread_.size();
    return u;
  }

 private:
  const int length_;
  std::vector<uint64_t> thread_;
  std::vector<int> step_;
  uint64_t next_thread_;
  size_t slot_ = 0;
};

// The stored history: updates/s of the fill, the snapshots and their
// sizes, the database's size. False when no snapshot was stored.
bool ReportStore(const EventLog& log, absl::Duration fill,
                 absl::Duration snapshot_time) {
  const uint64_t head = log.Head();
  absl::StatusOr<std::vector<uint64_t>> snapshots = log.ListSituationSnapshots();
  if (!snapshots.ok() || snapshots->empty()) {
    std::fprintf(stderr, "no snapshots stored\n");
    return false;
  }
  // The middle one: the last may fall where every thread just closed.
  absl::StatusOr<StoredSituation> last =
      log.LoadSituationSnapshot((*snapshots)[snapshots->size() / 2]);
  const size_t snapshot_bytes =
      last.ok() ? EncodeSituationSnapshot(*last).size() : 0;
  std::printf("stored %llu updates in %.1f s (%.0f/s); %zu snapshots, the "
              "middle one of %zu incidents, %zu bytes; snapshots took %.2f s in "
              "all (%.1f ms each)\n",
              static_cast<unsigned long long>(head), absl::ToDoubleSeconds(fill),
              head / absl::ToDoubleSeconds(fill), snapshots->size(),
              last.ok() ? last->incidents.size() : 0, snapshot_bytes,
              absl::ToDoubleSeconds(snapshot_time),
              absl::ToDoubleMilliseconds(snapshot_time) / snapshots->size());
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  std::printf("database %s: %.0f MiB\n", dir.c_str(),
              std::filesystem::file_size(dir + "/sitrep.db") / 1048576.0);
  return true;
}

// Fills `log` with --updates updates in batches of 1000, a snapshot
// whenever the snapshotter is due, as sitrepd runs it. Prints the fill's
// figures; false (with the reason on stderr) on failure.
bool Fill(EventLog* log, const SituationIndex& index,
          SituationSnapshotter* snapshotter) {
  const uint64_t total = absl::GetFlag(FLAGS_updates);
  IncidentThreads threads(absl::GetFlag(FLAGS_open),
                          absl::GetFlag(FLAGS_thread_length));
  const absl::Time fill_start = absl::Now();
  absl::Duration snapshot_time;
  uint64_t appended = 0;
  while (appended < total) {
    std::vector<AppendRequest> batch;
    for (int i = 0; i < 1000 && appended + batch.size() < total; ++i) {
      batch.emplace_back().update = threads.Next();
    }
    appended += batch.size();
    if (!bench::AppendBatchAndWait(log, std::move(batch)).ok()) {
      std::fprintf(stderr, "an append failed\n");
      return false;
    }
    if (snapshotter->Due(index.sequence())) {
      const absl::Time t = absl::Now();
      if (absl::Status s = snapshotter->SnapshotNow(); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return false;
      }
      snapshot_time += absl::Now() - t;
    }
  }
  return ReportStore(*log, absl::Now() - fill_start, snapshot_time);
}

// --points rebuilds at random sequences, with the stored snapshots.
bool MeasureWithSnapshots(const EventLog& log) {
  std::mt19937_64 random(42);
  std::uniform_int_distribution<uint64_t> point(1, log.Head());
  std::vector<double> ms;
  size_t incidents = 0;
  for (int i = 0; i < absl::GetFlag(FLAGS_points); ++i) {
    v1::GetSituationRequest request;
    request.set_as_of_sequence(point(random));
    const absl::Time t = absl::Now();
    absl::StatusOr<PastSituation> past =
        RebuildSituationAsOf(log, request, absl::Now());
    if (!past.ok()) {
      std::fprintf(stderr, "%s\n", past.status().ToString().c_str());
      return false;
    }
    SituationIndex::Snapshot taken = past->index->Take(nullptr, past->at);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
    incidents += taken.incidents.size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("as_of with snapshots every %llu: %zu random points, p50 %.1f "
              "ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%.0f incidents "
              "each on average)\n",
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_snapshot_every)),
              ms.size(), bench::Percentile(ms, 0.5), bench::Percentile(ms, 0.9),
              bench::Percentile(ms, 0.99), bench::Percentile(ms, 1.0),
              static_cast<double>(incidents) / ms.size());
  return true;
}

// --no_snapshot_points rebuilds from sequence 1, for comparison.
bool MeasureWithoutSnapshots(const EventLog& log) {
  const uint64_t head = log.Head();
  NoSnapshots bare(&log);
  for (int i = 0; i < absl::GetFlag(FLAGS_no_snapshot_points); ++i) {
    v1::GetSituationRequest request;
    request.set_as_of_sequence(head - static_cast<uint64_t>(i) * (head / 4));
    const absl::Time t = absl::Now();
    absl::StatusOr<PastSituation> past =
        RebuildSituationAsOf(bare, request, absl::Now());
    if (!past.ok()) {
      std::fprintf(stderr, "%s\n", past.status().ToString().c_str());
      return false;
    }
    std::printf("as_of without snapshots at sequence %llu: %.0f ms\n",
                static_cast<unsigned long long>(request.as_of_sequence()),
                absl::ToDoubleMilliseconds(absl::Now() - t));
  }
  return true;
}

int Run() {
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  std::filesystem::remove_all(dir);
  absl::StatusOr<std::unique_ptr<EventLog>> log = bench::OpenStoreForFill(dir);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    return 1;
  }
  SituationIndex index;
  IndexListener listener(&index);
  (*log)->SetAppendListener(&listener);
  SituationSnapshotter snapshotter(log->get(), &index,
                                   absl::GetFlag(FLAGS_snapshot_every));
  if (!Fill(log->get(), index, &snapshotter) || !MeasureWithSnapshots(**log) ||
      !MeasureWithoutSnapshots(**log)) {
    return 1;
  }
  (*log)->Close();
  return 0;
}

}  // namespace
}  // namespace sitrep

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return sitrep::Run();
}
