// Reads of the SQLite log: a pool of read connections (WAL: readers never
// wait for the writer), ranges, mission-filtered catch-up, incident
// records and stored situation snapshots.

#include "server/log/sqlite_log.h"

namespace sitrep {
namespace sqlite_log {

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
  health_.ReportRead(status);
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
  return health_.Read(std::move(result));
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
  if (!db.ok()) {
    health_.ReportRead(db.status());
    return db.status();
  }
  reader->db = *std::move(db);
  absl::Status status = reader->db->Exec("PRAGMA query_only = 1");
  if (!status.ok()) {
    health_.ReportRead(status);
    return status;
  }
  status = reader->Prepare();
  if (!status.ok()) {
    health_.ReportRead(status);
    return status;
  }
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
  health_.ReportRead(status);
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
  return health_.Read(std::move(result));
}

absl::StatusOr<EventLog::OpenIncidents> SqliteEventLog::LoadOpenIncidents()
    const {
  OpenIncidents result;
  {
    // The writer changes the records and the head together under the lock.
    absl::ReaderMutexLock lock(&incidents_mu_);
    result.head = head_.load(std::memory_order_acquire);
    for (const auto& [id, record] : incidents_) {
      if (!record->closed) result.incidents.push_back(record);
    }
  }
  SortByLatestSequence(&result.incidents);
  return result;
}

absl::StatusOr<std::optional<IncidentRecord>> SqliteEventLog::LoadIncident(
    const std::string& incident_id) const {
  IncidentRecordPtr record = CommittedIncident(incident_id);
  if (record == nullptr) return std::optional<IncidentRecord>();
  return std::optional<IncidentRecord>(*record);
}


}  // namespace sqlite_log
}  // namespace sitrep
