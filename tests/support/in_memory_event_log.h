#ifndef SITREP_TESTS_SUPPORT_IN_MEMORY_EVENT_LOG_H_
#define SITREP_TESTS_SUPPORT_IN_MEMORY_EVENT_LOG_H_

#include <memory>

#include "server/log/event_log.h"
#include "server/runtime/clock.h"

namespace sitrep {

// An EventLog that keeps everything in memory, for unit tests (leveldb's
// NewMemEnv pattern). It passes the same conformance suite as the SQLite log
// (tests/unit/log/event_log_conformance_test.cc): dense sequences, dedupe,
// incident rules, received_at never decreasing, retention that keeps the
// incident records, Close -> UNAVAILABLE.
//
// Differences, all about threads:
//   - Append runs synchronously on the caller's thread: the listener and
//     then `done` have run when Append returns. Appends are serialised, so
//     the listener still sees entries in sequence order, and `done` runs
//     outside every lock (it may Append again or read the log).
//   - After Close, Append's `done` runs at once with UNAVAILABLE.
//   - ApplyRetention removes everything at once.
// `clock` (not owned, must outlive the log) stamps received_at; null: real.
std::unique_ptr<EventLog> NewInMemoryEventLog(Clock* clock = nullptr);

}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_IN_MEMORY_EVENT_LOG_H_
