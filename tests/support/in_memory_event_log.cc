#include "tests/support/in_memory_event_log.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "server/log/append_rules.h"
#include "server/log/incident_thread.h"
#include "server/log/log_health.h"

namespace sitrep {
namespace {

// Distinct per log in the process, so that tests of log_id mismatches can
// use two in-memory logs; deterministic, so that they read well.
std::string NextLogId() {
  static std::atomic<uint64_t> next{1};
  return absl::StrFormat("%032x", next.fetch_add(1));
}

absl::Status CloseError() {
  return absl::UnavailableError("the log is closed (server shutting down)");
}

// Thread safety: every method may be called from any thread. Appends are
// queued (queue_mu_) and applied one batch at a time by the writer thread,
// which tells the listener and then runs `done`, as the real logs do; mu_
// guards the data and is held only briefly, so that the listener and `done`
// may read the log.
//
// Invariant: entries_ holds exactly the sequences [oldest_, head_].
class InMemoryEventLog final : public EventLog {
 public:
  explicit InMemoryEventLog(Clock* clock)
      : clock_(clock != nullptr ? clock : RealClock()),
        log_id_(NextLogId()),
        writer_([this] { WriterLoop(); }) {}

  ~InMemoryEventLog() override { Close(); }

  const std::string& log_id() const override { return log_id_; }

  void Append(std::vector<AppendRequest> batch, AppendCallback done) override {
    {
      absl::MutexLock lock(&queue_mu_);
      if (!stopping_) {
        queue_.push_back(Pending{std::move(batch), std::move(done)});
        return;
      }
    }
    // Closed: refused at once, as the real logs refuse a closed queue.
    done(std::vector<absl::StatusOr<AppendResult>>(batch.size(),
                                                   CloseError()));
  }

  absl::StatusOr<std::vector<LogEntryPtr>> Read(
      const ReadRange& range) const override {
    absl::MutexLock lock(&mu_);
    std::vector<LogEntryPtr> out;
    const uint64_t first = std::max(range.first, oldest_);
    const uint64_t last = std::min(range.last, head_);
    if (first > last) return out;
    const uint64_t count = std::min<uint64_t>(last - first + 1, range.limit);
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t sequence = range.descending ? last - i : first + i;
      out.push_back(entries_[sequence - oldest_]);
    }
    return out;
  }

  // Leaves out what `missions` cannot match, like the SQLite log, so that
  // the cursor tests run the skipping path.
  absl::StatusOr<MissionRead> ReadForMissions(
      const ReadRange& range, MissionSet missions) const override {
    absl::MutexLock lock(&mu_);
    MissionRead read;
    const uint64_t first = std::max(range.first, oldest_);
    const uint64_t last = std::min(range.last, head_);
    read.scanned_through = range.first - 1;
    auto in_mask = [missions](v1::Mission mission) {
      return missions.Contains(mission);
    };
    for (uint64_t sequence = first;
         sequence <= last && read.entries.size() < range.limit; ++sequence) {
      const LogEntryPtr& entry = entries_[sequence - oldest_];
      read.scanned_through = sequence;
      if (sequence == first || in_mask(entry->update.mission()) ||
          (entry->previous != nullptr && in_mask(entry->previous->mission()))) {
        read.entries.push_back(entry);
      }
    }
    return read;
  }

  uint64_t Head() const override {
    absl::MutexLock lock(&mu_);
    return head_;
  }

  uint64_t Oldest() const override {
    absl::MutexLock lock(&mu_);
    return oldest_;
  }

  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const override {
    absl::MutexLock lock(&mu_);
    return FirstAtOrAfterLocked(time);
  }

  absl::StatusOr<std::optional<IncidentRecord>> LoadIncident(
      const std::string& incident_id) const override {
    absl::MutexLock lock(&mu_);
    auto it = incidents_.find(incident_id);
    if (it == incidents_.end()) return std::optional<IncidentRecord>();
    return std::optional<IncidentRecord>(*it->second);
  }

  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override {
    absl::MutexLock lock(&mu_);
    OpenIncidents result;
    result.head = head_;
    for (const auto& [id, record] : incidents_) {
      if (!record->closed) result.incidents.push_back(record);
    }
    SortByLatestSequence(&result.incidents);
    return result;
  }

  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy& policy,
                                          absl::Time now) override {
    AppendListener* listener = nullptr;
    uint64_t before = 0;
    absl::StatusOr<uint64_t> removed =
        Retain(policy, now, &listener, &before);
    if (removed.ok()) ReportRetained(listener, before, before + *removed);
    return removed;
  }

  // Removes what `policy` no longer keeps; says who to tell, and from where.
  absl::StatusOr<uint64_t> Retain(const RetentionPolicy& policy,
                                  absl::Time now, AppendListener** listener,
                                  uint64_t* before) {
    absl::MutexLock lock(&mu_);
    if (closed_) return CloseError();
    *listener = listener_.load(std::memory_order_acquire);
    *before = oldest_;
    uint64_t target = oldest_;
    if (policy.max_updates > 0 && head_ > policy.max_updates) {
      target = std::max(target, head_ - policy.max_updates + 1);
    }
    if (policy.max_age != absl::InfiniteDuration()) {
      target = std::max(target, FirstAtOrAfterLocked(now - policy.max_age));
    }
    target = ClampRetentionTarget(policy, oldest_, target);
    const uint64_t removed = target - oldest_;
    for (uint64_t i = 0; i < removed; ++i) {
      const v1::SituationUpdate& update = entries_.front()->update;
      by_event_.erase({update.publisher(), update.event_id()});
      entries_.pop_front();
    }
    oldest_ = target;
    return removed;
  }

  void SetAppendListener(AppendListener* listener) override {
    listener_.store(listener, std::memory_order_release);
    health_.ListenerAttached();
  }

  // SetInMemoryAppendFailure.
  void SetAppendFailure(absl::Status failure) {
    absl::MutexLock lock(&mu_);
    append_failure_ = std::move(failure);
  }

  // Completes the appends already queued (they were accepted), then stops
  // the writer. Must not be called from a listener or an append's `done`.
  void Close() override {
    {
      absl::MutexLock lock(&queue_mu_);
      stopping_ = true;
    }
    {
      absl::MutexLock order(&close_mu_);
      if (writer_.joinable()) writer_.join();
    }
    health_.Close();
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

 private:
  struct Pending {
    std::vector<AppendRequest> batch;
    AppendCallback done;
  };

  bool HasWorkLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    return !queue_.empty() || stopping_;
  }

  // The writer thread: one queued batch at a time, in order; returns once
  // Close() was called and the queue is empty.
  void WriterLoop() {
    for (;;) {
      Pending pending;
      {
        absl::MutexLock lock(&queue_mu_);
        queue_mu_.Await(absl::Condition(
            this, &InMemoryEventLog::HasWorkLocked));
        if (queue_.empty()) return;
        pending = std::move(queue_.front());
        queue_.pop_front();
      }
      std::vector<absl::StatusOr<AppendResult>> results =
          ApplyAndTell(pending.batch);
      health_.ReportAppend(results);
      pending.done(std::move(results));
    }
  }

  // Applies `batch` and tells the listener what was stored. Writer thread.
  std::vector<absl::StatusOr<AppendResult>> ApplyAndTell(
      const std::vector<AppendRequest>& batch) {
    std::vector<absl::StatusOr<AppendResult>> results;
    std::vector<LogEntryPtr> added;
    std::vector<IncidentRecordPtr> incidents;
    AppendListener* listener = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (!append_failure_.ok()) {
        // The whole batch fails, nothing stored, as a real store's would.
        return std::vector<absl::StatusOr<AppendResult>>(batch.size(),
                                                         append_failure_);
      }
      for (const AppendRequest& request : batch) {
        results.push_back(ApplyLocked(request, &added, &incidents));
      }
      listener = listener_.load(std::memory_order_acquire);
    }
    if (listener != nullptr && !added.empty()) {
      listener->OnAppended(added, incidents);
    }
    return results;
  }

  // REQUIRES: mu_ held.
  uint64_t FirstAtOrAfterLocked(absl::Time time) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = std::partition_point(
        entries_.begin(), entries_.end(), [time](const LogEntryPtr& entry) {
          return absl::FromUnixMicros(ReceivedAtMicros(entry->update)) < time;
        });
    return it == entries_.end() ? head_ + 1 : (*it)->sequence();
  }

  // Applies one request; stored entries are added to *added and the
  // incident records they made (null: none) to *incidents.
  // REQUIRES: mu_ held.
  absl::StatusOr<AppendResult> ApplyLocked(
      const AppendRequest& request, std::vector<LogEntryPtr>* added,
      std::vector<IncidentRecordPtr>* incidents)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Status status = CheckAppendRequest(request);
    if (!status.ok()) return status;
    const v1::SituationUpdate& update = request.update;
    auto stored = by_event_.find({update.publisher(), update.event_id()});
    if (stored != by_event_.end()) {
      status = CheckSameContent(stored->second->update, update);
      if (!status.ok()) return status;
      return AppendResult{stored->second, /*duplicate=*/true};
    }
    const IncidentRecord* current = nullptr;
    if (!update.incident_id().empty()) {
      auto it = incidents_.find(update.incident_id());
      if (it != incidents_.end()) current = it->second.get();
    }
    const absl::Time received_at =
        NextReceivedAt(clock_->Now(), last_received_at_);
    absl::StatusOr<PreparedAppend> prepared =
        PrepareAppend(request, current, head_ + 1, received_at);
    if (!prepared.ok()) return prepared.status();
    LogEntryPtr entry = std::move(prepared->entry);
    if (prepared->record != nullptr) {
      incidents_[update.incident_id()] = prepared->record;
    }
    last_received_at_ = received_at;
    ++head_;
    entries_.push_back(entry);
    by_event_[{update.publisher(), update.event_id()}] = entry;
    added->push_back(entry);
    incidents->push_back(std::move(prepared->record));
    return AppendResult{std::move(entry), /*duplicate=*/false};
  }

  // Constant after construction.
  Clock* const clock_;
  const std::string log_id_;

  // Appends waiting for the writer thread.
  absl::Mutex queue_mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  // Serialises Close()'s join (Close may be called twice concurrently).
  absl::Mutex close_mu_;

  // State below is protected by mu_.
  mutable absl::Mutex mu_;
  std::deque<LogEntryPtr> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t oldest_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Time last_received_at_ ABSL_GUARDED_BY(mu_) = absl::UnixEpoch();
  std::map<std::pair<std::string, std::string>, LogEntryPtr> by_event_
      ABSL_GUARDED_BY(mu_);
  // Immutable records, replaced per update and handed out as they are.
  std::map<std::string, IncidentRecordPtr> incidents_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // What every append fails with (SetInMemoryAppendFailure); OK: none.
  absl::Status append_failure_ ABSL_GUARDED_BY(mu_);

  std::atomic<AppendListener*> listener_{nullptr};
  // Appends' outcomes, told to the listener as health (as the real logs).
  LogHealth health_{&listener_};

  // Last: started once every member above exists.
  std::thread writer_;
};

}  // namespace

void SetInMemoryAppendFailure(EventLog* log, absl::Status failure) {
  static_cast<InMemoryEventLog*>(log)->SetAppendFailure(std::move(failure));
}

std::unique_ptr<EventLog> NewInMemoryEventLog(Clock* clock) {
  return std::make_unique<InMemoryEventLog>(clock);
}

}  // namespace sitrep
