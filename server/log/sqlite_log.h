// The SQLite event log's class, shared by its files (one per concept, as
// the JetStream log's): sqlite_event_log.cc opens it (schema, upgrades,
// incident records at open, close), sqlite_writer.cc is the writer thread
// and its group commit, sqlite_reads.cc the read connections and reads,
// sqlite_retention.cc retention and the situation snapshots. The public way
// in is OpenSqliteEventLog (event_log.h); nothing outside server/log
// includes this header.
#ifndef SITREP_SERVER_LOG_SQLITE_LOG_H_
#define SITREP_SERVER_LOG_SQLITE_LOG_H_

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/log/append_rules.h"
#include "server/log/group_commit.h"
#include "server/log/incident_thread.h"
#include "server/log/log_health.h"
#include "server/log/situation_snapshot_codec.h"
#include "server/log/sqlite_exercise_upgrade.h"
#include "server/log/sqlite_statement.h"
#include "server/log/wal_checkpointer.h"
#include "server/runtime/logging.h"
#include "server/log/sqlite_event_log.h"

namespace sitrep {
namespace sqlite_log {

// 3 added updates.previous_mission; a version 2 store is upgraded in place
// (its rows keep previous_mission NULL, which reads treat as "any mission").
// 4 added incidents.state (the incident as folded by FoldIntoIncident); a
// version 3 store is upgraded in place by replaying the retained threads.
inline constexpr int64_t kSchemaVersion = 5;
// Rows removed per retention transaction: small enough that an append batch
// queued meanwhile waits for milliseconds, not seconds.
inline constexpr uint64_t kRetentionChunk = 2000;
// Idle read connections kept for reuse; more may exist while busy.
inline constexpr size_t kMaxIdleReaders = 4;

inline constexpr char kIncidentColumns[] =
    "incident_id, version, closed, latest, opening, support_requested, "
    "support_acknowledged, current_tier, peak_severity, state";

// The first retained sequence received at or after a time (in microseconds),
// not beyond a head: exact because received_at never decreases.
inline constexpr char kFirstAtOrAfter[] =
    "SELECT sequence FROM updates WHERE received_at_us >= ?1 AND sequence <= ?2"
    " ORDER BY received_at_us, sequence LIMIT 1";

// ReadForMissions: ?4 is the MissionSet's bits(). The first retained row of the
// range always comes back (the uncorrelated subquery runs once); a row
// whose previous_mission is NULL although it has a previous update (written
// by schema version 2) comes back too.
inline constexpr char kReadForMissions[] =
    "SELECT body, previous FROM updates WHERE sequence BETWEEN ?1 AND ?2 AND ("
    " sequence = (SELECT min(sequence) FROM updates WHERE sequence >= ?1)"
    " OR (mission < 32 AND (?4 >> mission) & 1)"
    " OR (previous_mission < 32 AND (?4 >> previous_mission) & 1)"
    " OR (previous_mission IS NULL AND previous IS NOT NULL))"
    " ORDER BY sequence ASC LIMIT ?3";

absl::Status CloseError();
absl::Status ParseUpdate(absl::string_view body, absl::string_view what,
                         v1::SituationUpdate* update);
// Reads the incident record from a row of `SELECT kIncidentColumns`.
absl::StatusOr<IncidentRecord> IncidentFromRow(const sqlite::Statement& row);
// Opens a connection with the settings every connection of the log shares.
absl::StatusOr<std::unique_ptr<sqlite::Database>> OpenConnection(
    const std::string& path, bool create);

// Everything the writer thread does runs through these statements.
struct WriterStatements {
  sqlite::Statement begin, commit, rollback;
  sqlite::Statement find_event;
  sqlite::Statement insert_update;
  sqlite::Statement upsert_incident;
  sqlite::Statement set_meta;
  sqlite::Statement delete_before;
  sqlite::Statement first_at_or_after;
  sqlite::Statement put_snapshot, delete_snapshots_before;

  absl::Status Prepare(sqlite::Database* db) {
    const std::pair<sqlite::Statement*, const char*> all[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        {&find_event,
         "SELECT body FROM updates WHERE publisher = ?1 AND event_id = ?2"},
        {&insert_update,
         "INSERT INTO updates(sequence, publisher, event_id, received_at_us, "
         "mission, role, severity, category, municipality, incident_id, body, "
         "previous, previous_mission) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
         // A repeated (publisher, event_id) inserts nothing (changes() = 0):
         // the insert is the duplicate check, one index descent instead of
         // a SELECT before every insert.
         "ON CONFLICT(publisher, event_id) DO NOTHING"},
        {&upsert_incident,
         "INSERT OR REPLACE INTO incidents(incident_id, version, closed, "
         "latest, opening, support_requested, support_acknowledged, "
         "current_tier, peak_severity, latest_sequence, state) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
        {&set_meta,
         "INSERT OR REPLACE INTO meta(key, value) "
         "VALUES('head', ?1), ('last_received_at_us', ?2)"},
        {&delete_before, "DELETE FROM updates WHERE sequence < ?1"},
        {&first_at_or_after, kFirstAtOrAfter},
        {&put_snapshot,
         "INSERT OR REPLACE INTO situation_snapshots(sequence, body) "
         "VALUES(?1, ?2)"},
        {&delete_snapshots_before,
         "DELETE FROM situation_snapshots WHERE sequence < ?1"},
    };
    for (const auto& [statement, sql] : all) {
      absl::Status status = statement->Prepare(db, sql);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
};

// One read connection and its cached statements. (Incident records are
// read from the writer's records in memory, not from here.)
struct Reader {
  std::unique_ptr<sqlite::Database> db;
  sqlite::Statement read_ascending, read_descending, read_for_missions;
  sqlite::Statement first_at_or_after;
  sqlite::Statement begin, commit, head;
  sqlite::Statement list_snapshots, load_snapshot;

  absl::Status Prepare() {
    const std::pair<sqlite::Statement*, const char*> all[] = {
        {&read_ascending,
         "SELECT body, previous FROM updates WHERE sequence BETWEEN ?1 AND ?2 "
         "ORDER BY sequence ASC LIMIT ?3"},
        {&read_descending,
         "SELECT body, previous FROM updates WHERE sequence BETWEEN ?1 AND ?2 "
         "ORDER BY sequence DESC LIMIT ?3"},
        {&read_for_missions, kReadForMissions},
        {&first_at_or_after, kFirstAtOrAfter},
        {&begin, "BEGIN"},
        {&commit, "COMMIT"},
        {&head, "SELECT value FROM meta WHERE key = 'head'"},
        {&list_snapshots,
         "SELECT sequence FROM situation_snapshots ORDER BY sequence"},
        {&load_snapshot,
         "SELECT body FROM situation_snapshots WHERE sequence = ?1"},
    };
    for (const auto& [statement, sql] : all) {
      absl::Status status = statement->Prepare(db.get(), sql);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
};

// The retention run ApplyRetention waits for; advanced a chunk at a time
// by tasks on the writer thread.
struct RetentionJob {
  RetentionPolicy policy;
  absl::Time now;
  bool started = false;
  uint64_t target = 0;  // The first sequence to keep.
  uint64_t removed = 0;
  absl::Status status;
  absl::Notification done;
};

// The SQLite EventLog: one database file in WAL mode, one writer thread
// doing group commit, a small pool of read connections.
//
// Thread safety: every public method may be called from any thread, except
// that Close() and the destructor must not run on the writer thread (in an
// AppendListener or an AppendCallback) and ApplyRetention() must not either.
// Appends go through queue_ to the writer thread, which alone uses
// writer_db_ and the state under "Owned by the writer thread". Readers take
// a connection of their own from the pool; WAL lets them read a consistent
// snapshot while the writer commits.
//
// Invariants: the retained sequences are exactly [oldest_, head_]; head_ is
// published only after the commit that stored it, so a Read up to Head()
// finds every entry; incidents_ equals the incidents table as of the last
// commit, and changes with head_ under incidents_mu_, so that
// LoadOpenIncidents() gives the records of exactly its head. Records are
// immutable and shared (IncidentRecordPtr): a commit replaces the pointers
// of the incidents it changed, and the listener and LoadOpenIncidents hand
// out the very records incidents_ holds.
class SqliteEventLog final : public EventLog {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteEventLog>> Open(
      const SqliteOptions& options);

  ~SqliteEventLog() override { Close(); }

  const std::string& log_id() const override { return log_id_; }
  void Append(std::vector<AppendRequest> batch, AppendCallback done) override;
  absl::StatusOr<std::vector<LogEntryPtr>> Read(
      const ReadRange& range) const override;
  absl::StatusOr<MissionRead> ReadForMissions(
      const ReadRange& range, MissionSet missions) const override;
  uint64_t Head() const override { return head_.load(std::memory_order_acquire); }
  uint64_t Oldest() const override {
    return oldest_.load(std::memory_order_acquire);
  }
  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const override;
  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override;
  absl::StatusOr<std::optional<IncidentRecord>> LoadIncident(
      const std::string& incident_id) const override;
  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy& policy,
                                          absl::Time now) override;
  absl::Status SaveSituationSnapshot(
      const StoredSituation& snapshot) override;
  absl::StatusOr<std::vector<uint64_t>> ListSituationSnapshots()
      const override;
  absl::StatusOr<StoredSituation> LoadSituationSnapshot(
      uint64_t sequence) const override;
  void SetAppendListener(AppendListener* listener) override {
    listener_.store(listener, std::memory_order_release);
    health_.ListenerAttached();
  }
  void Close() override;

  SqliteEventLogStats stats() const {
    SqliteEventLogStats stats;
    stats.transactions = transactions_.load(std::memory_order_relaxed);
    stats.appended = appended_.load(std::memory_order_relaxed);
    stats.retention_steps = retention_steps_.load(std::memory_order_relaxed);
    if (checkpointer_ != nullptr) {
      const WalCheckpointer::Stats wal = checkpointer_->stats();
      stats.wal_checkpoints = wal.passive + wal.restarts;
      stats.writer_wal_checkpoints = wal.writer;
      stats.wal_restarts = wal.restarts;
      stats.wal_passive_time = wal.passive_time;
      stats.wal_restart_time = wal.restart_time;
      stats.writer_wal_checkpoint_time = wal.writer_time;
      stats.writer_wal_wait = wal.writer_waited;
    }
    return stats;
  }

 private:
  // The changes of the open transaction, applied to the log's state only
  // once it commits.
  struct Transaction {
    uint64_t head = 0;
    absl::Time last_received_at;
    absl::flat_hash_map<std::string, IncidentRecordPtr> incidents;
    std::vector<LogEntryPtr> added;
    // added_incidents[i]: the record added[i] made (null: no incident).
    std::vector<IncidentRecordPtr> added_incidents;
  };

  SqliteEventLog(const SqliteOptions& options, std::string path)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : RealClock()),
        path_(std::move(path)),
        queue_(options.max_batch) {}

  // Creates or checks the schema and loads the writer's state: the steps
  // below, in order.
  absl::Status Initialize();
  // Creates the schema, or checks and upgrades it, in one transaction.
  absl::Status OpenSchema();
  // The meta rows of a new store (a new log_id).
  absl::Status CreateMeta();
  // Takes log_id_, the head and the last received_at from an existing
  // store's meta rows; FAILED_PRECONDITION for another schema version.
  absl::Status CheckMeta(
      const absl::flat_hash_map<std::string, std::string>& meta);
  // Sets head_ and oldest_ from the store.
  absl::Status LoadOldest();
  absl::Status LoadIncidents() ABSL_LOCKS_EXCLUDED(incidents_mu_);
  // The record of `incident_id` as of the last commit; null if unknown.
  IncidentRecordPtr CommittedIncident(const std::string& incident_id) const
      ABSL_LOCKS_EXCLUDED(incidents_mu_);
  // Makes a committed transaction's head and records the log's.
  void PublishCommit(Transaction* tx) ABSL_LOCKS_EXCLUDED(incidents_mu_);

  // Writer thread.
  void WriterLoop();
  void CommitBatch(std::vector<GroupCommitQueue::PendingAppend>* appends);
  // Applies one request inside the open transaction. A per-request failure
  // is returned; a store failure is returned and also put in *store_error.
  absl::StatusOr<AppendResult> ApplyInTransaction(AppendRequest& request,
                                                  Transaction* tx,
                                                  absl::Status* store_error);
  // False when an update with the entry's (publisher, event_id) is stored
  // already (the entry is then not inserted).
  absl::StatusOr<bool> InsertUpdate(const LogEntry& entry);
  // The update stored under (publisher, event_id) of `update`; null if none.
  absl::StatusOr<LogEntryPtr> StoredUnder(const v1::SituationUpdate& update);
  absl::Status StoreIncident(const IncidentRecord& record);
  // Replays the retained threads of records written by schema 3 and stores
  // their state (before the writer thread starts).
  absl::Status RederiveLegacyIncidents() ABSL_LOCKS_EXCLUDED(incidents_mu_);
  // Stores the legacy records as `replayed` re-derived them (or as they
  // are, no longer legacy, when their thread could not be replayed).
  absl::Status StoreRederived(
      const absl::flat_hash_map<std::string, IncidentRecordPtr>& replayed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(incidents_mu_);
  void RetentionStep(const std::shared_ptr<RetentionJob>& job);
  absl::StatusOr<uint64_t> RetentionTarget(const RetentionJob& job);

  // Read connections.
  absl::StatusOr<std::unique_ptr<Reader>> AcquireReader() const;
  void ReleaseReader(std::unique_ptr<Reader> reader) const;
  // Runs a read statement (?1 first, ?2 last, ?3 limit, ?4 the missions if
  // any) and appends the entries of its rows.
  absl::Status ReadRows(sqlite::Statement Reader::*statement, uint64_t first,
                        uint64_t last, size_t limit,
                        std::optional<MissionSet> missions,
                        std::vector<LogEntryPtr>* entries) const;

  // Constant after construction.
  const SqliteOptions options_;
  Clock* const clock_;
  const std::string path_;
  std::string log_id_;  // Set by Initialize(), before any other thread runs.
  std::thread::id writer_id_;

  // Owned by the writer thread (Initialize() runs before it starts).
  std::unique_ptr<sqlite::Database> writer_db_;
  WriterStatements w_;
  // Takes the WAL checkpoints off the writer (set by Initialize(), stopped
  // by the writer at its end; destroyed before writer_db_).
  std::unique_ptr<WalCheckpointer> checkpointer_;
  uint64_t writer_head_ = 0;
  absl::Time last_received_at_ = absl::UnixEpoch();

  // Every incident ever opened, as of the last commit: written by the
  // writer thread (and Initialize) only, read by any.
  mutable absl::Mutex incidents_mu_;
  absl::flat_hash_map<std::string, IncidentRecordPtr> incidents_
      ABSL_GUARDED_BY(incidents_mu_);

  // Read without locking by any thread; written by the writer thread.
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> oldest_{1};
  std::atomic<AppendListener*> listener_{nullptr};
  // Tells listener_ of the store's health, from the outcomes below.
  mutable LogHealth health_{&listener_};
  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> retention_steps_{0};

  GroupCommitQueue queue_;
  std::thread writer_;

  // State below is protected by readers_mu_.
  mutable absl::Mutex readers_mu_;
  mutable std::vector<std::unique_ptr<Reader>> idle_readers_
      ABSL_GUARDED_BY(readers_mu_);

  // Serialises Close() so that the writer is joined once.
  absl::Mutex close_mu_;
};


}  // namespace sqlite_log
}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_SQLITE_LOG_H_
