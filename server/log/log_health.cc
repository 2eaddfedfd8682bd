#include "server/log/log_health.h"

#include "absl/strings/str_cat.h"

namespace sitrep {
namespace {

using Operation = StoreHealth::Operation;

// An append result that says the store failed. FAILED_PRECONDITION and
// ALREADY_EXISTS are per-request answers (incident rules, event id reuse)
// of a working store.
bool IsAppendFailure(const absl::Status& status) {
  return status.code() != absl::StatusCode::kFailedPrecondition &&
         IsStoreFailure(status);
}

}  // namespace

LogHealth::LogHealth(const std::atomic<AppendListener*>* listener) {
  // StoreHealth serialises its listener's calls, so the log's listener
  // hears the changes in order.
  health_.SetListener([this, listener](bool) {
    if (AppendListener* l = listener->load(std::memory_order_acquire)) {
      l->OnHealthChanged(health_);
    }
  });
}

void LogHealth::ReportAppend(
    const std::vector<absl::StatusOr<AppendResult>>& results) {
  if (closed() || results.empty()) return;
  for (const auto& result : results) {
    if (IsAppendFailure(result.status())) {
      health_.ReportFailure(Operation::kWrite, result.status());
      return;
    }
  }
  health_.ReportSuccess(Operation::kWrite);
}

void LogHealth::ReportWrite(const absl::Status& status) {
  if (closed()) return;
  if (status.ok()) {
    health_.ReportSuccess(Operation::kWrite);
  } else if (IsStoreFailure(status)) {
    health_.ReportFailure(Operation::kWrite, status);
  }
}

void LogHealth::ReportRead(const absl::Status& status) {
  if (closed()) return;
  if (status.ok()) {
    health_.ReportSuccess(Operation::kRead);
  } else if (IsStoreFailure(status)) {
    health_.ReportFailure(Operation::kRead, status);
  }
}

void LogHealth::ReportConnection(bool connected, absl::string_view url) {
  if (closed()) return;
  if (connected) {
    health_.ReportSuccess(Operation::kWrite);
  } else {
    health_.ReportFailure(
        Operation::kWrite,
        absl::UnavailableError(
            absl::StrCat("lost the connection to NATS at ", url)));
  }
}

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

}  // namespace sitrep
