// Opening the SQLite log: the schema and its upgrades, the incident records
// loaded for the writer, and closing. (The class: sqlite_log.h.)
#include "server/log/sqlite_event_log.h"

#include <initializer_list>

#include "server/log/sqlite_log.h"

namespace sitrep {
namespace sqlite_log {

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

namespace {

const char* SynchronousPragma(FsyncPolicy fsync) {
  switch (fsync) {
    case FsyncPolicy::kBatch:
      return "PRAGMA synchronous = NORMAL";
    case FsyncPolicy::kOff:
      return "PRAGMA synchronous = OFF";
    case FsyncPolicy::kAlways:
      break;
  }
  return "PRAGMA synchronous = FULL";
}

// Runs `sqls` in order; the first failure stops them.
absl::Status ExecAll(sqlite::Database* db,
                     std::initializer_list<const char*> sqls) {
  for (const char* sql : sqls) {
    absl::Status status = db->Exec(sql);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// The meta table's rows, by key.
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ReadMeta(
    sqlite::Database* db) {
  sqlite::Statement get_meta;
  absl::Status status = get_meta.Prepare(db, "SELECT key, value FROM meta");
  if (!status.ok()) return status;
  absl::flat_hash_map<std::string, std::string> meta;
  for (;;) {
    absl::StatusOr<bool> row = get_meta.Step();
    if (!row.ok()) return row.status();
    if (!*row) return meta;
    meta[std::string(get_meta.ColumnText(0))] =
        std::string(get_meta.ColumnText(1));
  }
}

// Schema 3 -> 4: incidents gets its state column. It stays NULL;
// LoadIncidents marks those records legacy and RederiveLegacyIncidents
// replays them. (A version 2 store without an incidents table got one with
// the column from kSchema.)
absl::Status AddIncidentState(sqlite::Database* db) {
  sqlite::Statement has_state;
  absl::Status status = has_state.Prepare(
      db,
      "SELECT count(*) FROM pragma_table_info('incidents') "
      "WHERE name = 'state'");
  if (!status.ok()) return status;
  absl::StatusOr<bool> row = has_state.Step();
  if (!row.ok()) return row.status();
  const bool missing = *row && has_state.ColumnInt64(0) == 0;
  has_state.Reset();
  if (!missing) return absl::OkStatus();
  return db->Exec("ALTER TABLE incidents ADD COLUMN state BLOB");
}

// Brings a store of an older schema to kSchemaVersion in place, one
// version at a time, each step seeing the previous one's effects.
absl::Status UpgradeSchema(
    sqlite::Database* db,
    absl::flat_hash_map<std::string, std::string>* meta) {
  std::string& version = (*meta)["schema_version"];
  if ((*meta)["log_id"].empty()) return absl::OkStatus();
  absl::Status status;
  if (version == "2") {
    status = ExecAll(
        db, {"ALTER TABLE updates ADD COLUMN previous_mission INTEGER",
             "UPDATE meta SET value = 3 WHERE key = 'schema_version'"});
    if (!status.ok()) return status;
    version = "3";
  }
  if (version == "3") {
    status = AddIncidentState(db);
    if (status.ok()) {
      status =
          db->Exec("UPDATE meta SET value = 4 WHERE key = 'schema_version'");
    }
    if (!status.ok()) return status;
    version = "4";
  }
  if (version == "4") {
    // Issue 22: CATEGORY_EXERCISE became STATUS_EXERCISE.
    status = UpgradeExerciseRows(db);
    if (status.ok()) {
      status =
          db->Exec("UPDATE meta SET value = 5 WHERE key = 'schema_version'");
    }
    if (!status.ok()) return status;
    version = "5";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SqliteEventLog::Initialize() {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      OpenConnection(path_, /*create=*/true);
  if (!db.ok()) return db.status();
  writer_db_ = *std::move(db);
  const char* synchronous = SynchronousPragma(options_.fsync);
  absl::Status status = ExecAll(
      writer_db_.get(), {"PRAGMA journal_mode = WAL", synchronous});
  if (status.ok()) status = OpenSchema();
  if (status.ok()) status = LoadOldest();
  if (status.ok()) status = LoadIncidents();
  if (status.ok()) status = w_.Prepare(writer_db_.get());
  if (status.ok()) status = RederiveLegacyIncidents();
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

absl::Status SqliteEventLog::OpenSchema() {
  // One transaction: the schema checks and the in-place upgrades see each
  // other's effects, and a failure anywhere rolls all of them back.
  absl::Status status = ExecAll(
      writer_db_.get(), {"BEGIN IMMEDIATE", static_cast<const char*>(kSchema)});
  if (!status.ok()) return status;
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> meta =
      ReadMeta(writer_db_.get());
  if (!meta.ok()) {
    status = meta.status();
  } else if (meta->empty()) {
    status = CreateMeta();
  } else {
    status = UpgradeSchema(writer_db_.get(), &*meta);
    if (status.ok()) status = CheckMeta(*meta);
  }
  if (status.ok()) status = writer_db_->Exec("COMMIT");
  if (!status.ok()) writer_db_->Exec("ROLLBACK").IgnoreError();
  return status;
}

absl::Status SqliteEventLog::CreateMeta() {
  log_id_ = NewLogId();
  sqlite::Statement put;
  absl::Status status = put.Prepare(
      writer_db_.get(),
      "INSERT INTO meta(key, value) VALUES('log_id', ?1), "
      "('schema_version', ?2), ('head', 0), ('last_received_at_us', 0)");
  if (!status.ok()) return status;
  put.BindText(1, log_id_);
  put.BindInt64(2, kSchemaVersion);
  return put.Run();
}

absl::Status SqliteEventLog::CheckMeta(
    const absl::flat_hash_map<std::string, std::string>& meta) {
  auto value = [&meta](const char* key) {
    auto it = meta.find(key);
    return it != meta.end() ? it->second : std::string();
  };
  if (value("schema_version") != absl::StrCat(kSchemaVersion) ||
      value("log_id").empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, " has schema version '", value("schema_version"),
        "' and log_id '", value("log_id"), "'; this sitrepd needs version ",
        kSchemaVersion, ": use a matching sitrepd or another --data_dir"));
  }
  log_id_ = value("log_id");
  uint64_t head = 0;
  int64_t last_us = 0;
  if (!absl::SimpleAtoi(value("head"), &head) ||
      !absl::SimpleAtoi(value("last_received_at_us"), &last_us)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, " has a damaged meta table (head '", value("head"), "')"));
  }
  writer_head_ = head;
  last_received_at_ = absl::FromUnixMicros(last_us);
  return absl::OkStatus();
}

absl::Status SqliteEventLog::LoadOldest() {
  sqlite::Statement oldest;
  absl::Status status =
      oldest.Prepare(writer_db_.get(), "SELECT min(sequence) FROM updates");
  if (!status.ok()) return status;
  absl::StatusOr<bool> row = oldest.Step();
  if (!row.ok()) return row.status();
  const uint64_t first = oldest.ColumnIsNull(0)
                             ? writer_head_ + 1
                             : static_cast<uint64_t>(oldest.ColumnInt64(0));
  head_.store(writer_head_);
  oldest_.store(first);
  return absl::OkStatus();
}

absl::Status SqliteEventLog::LoadIncidents() {
  sqlite::Statement select;
  absl::Status status = select.Prepare(
      writer_db_.get(),
      absl::StrCat("SELECT ", kIncidentColumns, " FROM incidents").c_str());
  if (!status.ok()) return status;
  absl::MutexLock lock(&incidents_mu_);
  for (;;) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    absl::StatusOr<IncidentRecord> record = IncidentFromRow(select);
    if (!record.ok()) return record.status();
    std::string id = record->incident_id;
    incidents_.emplace(std::move(id),
                       std::make_shared<IncidentRecord>(*std::move(record)));
  }
}

absl::Status SqliteEventLog::RederiveLegacyIncidents() {
  // Before the writer starts: nothing else reads incidents_ yet, but the
  // lock keeps the rule simple.
  absl::MutexLock lock(&incidents_mu_);
  absl::flat_hash_map<std::string, IncidentRecordPtr> replayed;
  for (const auto& [id, record] : incidents_) {
    if (record->legacy) replayed.emplace(id, nullptr);
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
    if (it->second == nullptr && (*entry)->update.incident_version() != 1) {
      replayed.erase(it);
      continue;
    }
    it->second = AppliedToIncident(it->second.get(), *entry);
  }
  select.Reset();
  return StoreRederived(replayed);
}

absl::Status SqliteEventLog::StoreRederived(
    const absl::flat_hash_map<std::string, IncidentRecordPtr>& replayed) {
  size_t rederived = 0;
  absl::Status status = writer_db_->Exec("BEGIN IMMEDIATE");
  if (!status.ok()) return status;
  for (auto& [id, record] : incidents_) {
    if (!record->legacy) continue;
    auto it = replayed.find(id);
    auto fresh = std::make_shared<IncidentRecord>(*record);
    if (it != replayed.end() && it->second != nullptr &&
        it->second->version == record->version) {
      *fresh = *it->second;
      ++rederived;
    }
    fresh->legacy = false;
    status = StoreIncident(*fresh);
    if (!status.ok()) {
      writer_db_->Exec("ROLLBACK").IgnoreError();
      return status;
    }
    record = std::move(fresh);
  }
  status = writer_db_->Exec("COMMIT");
  if (!status.ok()) return status;
  LogInfo("log", "upgraded the incident records to the chain's state",
          {{"replayed", absl::StrCat(rederived)},
           {"from_summary", absl::StrCat(incidents_.size() - rederived)}});
  return absl::OkStatus();
}

void SqliteEventLog::Close() {
  health_.Close();
  queue_.Close();
  // On the writer thread (a callback or listener) the writer cannot join
  // itself; it ends after the current batch and the destructor joins it.
  if (std::this_thread::get_id() == writer_id_) return;
  absl::MutexLock lock(&close_mu_);
  if (writer_.joinable()) writer_.join();
}

}  // namespace sqlite_log

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
  absl::StatusOr<std::unique_ptr<sqlite_log::SqliteEventLog>> log =
      sqlite_log::SqliteEventLog::Open(options);
  if (!log.ok()) return log.status();
  return std::unique_ptr<EventLog>(*std::move(log));
}

std::optional<SqliteEventLogStats> GetSqliteEventLogStats(const EventLog& log) {
  const auto* sqlite_log = dynamic_cast<const sqlite_log::SqliteEventLog*>(&log);
  if (sqlite_log == nullptr) return std::nullopt;
  return sqlite_log->stats();
}

}  // namespace sitrep
