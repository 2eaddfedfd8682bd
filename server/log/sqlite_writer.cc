// The SQLite log's writer thread: group commit of queued appends, each
// request applied in the open transaction, incident records stored with it.

#include "server/log/sqlite_log.h"

namespace sitrep {
namespace sqlite_log {
namespace {

// The answer to a request that repeats `stored`: a duplicate, or
// ALREADY_EXISTS when the content differs. `had_occurred_at`: the request
// came with its own occurred_at (a repeat is compared as it was sent).
absl::StatusOr<AppendResult> AnswerRepeat(const LogEntryPtr& stored,
                                          const v1::SituationUpdate& update,
                                          bool had_occurred_at) {
  absl::Status same = CheckSameContent(stored->update, update, had_occurred_at);
  if (!same.ok()) return same;
  return AppendResult{stored, /*duplicate=*/true};
}

}  // namespace

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
      PublishCommit(&tx);
      if (AppendListener* listener = listener_.load(std::memory_order_acquire)) {
        listener->OnAppended(tx.added, tx.added_incidents);
      }
    }
  }
  for (size_t i = 0; i < appends->size(); ++i) {
    health_.ReportAppend(results[i]);
    (*appends)[i].done(std::move(results[i]));
  }
}

// A little over 60 lines: the steps of one request (check, dedupe, the
// incident's rules, insert, record) in the order the transaction takes them.
void SqliteEventLog::PublishCommit(Transaction* tx) {
  writer_head_ = tx->head;
  last_received_at_ = tx->last_received_at;
  appended_.fetch_add(tx->added.size(), std::memory_order_relaxed);
  absl::MutexLock lock(&incidents_mu_);
  for (auto& [id, record] : tx->incidents) incidents_[id] = std::move(record);
  head_.store(tx->head, std::memory_order_release);
}

IncidentRecordPtr SqliteEventLog::CommittedIncident(
    const std::string& incident_id) const {
  absl::ReaderMutexLock lock(&incidents_mu_);
  auto it = incidents_.find(incident_id);
  return it != incidents_.end() ? it->second : nullptr;
}

absl::StatusOr<AppendResult> SqliteEventLog::ApplyInTransaction(
    AppendRequest& request, Transaction* tx, absl::Status* store_error) {
  absl::Status status = CheckAppendRequest(request);
  if (!status.ok()) return status;
  // Whether occurred_at was the publisher's (PrepareAppend fills it in):
  // a repeat is compared as it was sent.
  const bool had_occurred_at = request.update.has_occurred_at();

  // The incident thread, as changed by this transaction so far.
  IncidentRecordPtr current;
  const std::string& incident_id = request.update.incident_id();
  if (!incident_id.empty()) {
    if (auto it = tx->incidents.find(incident_id); it != tx->incidents.end()) {
      current = it->second;
    } else {
      current = CommittedIncident(incident_id);
    }
  }
  const absl::Time received_at =
      NextReceivedAt(clock_->Now(), tx->last_received_at);
  absl::StatusOr<PreparedAppend> prepared = PrepareAppend(
      std::move(request), current.get(), tx->head + 1, received_at);
  if (!prepared.ok()) {
    // (`request` is untouched.) A repeat of a stored update is a duplicate
    // even when the incident rules no longer admit it, e.g. a retry whose
    // expected_incident_version its own first attempt moved on.
    absl::StatusOr<LogEntryPtr> stored = StoredUnder(request.update);
    if (!stored.ok()) return *store_error = stored.status();
    if (*stored != nullptr) {
      return AnswerRepeat(*stored, request.update, had_occurred_at);
    }
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
    return AnswerRepeat(*stored, entry->update, had_occurred_at);
  }
  if (prepared->record != nullptr) {
    status = StoreIncident(*prepared->record);
    if (!status.ok()) return *store_error = status;
    tx->incidents[prepared->record->incident_id] = prepared->record;
  }
  tx->head += 1;
  tx->last_received_at = received_at;
  tx->added.push_back(entry);
  tx->added_incidents.push_back(std::move(prepared->record));
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


}  // namespace sqlite_log
}  // namespace sitrep
