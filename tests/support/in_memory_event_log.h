#ifndef SITREP_TESTS_SUPPORT_IN_MEMORY_EVENT_LOG_H_
#define SITREP_TESTS_SUPPORT_IN_MEMORY_EVENT_LOG_H_

#include <memory>

#include "absl/status/status.h"

#include "server/log/event_log.h"
#include "server/runtime/clock.h"

namespace sitrep {

// An EventLog that keeps everything in memory, for unit tests (leveldb's
// NewMemEnv pattern). It passes the same conformance suite as the SQLite log
// (tests/unit/log/event_log_conformance_test.cc): dense sequences, dedupe,
// incident rules, received_at never decreasing, retention that keeps the
// incident records, Close -> UNAVAILABLE.
//
// Like the real logs, it has one writer thread: Append only queues, and the
// writer applies each batch, tells the listener and then runs `done`, so a
// test sees the "on the writer thread" contract the server relies on (wait
// for `done`, e.g. AppendAndWait, before looking). `done` runs outside
// every lock (it may Append again or read the log).
// Differences:
//   - After Close, Append's `done` runs at once, on the caller's thread,
//     with UNAVAILABLE.
//   - ApplyRetention removes everything at once, on the caller's thread.
//   - Only appends report health (nothing else can fail), and they fail
//     only when a test says so (SetInMemoryAppendFailure).
// `clock` (not owned, must outlive the log) stamps received_at; null: real.
std::unique_ptr<EventLog> NewInMemoryEventLog(Clock* clock = nullptr);

// Makes every later append of `log` (made by NewInMemoryEventLog) fail as a
// whole with `failure`, storing nothing, as a full disk would; its health
// follows (a store failure such as UNAVAILABLE makes it unavailable). OK
// lets appends through again; the next one that succeeds heals the health.
void SetInMemoryAppendFailure(EventLog* log, absl::Status failure);

}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_IN_MEMORY_EVENT_LOG_H_
