#ifndef SITREP_SERVER_LOG_LOG_HEALTH_H_
#define SITREP_SERVER_LOG_LOG_HEALTH_H_

// Example (each backend, in its own operations):
//
//   mutable LogHealth health_{&listener_};      // the log's listener slot
//   ...
//   return health_.Read(std::move(result));     // a read's outcome
//   health_.ReportWrite(status);                // retention, a snapshot
//   health_.ReportAppend(results);              // a batch, before `done`
//   ...
//   void SetAppendListener(AppendListener* l) {
//     listener_.store(l);
//     health_.ListenerAttached();               // told where the store is
//   }
//   void Close() { health_.Close(); ... }       // refusals from now on are
//                                               // no store failures
//
// A backend's own account of its store's health: the outcome of each store
// operation goes through it, and a change of StoreHealth::available() is
// told to the log's AppendListener (OnHealthChanged) by the backend itself,
// on the thread whose operation showed it; a listener that is attached is
// told the current health at once (ListenerAttached). What counts as a
// failure:
//   appends    a request failing UNAVAILABLE, INTERNAL, DATA_LOSS or UNKNOWN
//              (one refused for its content is the store working);
//   the rest   IsStoreFailure (reads; retention and snapshots as writes);
//   JetStream  the connection to NATS lost, as a write, until it is back.
// Outcomes after Close() are not reported: a closed log refuses by design.
//
// Thread safety: every method may be called concurrently.

#include <atomic>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/event_log.h"
#include "server/log/store_health.h"

namespace sitrep {

class LogHealth {
 public:
  // `listener` is the log's listener slot (borrowed; read at each change).
  explicit LogHealth(const std::atomic<AppendListener*>* listener);
  LogHealth(const LogHealth&) = delete;
  LogHealth& operator=(const LogHealth&) = delete;

  // The outcome of an append batch: one result per request.
  void ReportAppend(const std::vector<absl::StatusOr<AppendResult>>& results);
  // A write other than an append (retention, a snapshot).
  void ReportWrite(const absl::Status& status);
  void ReportRead(const absl::Status& status);
  // Reports `result` as a read and returns it.
  template <typename T>
  absl::StatusOr<T> Read(absl::StatusOr<T> result) {
    ReportRead(result.status());
    return result;
  }
  // The connection to NATS at `url` was lost (a write failure) or is back.
  void ReportConnection(bool connected, absl::string_view url);
  // The log's listener slot was just set: tells the listener the current
  // health, on the caller's thread and serialised with the changes' calls,
  // so that a change from before it came (a store that failed while
  // opening) does not wait for the next change to reach it. Nothing after
  // Close() or for an empty slot.
  void ListenerAttached() {
    if (!closed()) health_.NotifyCurrent();
  }
  // From now on nothing is reported.
  void Close() { closed_.store(true, std::memory_order_release); }

  const StoreHealth& health() const { return health_; }

 private:
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  StoreHealth health_;
  std::atomic<bool> closed_{false};
};

// Whether `status` of a read or retention says the store failed (rather
// than the request being wrong or the log being closed).
bool IsStoreFailure(const absl::Status& status);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_LOG_HEALTH_H_
