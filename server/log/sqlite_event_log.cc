#include "server/log/sqlite_event_log.h"

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
#include "server/log/situation_snapshot_codec.h"
#include "server/log/sqlite_exercise_upgrade.h"
#include "server/log/sqlite_statement.h"
#include "server/log/wal_checkpointer.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace {

// 3 added updates.previous_mission; a version 2 store is upgraded in place
// (its rows keep previous_mission NULL, which reads treat as "any mission").
// 4 added incidents.state (the incident as folded by FoldIntoIncident); a
// version 3 store is upgraded in place by replaying the retained threads.
constexpr int64_t kSchemaVersion = 5;
// Rows removed per retention transaction: small enough that an append batch
// queued meanwhile waits for milliseconds, not seconds.
constexpr uint64_t kRetentionChunk = 2000;
// Idle read connections kept for reuse; more may exist while busy.
constexpr size_t kMaxIdleReaders = 4;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS updates(
  sequence INTEGER PRIMARY KEY,
  publisher TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at_us INTEGER NOT NULL,
  mission INTEGER NOT NULL,
  role INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  category INTEGER NOT NULL,
  municipality TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  body BLOB NOT NULL,
  -- LogEntry::previous: the incident's previous update as FilterView, and
  -- its mission, so that ReadForMissions can leave rows out unread.
  previous BLOB,
  previous_mission INTEGER,
  UNIQUE(publisher, event_id));
CREATE INDEX IF NOT EXISTS updates_by_received_at ON updates(received_at_us);
CREATE INDEX IF NOT EXISTS updates_by_incident ON updates(incident_id);
CREATE TABLE IF NOT EXISTS incidents(
  incident_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  closed INTEGER NOT NULL,
  latest BLOB NOT NULL,
  opening BLOB NOT NULL,
  support_requested INTEGER NOT NULL,
  support_acknowledged INTEGER NOT NULL,
  current_tier INTEGER NOT NULL,
  peak_severity INTEGER NOT NULL,
  latest_sequence INTEGER NOT NULL,
  -- v1::Incident as folded by FoldIntoIncident; NULL in rows written by
  -- schema 3 until the upgrade re-derives them. The columns before it are
  -- its summary, kept for older readers of the file.
  state BLOB);
-- StoredSituation (situation_snapshot_codec.h): the open incidents after
-- `sequence`, where GetSituation as_of starts its replay.
CREATE TABLE IF NOT EXISTS situation_snapshots(
  sequence INTEGER PRIMARY KEY,
  body BLOB NOT NULL);
)sql";

constexpr char kIncidentColumns[] =
    "incident_id, version, closed, latest, opening, support_requested, "
    "support_acknowledged, current_tier, peak_severity, state";

// The first retained sequence received at or after a time (in microseconds),
// not beyond a head: exact because received_at never decreases.
constexpr char kFirstAtOrAfter[] =
    "SELECT sequence FROM updates WHERE received_at_us >= ?1 AND sequence <= ?2"
    " ORDER BY received_at_us, sequence LIMIT 1";

// ReadForMissions: ?4 is the MissionSet's bits(). The first retained row of the
// range always comes back (the uncorrelated subquery runs once); a row
// whose previous_mission is NULL although it has a previous update (written
// by schema version 2) comes back too.
constexpr char kReadForMissions[] =
    "SELECT body, previous FROM updates WHERE sequence BETWEEN ?1 AND ?2 AND ("
    " sequence = (SELECT min(sequence) FROM updates WHERE sequence >= ?1)"
    " OR (mission < 32 AND (?4 >> mission) & 1)"
    " OR (previous_mission < 32 AND (?4 >> previous_mission) & 1)"
    " OR (previous_mission IS NULL AND previous IS NOT NULL))"
    " ORDER BY sequence ASC LIMIT ?3";

absl::Status CloseError() {
  return absl::UnavailableError("the log is closed (server shutting down)");
}

absl::Status ParseUpdate(absl::string_view body, absl::string_view what,
                         v1::SituationUpdate* update) {
  if (!update->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::DataLossError(
        absl::StrCat("cannot decode ", what, " stored in the event log"));
  }
  return absl::OkStatus();
}

// Reads the incident record from a row of `SELECT kIncidentColumns`.
absl::StatusOr<IncidentRecord> IncidentFromRow(const sqlite::Statement& row) {
  IncidentRecord record;
  record.incident_id = std::string(row.ColumnText(0));
  record.version = static_cast<uint64_t>(row.ColumnInt64(1));
  record.closed = row.ColumnInt64(2) != 0;
  const std::string what = absl::StrCat("incident '", record.incident_id, "'");
  absl::StatusOr<LogEntryPtr> latest = DecodeLogEntry(row.ColumnBlob(3), what);
  if (!latest.ok()) return latest.status();
  record.latest = *std::move(latest);
  if (!row.ColumnIsNull(9)) {
    const absl::string_view state = row.ColumnBlob(9);
    if (!record.state.ParseFromArray(state.data(),
                                     static_cast<int>(state.size()))) {
      return absl::DataLossError(
          absl::StrCat("cannot decode the state of ", what));
    }
    return record;
  }
  LegacyIncidentSummary old;
  absl::Status status = ParseUpdate(row.ColumnBlob(4), what, &old.opening);
  if (!status.ok()) return status;
  old.support_requested = row.ColumnInt64(5) != 0;
  old.support_acknowledged = row.ColumnInt64(6) != 0;
  old.current_tier = static_cast<v1::Role>(row.ColumnInt64(7));
  old.peak_severity = static_cast<v1::Severity>(row.ColumnInt64(8));
  record.state = LegacyIncidentState(old, record.latest->update);
  record.legacy = true;
  return record;
}

// Opens a connection with the settings every connection of the log shares.
absl::StatusOr<std::unique_ptr<sqlite::Database>> OpenConnection(
    const std::string& path, bool create) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(path, create);
  if (!db.ok()) return db.status();
  // Readers never wait for the writer in WAL mode; the timeout covers the
  // short exclusive moments (checkpoint, recovery after a crash).
  sqlite3_busy_timeout((*db)->handle(), 5000);
  return db;
}

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

// One read connection and its cached statements.
struct Reader {
  std::unique_ptr<sqlite::Database> db;
  sqlite::Statement read_ascending, read_descending, read_for_missions;
  sqlite::Statement first_at_or_after;
  sqlite::Statement begin, commit, head, open_incidents, find_incident;
  sqlite::Statement list_snapshots, load_snapshot;

  absl::Status Prepare() {
    static const std::string open_incidents_sql = absl::StrCat(
        "SELECT ", kIncidentColumns, " FROM incidents WHERE closed = 0");
    static const std::string find_incident_sql = absl::StrCat(
        "SELECT ", kIncidentColumns, " FROM incidents WHERE incident_id = ?1");
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
        {&open_incidents, open_incidents_sql.c_str()},
        {&find_incident, find_incident_sql.c_str()},
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
// finds every entry; the incident cache equals the incidents table as of
// the last commit. LoadOpenIncidents() reads its head and incidents from one
// snapshot, which may include a commit whose head_ is not published yet: its
// head can be ahead of Head() for an instant, never behind.
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
    absl::flat_hash_map<std::string, IncidentRecord> incidents;
    std::vector<LogEntryPtr> added;
  };

  SqliteEventLog(const SqliteOptions& options, std::string path)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : RealClock()),
        path_(std::move(path)),
        queue_(options.max_batch) {}

  // Creates or checks the schema and loads the writer's state.
  absl::Status Initialize();
  absl::Status LoadIncidents();

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
  absl::Status RederiveLegacyIncidents();
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
  absl::flat_hash_map<std::string, IncidentRecord> incidents_;

  // Read without locking by any thread; written by the writer thread.
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> oldest_{1};
  std::atomic<AppendListener*> listener_{nullptr};
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

absl::StatusOr<std::unique_ptr<SqliteEventLog>> SqliteEventLog::Open(
    const SqliteOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create the data directory '", options.data_dir,
        "' (--data_dir): ", error.message()));
  }
  std::string path =
      (std::filesystem::path(options.data_dir) / kSqliteFileName).string();
  std::unique_ptr<SqliteEventLog> log(
      new SqliteEventLog(options, std::move(path)));
  absl::Status status = log->Initialize();
  if (!status.ok()) return status;
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  log->writer_id_ = log->writer_.get_id();
  LogInfo("log", "opened the SQLite event log",
          {{"path", log->path_},
           {"log_id", log->log_id_},
           {"oldest", absl::StrCat(log->Oldest())},
           {"head", absl::StrCat(log->Head())}});
  return log;
}

absl::Status SqliteEventLog::Initialize() {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      OpenConnection(path_, /*create=*/true);
  if (!db.ok()) return db.status();
  writer_db_ = *std::move(db);
  const char* synchronous = "PRAGMA synchronous = FULL";
  if (options_.fsync == FsyncPolicy::kBatch) {
    synchronous = "PRAGMA synchronous = NORMAL";
  } else if (options_.fsync == FsyncPolicy::kOff) {
    synchronous = "PRAGMA synchronous = OFF";
  }
  for (const char* sql : {"PRAGMA journal_mode = WAL", synchronous, "BEGIN IMMEDIATE",
                          static_cast<const char*>(kSchema)}) {
    absl::Status status = writer_db_->Exec(sql);
    if (!status.ok()) return status;
  }
  auto rollback = [this](absl::Status status) {
    writer_db_->Exec("ROLLBACK").IgnoreError();
    return status;
  };

  sqlite::Statement get_meta;
  absl::Status status =
      get_meta.Prepare(writer_db_.get(), "SELECT key, value FROM meta");
  if (!status.ok()) return rollback(status);
  absl::flat_hash_map<std::string, std::string> meta;
  for (;;) {
    absl::StatusOr<bool> row = get_meta.Step();
    if (!row.ok()) return rollback(row.status());
    if (!*row) break;
    meta[std::string(get_meta.ColumnText(0))] =
        std::string(get_meta.ColumnText(1));
  }
  get_meta.Reset();
  if (meta.empty()) {
    log_id_ = NewLogId();
    sqlite::Statement put;
    status = put.Prepare(
        writer_db_.get(),
        "INSERT INTO meta(key, value) VALUES('log_id', ?1), "
        "('schema_version', ?2), ('head', 0), ('last_received_at_us', 0)");
    if (!status.ok()) return rollback(status);
    put.BindText(1, log_id_);
    put.BindInt64(2, kSchemaVersion);
    status = put.Run();
    if (!status.ok()) return rollback(status);
  } else {
    if (meta["schema_version"] == "2" && !meta["log_id"].empty()) {
      for (const char* sql :
           {"ALTER TABLE updates ADD COLUMN previous_mission INTEGER",
            "UPDATE meta SET value = 3 WHERE key = 'schema_version'"}) {
        status = writer_db_->Exec(sql);
        if (!status.ok()) return rollback(status);
      }
      meta["schema_version"] = "3";
    }
    if (meta["schema_version"] == "3" && !meta["log_id"].empty()) {
      // The state column stays NULL; LoadIncidents marks those records
      // legacy and RederiveLegacyIncidents replays them. (A version 2 store
      // without an incidents table got one with the column from kSchema.)
      sqlite::Statement has_state;
      status = has_state.Prepare(
          writer_db_.get(),
          "SELECT count(*) FROM pragma_table_info('incidents') "
          "WHERE name = 'state'");
      if (!status.ok()) return rollback(status);
      absl::StatusOr<bool> row = has_state.Step();
      if (!row.ok()) return rollback(row.status());
      const bool missing = *row && has_state.ColumnInt64(0) == 0;
      has_state.Reset();
      if (missing) {
        status = writer_db_->Exec("ALTER TABLE incidents ADD COLUMN state BLOB");
        if (!status.ok()) return rollback(status);
      }
      status = writer_db_->Exec(
          "UPDATE meta SET value = 4 WHERE key = 'schema_version'");
      if (!status.ok()) return rollback(status);
      meta["schema_version"] = "4";
    }
    if (meta["schema_version"] == "4" && !meta["log_id"].empty()) {
      // Issue 22: CATEGORY_EXERCISE became STATUS_EXERCISE.
      status = UpgradeExerciseRows(writer_db_.get());
      if (!status.ok()) return rollback(status);
      status = writer_db_->Exec(
          "UPDATE meta SET value = 5 WHERE key = 'schema_version'");
      if (!status.ok()) return rollback(status);
      meta["schema_version"] = "5";
    }
    if (meta["schema_version"] != absl::StrCat(kSchemaVersion) ||
        meta["log_id"].empty()) {
      return rollback(absl::FailedPreconditionError(absl::StrCat(
          path_, " has schema version '", meta["schema_version"],
          "' and log_id '", meta["log_id"], "'; this sitrepd needs version ",
          kSchemaVersion, ": use a matching sitrepd or another --data_dir")));
    }
    log_id_ = meta["log_id"];
    uint64_t head = 0;
    int64_t last_us = 0;
    if (!absl::SimpleAtoi(meta["head"], &head) ||
        !absl::SimpleAtoi(meta["last_received_at_us"], &last_us)) {
      return rollback(absl::FailedPreconditionError(absl::StrCat(
          path_, " has a damaged meta table (head '", meta["head"], "')")));
    }
    writer_head_ = head;
    last_received_at_ = absl::FromUnixMicros(last_us);
  }
  status = writer_db_->Exec("COMMIT");
  if (!status.ok()) return rollback(status);

  sqlite::Statement oldest;
  status = oldest.Prepare(writer_db_.get(), "SELECT min(sequence) FROM updates");
  if (!status.ok()) return status;
  absl::StatusOr<bool> row = oldest.Step();
  if (!row.ok()) return row.status();
  const uint64_t first = oldest.ColumnIsNull(0)
                             ? writer_head_ + 1
                             : static_cast<uint64_t>(oldest.ColumnInt64(0));
  oldest.Reset();
  head_.store(writer_head_);
  oldest_.store(first);

  status = LoadIncidents();
  if (!status.ok()) return status;
  status = w_.Prepare(writer_db_.get());
  if (!status.ok()) return status;
  status = RederiveLegacyIncidents();
  if (!status.ok()) return status;
  WalCheckpointer::Options checkpoints;
  checkpoints.path = path_;
  checkpoints.synchronous = synchronous;
  absl::StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
      WalCheckpointer::Start(checkpoints, writer_db_.get());
  if (!checkpointer.ok()) return checkpointer.status();
  checkpointer_ = *std::move(checkpointer);
  return absl::OkStatus();
}

absl::Status SqliteEventLog::LoadIncidents() {
  sqlite::Statement select;
  absl::Status status = select.Prepare(
      writer_db_.get(),
      absl::StrCat("SELECT ", kIncidentColumns, " FROM incidents").c_str());
  if (!status.ok()) return status;
  for (;;) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    absl::StatusOr<IncidentRecord> record = IncidentFromRow(select);
    if (!record.ok()) return record.status();
    std::string id = record->incident_id;
    incidents_.emplace(std::move(id), *std::move(record));
  }
}

void SqliteEventLog::Append(std::vector<AppendRequest> batch,
                            AppendCallback done) {
  queue_.PushAppendOrFail(std::move(batch), std::move(done), CloseError());
}

void SqliteEventLog::WriterLoop() {
  queue_.RunWriter([this](std::vector<GroupCommitQueue::PendingAppend>* appends) {
    CommitBatch(appends);
  });
  checkpointer_->Stop();
  // Fold the WAL back into the database so that the next open starts
  // quickly. Readers may still hold snapshots: then the checkpoint is partial,
  // which is harmless.
  absl::Status status = writer_db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!status.ok()) {
    LogWarning("log", "checkpoint at close failed",
               {{"error", status.ToString()}});
  }
}

void SqliteEventLog::CommitBatch(
    std::vector<GroupCommitQueue::PendingAppend>* appends) {
  std::vector<std::vector<absl::StatusOr<AppendResult>>> results(
      appends->size());
  Transaction tx;
  tx.head = writer_head_;
  tx.last_received_at = last_received_at_;
  checkpointer_->BeforeTransaction();
  absl::Status store_error = w_.begin.Run();
  for (size_t i = 0; i < appends->size() && store_error.ok(); ++i) {
    for (AppendRequest& request : (*appends)[i].batch) {
      results[i].push_back(ApplyInTransaction(request, &tx, &store_error));
      if (!store_error.ok()) break;
    }
  }
  if (store_error.ok() && !tx.added.empty()) {
    sqlite::ScopedReset reset(&w_.set_meta);
    w_.set_meta.BindInt64(1, static_cast<int64_t>(tx.head));
    w_.set_meta.BindInt64(2, absl::ToUnixMicros(tx.last_received_at));
    store_error = w_.set_meta.Run();
  }
  if (store_error.ok()) store_error = w_.commit.Run();

  if (!store_error.ok()) {
    // Nothing of the transaction stays: not in the file, not in memory.
    if (!sqlite3_get_autocommit(writer_db_->handle())) {
      w_.rollback.Run().IgnoreError();
    }
    LogError("log", "append transaction failed",
             {{"error", store_error.ToString()}});
    const absl::Status failed = absl::UnavailableError(absl::StrCat(
        "the event log could not store the update: ", store_error.message()));
    for (size_t i = 0; i < appends->size(); ++i) {
      results[i].assign((*appends)[i].batch.size(), failed);
    }
  } else {
    transactions_.fetch_add(1, std::memory_order_relaxed);
    if (!tx.added.empty()) {
      writer_head_ = tx.head;
      last_received_at_ = tx.last_received_at;
      for (auto& [id, record] : tx.incidents) {
        incidents_[id] = std::move(record);
      }
      appended_.fetch_add(tx.added.size(), std::memory_order_relaxed);
      head_.store(tx.head, std::memory_order_release);
      if (AppendListener* listener = listener_.load(std::memory_order_acquire)) {
        listener->OnAppended(tx.added);
      }
    }
  }
  for (size_t i = 0; i < appends->size(); ++i) {
    (*appends)[i].done(std::move(results[i]));
  }
}

absl::StatusOr<AppendResult> SqliteEventLog::ApplyInTransaction(
    AppendRequest& request, Transaction* tx, absl::Status* store_error) {
  absl::Status status = CheckAppendRequest(request);
  if (!status.ok()) return status;
  // Whether occurred_at was the publisher's (PrepareAppend fills it in):
  // a repeat is compared as it was sent.
  const bool had_occurred_at = request.update.has_occurred_at();
  // The answer to a request that repeats `stored`: a duplicate, or
  // ALREADY_EXISTS when the content differs.
  auto repeat = [had_occurred_at](const LogEntryPtr& stored,
                                  const v1::SituationUpdate& update)
      -> absl::StatusOr<AppendResult> {
    absl::Status same =
        CheckSameContent(stored->update, update, had_occurred_at);
    if (!same.ok()) return same;
    return AppendResult{stored, /*duplicate=*/true};
  };

  // The incident thread, as changed by this transaction so far.
  const IncidentRecord* current = nullptr;
  const std::string& incident_id = request.update.incident_id();
  if (!incident_id.empty()) {
    if (auto it = tx->incidents.find(incident_id); it != tx->incidents.end()) {
      current = &it->second;
    } else if (auto it = incidents_.find(incident_id); it != incidents_.end()) {
      current = &it->second;
    }
  }
  const absl::Time received_at =
      NextReceivedAt(clock_->Now(), tx->last_received_at);
  absl::StatusOr<PreparedAppend> prepared =
      PrepareAppend(std::move(request), current, tx->head + 1, received_at);
  if (!prepared.ok()) {
    // (`request` is untouched.) A repeat of a stored update is a duplicate
    // even when the incident rules no longer admit it, e.g. a retry whose
    // expected_incident_version its own first attempt moved on.
    absl::StatusOr<LogEntryPtr> stored = StoredUnder(request.update);
    if (!stored.ok()) return *store_error = stored.status();
    if (*stored != nullptr) return repeat(*stored, request.update);
    return prepared.status();
  }
  LogEntryPtr entry = std::move(prepared->entry);
  absl::StatusOr<bool> inserted = InsertUpdate(*entry);
  if (!inserted.ok()) return *store_error = inserted.status();
  if (!*inserted) {
    // Stored before, maybe earlier in this very transaction.
    absl::StatusOr<LogEntryPtr> stored = StoredUnder(entry->update);
    if (!stored.ok()) return *store_error = stored.status();
    if (*stored == nullptr) {
      return *store_error = absl::InternalError(absl::StrCat(
          "the insert of event_id '", entry->update.event_id(),
          "' conflicted, but no stored update has it"));
    }
    return repeat(*stored, entry->update);
  }
  if (prepared->record.has_value()) {
    status = StoreIncident(*prepared->record);
    if (!status.ok()) return *store_error = status;
    std::string id = prepared->record->incident_id;
    tx->incidents[std::move(id)] = *std::move(prepared->record);
  }
  tx->head += 1;
  tx->last_received_at = received_at;
  tx->added.push_back(entry);
  return AppendResult{std::move(entry), /*duplicate=*/false};
}

absl::StatusOr<LogEntryPtr> SqliteEventLog::StoredUnder(
    const v1::SituationUpdate& update) {
  sqlite::ScopedReset reset(&w_.find_event);
  w_.find_event.BindText(1, update.publisher());
  w_.find_event.BindText(2, update.event_id());
  absl::StatusOr<bool> row = w_.find_event.Step();
  if (!row.ok()) return row.status();
  if (!*row) return nullptr;
  return DecodeLogEntry(
      w_.find_event.ColumnBlob(0),
      absl::StrCat("the update with event_id '", update.event_id(), "'"));
}

absl::StatusOr<bool> SqliteEventLog::InsertUpdate(const LogEntry& entry) {
  const v1::SituationUpdate& u = entry.update;
  sqlite::Statement& s = w_.insert_update;
  sqlite::ScopedReset reset(&s);
  s.BindInt64(1, static_cast<int64_t>(u.sequence()));
  s.BindText(2, u.publisher());
  s.BindText(3, u.event_id());
  s.BindInt64(4, ReceivedAtMicros(u));
  s.BindInt64(5, u.mission());
  s.BindInt64(6, u.role());
  s.BindInt64(7, u.severity());
  s.BindInt64(8, u.category());
  s.BindText(9, u.location().municipality());
  s.BindText(10, u.incident_id());
  s.BindBlob(11, EncodedUpdate(entry));
  // Left NULL (unbound) for the first update of a thread and stand-alone
  // reports.
  std::string previous;
  if (entry.previous != nullptr) {
    previous = entry.previous->SerializeAsString();
    s.BindBlob(12, previous);
    s.BindInt64(13, entry.previous->mission());
  }
  absl::Status status = s.Run();
  if (!status.ok()) return status;
  return sqlite3_changes(writer_db_->handle()) > 0;
}

absl::Status SqliteEventLog::StoreIncident(const IncidentRecord& record) {
  // The opening column keeps what schema 3 readers need of it.
  v1::SituationUpdate opening;
  opening.set_mission(record.state.opened_by());
  *opening.mutable_occurred_at() = record.state.opened_at();
  opening.set_kind(v1::KIND_NEW);
  const std::string opening_bytes = opening.SerializeAsString();
  const std::string state = record.state.SerializeAsString();
  sqlite::Statement& s = w_.upsert_incident;
  sqlite::ScopedReset reset(&s);
  s.BindText(1, record.incident_id);
  s.BindInt64(2, static_cast<int64_t>(record.version));
  s.BindInt64(3, record.closed ? 1 : 0);
  s.BindBlob(4, EncodedUpdate(*record.latest));
  s.BindBlob(5, opening_bytes);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  s.BindInt64(6, record.state.support_requested() ? 1 : 0);
  s.BindInt64(7, record.state.support_acknowledged() ? 1 : 0);
  s.BindInt64(8, record.state.current_tier());
#pragma GCC diagnostic pop
  s.BindInt64(9, record.state.peak_severity());
  s.BindInt64(10, static_cast<int64_t>(record.latest->sequence()));
  s.BindBlob(11, state);
  return s.Run();
}

absl::Status SqliteEventLog::RederiveLegacyIncidents() {
  absl::flat_hash_map<std::string, IncidentRecord> replayed;
  for (const auto& [id, record] : incidents_) {
    if (record.legacy) replayed.emplace(id, IncidentRecord());
  }
  if (replayed.empty()) return absl::OkStatus();
  sqlite::Statement select;
  absl::Status status = select.Prepare(
      writer_db_.get(),
      "SELECT body, previous FROM updates WHERE incident_id != '' "
      "ORDER BY sequence");
  if (!status.ok()) return status;
  for (;;) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    absl::StatusOr<LogEntryPtr> entry = DecodeLogEntry(
        select.ColumnBlob(0), "an incident update", select.ColumnBlob(1));
    if (!entry.ok()) return entry.status();
    auto it = replayed.find((*entry)->update.incident_id());
    if (it == replayed.end()) continue;
    // Only a thread whose first update is retained can be replayed.
    if (it->second.version == 0 && (*entry)->update.incident_version() != 1) {
      replayed.erase(it);
      continue;
    }
    ApplyToIncident(*entry, &it->second);
  }
  select.Reset();
  size_t rederived = 0;
  status = writer_db_->Exec("BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  for (auto& [id, record] : incidents_) {
    if (!record.legacy) continue;
    auto it = replayed.find(id);
    if (it != replayed.end() && it->second.version == record.version) {
      record = std::move(it->second);
      ++rederived;
    }
    record.legacy = false;
    status = StoreIncident(record);
    if (!status.ok()) {
      writer_db_->Exec("ROLLBACK").IgnoreError();
      return status;
    }
  }
  status = writer_db_->Exec("COMMIT");
  if (!status.ok()) return status;
  LogInfo("log", "upgraded the incident records to the chain's state",
          {{"replayed", absl::StrCat(rederived)},
           {"from_summary", absl::StrCat(incidents_.size() - rederived)}});
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteEventLog::ApplyRetention(
    const RetentionPolicy& policy, absl::Time now) {
  auto job = std::make_shared<RetentionJob>();
  job->policy = policy;
  job->now = now;
  const uint64_t before = Oldest();
  if (!queue_.PushTask([this, job] { RetentionStep(job); })) {
    return CloseError();
  }
  job->done.WaitForNotification();
  ReportRetained(listener_.load(std::memory_order_acquire), before, Oldest());
  if (!job->status.ok()) return job->status;
  return job->removed;
}

absl::Status SqliteEventLog::SaveSituationSnapshot(
    const StoredSituation& snapshot) {
  // Encoded here, on the caller's thread; only the insert runs on the
  // writer, between two append batches.
  struct Job {
    std::string body;
    absl::Status status;
    absl::Notification done;
  };
  auto job = std::make_shared<Job>();
  job->body = EncodeSituationSnapshot(snapshot);
  const int64_t sequence = static_cast<int64_t>(snapshot.sequence);
  if (!queue_.PushTask([this, job, sequence] {
        sqlite::ScopedReset reset(&w_.put_snapshot);
        w_.put_snapshot.BindInt64(1, sequence);
        w_.put_snapshot.BindBlob(2, job->body);
        job->status = w_.put_snapshot.Run();
        job->done.Notify();
      })) {
    return CloseError();
  }
  job->done.WaitForNotification();
  return job->status;
}

absl::StatusOr<std::vector<uint64_t>> SqliteEventLog::ListSituationSnapshots()
    const {
  absl::StatusOr<std::unique_ptr<Reader>> reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  sqlite::Statement& s = (*reader)->list_snapshots;
  std::vector<uint64_t> sequences;
  absl::Status status;
  {
    sqlite::ScopedReset reset(&s);
    for (;;) {
      absl::StatusOr<bool> row = s.Step();
      if (!row.ok() || !*row) {
        status = row.status();
        break;
      }
      sequences.push_back(static_cast<uint64_t>(s.ColumnInt64(0)));
    }
  }
  ReleaseReader(*std::move(reader));
  if (!status.ok()) return status;
  return sequences;
}

absl::StatusOr<StoredSituation> SqliteEventLog::LoadSituationSnapshot(
    uint64_t sequence) const {
  absl::StatusOr<std::unique_ptr<Reader>> reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  sqlite::Statement& s = (*reader)->load_snapshot;
  absl::StatusOr<StoredSituation> result;
  {
    sqlite::ScopedReset reset(&s);
    s.BindInt64(1, static_cast<int64_t>(sequence));
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) {
      result = row.status();
    } else if (!*row) {
      result = absl::NotFoundError(
          absl::StrCat("no situation snapshot of sequence ", sequence));
    } else {
      result = DecodeSituationSnapshot(
          s.ColumnBlob(0), absl::StrCat("of sequence ", sequence, " in ", path_));
    }
  }
  ReleaseReader(*std::move(reader));
  return result;
}

absl::StatusOr<uint64_t> SqliteEventLog::RetentionTarget(
    const RetentionJob& job) {
  uint64_t target = Oldest();
  const uint64_t max_updates = job.policy.max_updates;
  if (max_updates > 0 && writer_head_ > max_updates) {
    target = std::max(target, writer_head_ - max_updates + 1);
  }
  if (job.policy.max_age != absl::InfiniteDuration()) {
    sqlite::Statement& s = w_.first_at_or_after;
    sqlite::ScopedReset reset(&s);
    s.BindInt64(1, CeilMicros(job.now - job.policy.max_age));
    s.BindInt64(2, static_cast<int64_t>(writer_head_));
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) return row.status();
    const uint64_t first_young =
        *row ? static_cast<uint64_t>(s.ColumnInt64(0)) : writer_head_ + 1;
    target = std::max(target, first_young);
  }
  return ClampRetentionTarget(job.policy, Oldest(), target);
}

void SqliteEventLog::RetentionStep(const std::shared_ptr<RetentionJob>& job) {
  if (!job->started) {
    job->started = true;
    absl::StatusOr<uint64_t> target = RetentionTarget(*job);
    if (!target.ok()) {
      job->status = target.status();
      job->done.Notify();
      return;
    }
    job->target = *target;
  }
  const uint64_t oldest = Oldest();
  if (oldest >= job->target) {
    job->done.Notify();
    return;
  }
  // One chunk per transaction; the appends queued meanwhile go next.
  const uint64_t upto = std::min(job->target, oldest + kRetentionChunk);
  {
    sqlite::ScopedReset reset(&w_.delete_before);
    w_.delete_before.BindInt64(1, static_cast<int64_t>(upto));
    absl::Status status = w_.delete_before.Run();
    if (!status.ok()) {
      job->status = status;
      job->done.Notify();
      return;
    }
  }
  // Snapshots before the new oldest - 1 can start no replay any more (the
  // updates after them are gone): they go with the updates.
  {
    sqlite::ScopedReset reset(&w_.delete_snapshots_before);
    w_.delete_snapshots_before.BindInt64(1, static_cast<int64_t>(upto - 1));
    absl::Status status = w_.delete_snapshots_before.Run();
    if (!status.ok()) {
      job->status = status;
      job->done.Notify();
      return;
    }
  }
  retention_steps_.fetch_add(1, std::memory_order_relaxed);
  job->removed += upto - oldest;
  oldest_.store(upto, std::memory_order_release);
  if (upto >= job->target) {
    job->done.Notify();
  } else if (!queue_.PushTask([this, job] { RetentionStep(job); })) {
    job->status = absl::UnavailableError(absl::StrCat(
        "the log was closed during retention after removing ", job->removed,
        " updates"));
    job->done.Notify();
  }
}

void SqliteEventLog::Close() {
  queue_.Close();
  // On the writer thread (a callback or listener) the writer cannot join
  // itself; it ends after the current batch and the destructor joins it.
  if (std::this_thread::get_id() == writer_id_) return;
  absl::MutexLock lock(&close_mu_);
  if (writer_.joinable()) writer_.join();
}

absl::StatusOr<std::unique_ptr<Reader>> SqliteEventLog::AcquireReader() const {
  {
    absl::MutexLock lock(&readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Reader> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return reader;
    }
  }
  auto reader = std::make_unique<Reader>();
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      OpenConnection(path_, /*create=*/false);
  if (!db.ok()) return db.status();
  reader->db = *std::move(db);
  absl::Status status = reader->db->Exec("PRAGMA query_only = 1");
  if (!status.ok()) return status;
  status = reader->Prepare();
  if (!status.ok()) return status;
  return reader;
}

void SqliteEventLog::ReleaseReader(std::unique_ptr<Reader> reader) const {
  absl::MutexLock lock(&readers_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) {
    idle_readers_.push_back(std::move(reader));
  }
}

absl::StatusOr<std::vector<LogEntryPtr>> SqliteEventLog::Read(
    const ReadRange& range) const {
  std::vector<LogEntryPtr> entries;
  // Never beyond Head(): rows of a commit whose head is not published yet
  // stay invisible, so readers and the listener agree.
  const uint64_t first = std::max<uint64_t>(range.first, 1);
  const uint64_t last = std::min(range.last, Head());
  if (range.limit == 0 || first > last) return entries;
  absl::Status status = ReadRows(
      range.descending ? &Reader::read_descending : &Reader::read_ascending,
      first, last, range.limit, /*missions=*/std::nullopt, &entries);
  if (!status.ok()) return status;
  return entries;
}

absl::StatusOr<EventLog::MissionRead> SqliteEventLog::ReadForMissions(
    const ReadRange& range, MissionSet missions) const {
  if (missions.IsAll()) return EventLog::ReadForMissions(range, missions);
  MissionRead read;
  const uint64_t first = std::max<uint64_t>(range.first, 1);
  const uint64_t last = std::min(range.last, Head());
  read.scanned_through = first - 1;
  if (range.limit == 0 || first > last) return read;
  absl::Status status = ReadRows(&Reader::read_for_missions, first, last,
                                 range.limit, missions, &read.entries);
  if (!status.ok()) return status;
  // A short answer covered the whole range: every row up to `last` existed
  // (last <= Head()) and was either returned or left out for its missions.
  read.scanned_through = read.entries.size() < range.limit
                             ? last
                             : read.entries.back()->sequence();
  return read;
}

absl::Status SqliteEventLog::ReadRows(sqlite::Statement Reader::*statement,
                                      uint64_t first, uint64_t last,
                                      size_t limit,
                                      std::optional<MissionSet> missions,
                                      std::vector<LogEntryPtr>* entries) const {
  absl::StatusOr<std::unique_ptr<Reader>> reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  sqlite::Statement& s = (**reader).*statement;
  absl::Status status;
  {
    sqlite::ScopedReset reset(&s);
    s.BindInt64(1, static_cast<int64_t>(first));
    s.BindInt64(2, static_cast<int64_t>(last));
    s.BindInt64(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    if (missions.has_value()) s.BindInt64(4, missions->bits());
    for (;;) {
      absl::StatusOr<bool> row = s.Step();
      if (!row.ok() || !*row) {
        status = row.status();
        break;
      }
      absl::StatusOr<LogEntryPtr> entry =
          DecodeLogEntry(s.ColumnBlob(0), "an update",
                     s.ColumnIsNull(1) ? absl::string_view() : s.ColumnBlob(1));
      if (!entry.ok()) {
        status = entry.status();
        break;
      }
      entries->push_back(*std::move(entry));
    }
  }
  ReleaseReader(*std::move(reader));
  return status;
}

absl::StatusOr<uint64_t> SqliteEventLog::FirstSequenceAtOrAfter(
    absl::Time time) const {
  const uint64_t head = Head();
  if (time == absl::InfinitePast()) return std::min(Oldest(), head + 1);
  if (time == absl::InfiniteFuture()) return head + 1;
  absl::StatusOr<std::unique_ptr<Reader>> reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  sqlite::Statement& s = (*reader)->first_at_or_after;
  absl::StatusOr<uint64_t> result;
  {
    sqlite::ScopedReset reset(&s);
    s.BindInt64(1, CeilMicros(time));
    s.BindInt64(2, static_cast<int64_t>(head));
    absl::StatusOr<bool> row = s.Step();
    if (!row.ok()) {
      result = row.status();
    } else {
      result = *row ? static_cast<uint64_t>(s.ColumnInt64(0)) : head + 1;
    }
  }
  ReleaseReader(*std::move(reader));
  return result;
}

absl::StatusOr<EventLog::OpenIncidents> SqliteEventLog::LoadOpenIncidents()
    const {
  absl::StatusOr<std::unique_ptr<Reader>> reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  Reader& r = **reader;
  OpenIncidents result;
  // One read transaction: the head and the incidents come from the same
  // snapshot.
  absl::Status status = r.begin.Run();
  if (status.ok()) {
    sqlite::ScopedReset reset(&r.head);
    absl::StatusOr<bool> row = r.head.Step();
    if (!row.ok()) {
      status = row.status();
    } else if (*row) {
      result.head = static_cast<uint64_t>(r.head.ColumnInt64(0));
    }
  }
  if (status.ok()) {
    sqlite::ScopedReset reset(&r.open_incidents);
    for (;;) {
      absl::StatusOr<bool> row = r.open_incidents.Step();
      if (!row.ok() || !*row) {
        status = row.status();
        break;
      }
      absl::StatusOr<IncidentRecord> record = IncidentFromRow(r.open_incidents);
      if (!record.ok()) {
        status = record.status();
        break;
      }
      result.incidents.push_back(*std::move(record));
    }
  }
  if (!sqlite3_get_autocommit(r.db->handle())) r.commit.Run().IgnoreError();
  ReleaseReader(*std::move(reader));
  if (!status.ok()) return status;
  SortByLatestSequence(&result.incidents);
  return result;
}

absl::StatusOr<std::optional<IncidentRecord>> SqliteEventLog::LoadIncident(
    const std::string& incident_id) const {
  absl::StatusOr<std::unique_ptr<Reader>> reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  absl::StatusOr<std::optional<IncidentRecord>> result;
  {
    sqlite::Statement& find = (*reader)->find_incident;
    sqlite::ScopedReset reset(&find);
    find.BindText(1, incident_id);
    absl::StatusOr<bool> row = find.Step();
    if (!row.ok()) {
      result = row.status();
    } else if (!*row) {
      result = std::optional<IncidentRecord>();
    } else {
      absl::StatusOr<IncidentRecord> record = IncidentFromRow(find);
      if (record.ok()) {
        result = std::optional<IncidentRecord>(*std::move(record));
      } else {
        result = record.status();
      }
    }
  }
  ReleaseReader(*std::move(reader));
  return result;
}

}  // namespace

absl::StatusOr<FsyncPolicy> ParseFsyncPolicy(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "always") return FsyncPolicy::kAlways;
  if (lower == "batch") return FsyncPolicy::kBatch;
  if (lower == "off") return FsyncPolicy::kOff;
  return absl::InvalidArgumentError(absl::StrCat(
      "--fsync: '", text, "' is not one of always, batch, off"));
}

absl::StatusOr<std::unique_ptr<EventLog>> OpenSqliteEventLog(
    const SqliteOptions& options) {
  absl::StatusOr<std::unique_ptr<SqliteEventLog>> log =
      SqliteEventLog::Open(options);
  if (!log.ok()) return log.status();
  return std::unique_ptr<EventLog>(*std::move(log));
}

std::optional<SqliteEventLogStats> GetSqliteEventLogStats(const EventLog& log) {
  const auto* sqlite_log = dynamic_cast<const SqliteEventLog*>(&log);
  if (sqlite_log == nullptr) return std::nullopt;
  return sqlite_log->stats();
}

}  // namespace sitrep
