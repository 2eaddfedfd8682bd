#include "server/log/observed_event_log.h"

#include <atomic>
#include <utility>
#include <vector>

namespace sitrep {
namespace {

using Operation = StoreHealth::Operation;

// An append result that says the store failed. FAILED_PRECONDITION and
// ALREADY_EXISTS are per-request answers (incident rules, event id reuse)
// of a working store.
bool IsAppendFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

class ObservedEventLog final : public EventLog {
 public:
  ObservedEventLog(std::unique_ptr<EventLog> log, StoreHealth* health)
      : log_(std::move(log)), health_(health) {}

  const std::string& log_id() const override { return log_->log_id(); }

  void Append(std::vector<AppendRequest> batch, AppendCallback done) override {
    log_->Append(
        std::move(batch),
        [this, done = std::move(done)](
            std::vector<absl::StatusOr<AppendResult>> results) mutable {
          if (!closed_.load(std::memory_order_acquire)) {
            const absl::Status* failure = nullptr;
            for (const auto& result : results) {
              if (IsAppendFailure(result.status())) {
                failure = &result.status();
                break;
              }
            }
            if (failure != nullptr) {
              health_->ReportFailure(Operation::kWrite, *failure);
            } else if (!results.empty()) {
              health_->ReportSuccess(Operation::kWrite);
            }
          }
          done(std::move(results));
        });
  }

  absl::StatusOr<std::vector<LogEntryPtr>> Read(
      const ReadRange& range) const override {
    return Observe(Operation::kRead, log_->Read(range));
  }

  absl::StatusOr<MissionRead> ReadForMissions(
      const ReadRange& range, MissionSet missions) const override {
    return Observe(Operation::kRead, log_->ReadForMissions(range, missions));
  }

  uint64_t Head() const override { return log_->Head(); }
  uint64_t Oldest() const override { return log_->Oldest(); }

  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const override {
    return Observe(Operation::kRead, log_->FirstSequenceAtOrAfter(time));
  }

  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override {
    return Observe(Operation::kRead, log_->LoadOpenIncidents());
  }

  absl::StatusOr<std::optional<IncidentRecord>> LoadIncident(
      const std::string& incident_id) const override {
    return Observe(Operation::kRead, log_->LoadIncident(incident_id));
  }

  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy& policy,
                                          absl::Time now) override {
    return Observe(Operation::kWrite, log_->ApplyRetention(policy, now));
  }

  absl::Status SaveSituationSnapshot(
      const StoredSituation& snapshot) override {
    absl::Status status = log_->SaveSituationSnapshot(snapshot);
    if (closed_.load(std::memory_order_acquire)) return status;
    if (status.ok()) {
      health_->ReportSuccess(Operation::kWrite);
    } else if (IsStoreFailure(status)) {
      health_->ReportFailure(Operation::kWrite, status);
    }
    return status;
  }

  absl::StatusOr<std::vector<uint64_t>> ListSituationSnapshots()
      const override {
    return Observe(Operation::kRead, log_->ListSituationSnapshots());
  }

  absl::StatusOr<StoredSituation> LoadSituationSnapshot(
      uint64_t sequence) const override {
    return Observe(Operation::kRead, log_->LoadSituationSnapshot(sequence));
  }

  void SetAppendListener(AppendListener* listener) override {
    log_->SetAppendListener(listener);
  }

  void Close() override {
    closed_.store(true, std::memory_order_release);
    log_->Close();
  }

 private:
  template <typename T>
  absl::StatusOr<T> Observe(Operation operation,
                            absl::StatusOr<T> result) const {
    if (closed_.load(std::memory_order_acquire)) return result;
    if (result.ok()) {
      health_->ReportSuccess(operation);
    } else if (IsStoreFailure(result.status())) {
      health_->ReportFailure(operation, result.status());
    }
    return result;
  }

  const std::unique_ptr<EventLog> log_;
  StoreHealth* const health_;
  std::atomic<bool> closed_{false};
};

}  // namespace

bool IsStoreFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
    // A corrupt or foreign database file (sqlite_statement.cc).
    case absl::StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

std::unique_ptr<EventLog> ObserveEventLog(std::unique_ptr<EventLog> log,
                                          StoreHealth* health) {
  return std::make_unique<ObservedEventLog>(std::move(log), health);
}

}  // namespace sitrep
