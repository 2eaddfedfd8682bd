#ifndef SITREP_SERVER_LOG_SQLITE_EVENT_LOG_H_
#define SITREP_SERVER_LOG_SQLITE_EVENT_LOG_H_

// What the SQLite event log shows beyond the EventLog interface. The log
// itself is opened with OpenSqliteEventLog() (event_log.h); its class stays
// in sqlite_event_log.cc.
//
// Layout of <data_dir>/sitrep.db (WAL mode, schema version 1):
//   meta(key, value)        log_id, schema_version, head, last_received_at_us
//   updates(sequence, ...)  one row per retained update; body = the encoded
//                           SituationUpdate; UNIQUE(publisher, event_id)
//   incidents(incident_id)  every incident thread's record (never removed by
//                           retention, so the situation survives it)
// Deduplication by (publisher, event_id) covers the retained updates only.

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

#include "server/log/event_log.h"

namespace sitrep {

struct SqliteEventLogStats {
  // Append transactions committed: one per group commit, whatever the
  // number of Append calls and requests it covered.
  uint64_t transactions = 0;
  // Updates stored (duplicates and rejected requests aside).
  uint64_t appended = 0;
  // Retention transactions (each removes at most a small chunk).
  uint64_t retention_steps = 0;
  // WAL checkpoints run by the log's checkpoint thread, and those the writer
  // had to run itself because that thread fell far behind.
  uint64_t wal_checkpoints = 0;
  uint64_t writer_wal_checkpoints = 0;
  // Of wal_checkpoints, those that restarted the WAL (holding the writer's
  // lock briefly); the time each kind took in total; and the time the
  // writer waited for restarts.
  uint64_t wal_restarts = 0;
  absl::Duration wal_passive_time;
  absl::Duration wal_restart_time;
  absl::Duration writer_wal_checkpoint_time;
  absl::Duration writer_wal_wait;
};

// The counters of `log` if OpenSqliteEventLog() made it; nullopt for any
// other EventLog. Thread-safe; the counters are read without locking and may
// be a commit behind.
std::optional<SqliteEventLogStats> GetSqliteEventLogStats(const EventLog& log);

// The name of the database file inside data_dir.
inline constexpr char kSqliteFileName[] = "sitrep.db";

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_SQLITE_EVENT_LOG_H_
