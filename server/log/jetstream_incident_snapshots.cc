// The incident snapshots of the JetStream log: the key-value bucket
// <stream>_INCIDENTS, one key per incident, holding its IncidentRecord as of
// some sequence, so that incidents outlive the updates retention removes
// (see jetstream_event_log.h).

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/log/incident_record_codec.h"
#include "server/log/jetstream_log.h"

namespace sitrep {
namespace jetstream {

absl::Status JetStreamEventLog::OpenIncidentBucket(const std::string& bucket) {
  BucketSettings settings;
  settings.name = bucket;
  settings.description = "sitrep incident records (see jetstream_event_log.h)";
  settings.replicas = options_.replicas;
  if (natsStatus s = OpenOrCreateBucket(js_, settings, &incidents_kv_);
      s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot open the incident bucket '", bucket, "'"), s));
  }
  return absl::OkStatus();
}

absl::Status JetStreamEventLog::LoadIncidentSnapshots() {
  const std::string bucket = absl::StrCat(options_.stream, "_INCIDENTS");
  absl::Status opened = OpenIncidentBucket(bucket);
  if (!opened.ok()) return opened;
  kvWatcher* watcher = nullptr;
  natsStatus s = kvStore_WatchAll(&watcher, incidents_kv_, nullptr);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot read the incident bucket '", bucket, "'"), s));
  }
  std::unique_ptr<kvWatcher, void (*)(kvWatcher*)> owner(watcher,
                                                          &kvWatcher_Destroy);
  absl::MutexLock lock(&mu_);
  for (;;) {
    kvEntry* raw = nullptr;
    s = kvWatcher_Next(&raw, watcher, timeout_ms_);
    if (s != NATS_OK) {
      return absl::UnavailableError(NatsErrorText(
          absl::StrCat("cannot read the incident bucket '", bucket, "'"), s));
    }
    // A null entry marks the end of the current values.
    if (raw == nullptr) break;
    KvEntryPtr entry(raw);
    absl::Status loaded = LoadSnapshotLocked(raw, bucket);
    if (!loaded.ok()) return loaded;
  }
  return absl::OkStatus();
}

absl::Status JetStreamEventLog::LoadSnapshotLocked(kvEntry* entry,
                                                   const std::string& bucket) {
  if (kvEntry_Operation(entry) != kvOp_Put) return absl::OkStatus();
  absl::StatusOr<IncidentRecord> record = DecodeIncidentRecord(
      absl::string_view(static_cast<const char*>(kvEntry_Value(entry)),
                        static_cast<size_t>(kvEntry_ValueLen(entry))),
      absl::StrCat("key ", kvEntry_Key(entry), " of bucket ", bucket));
  if (!record.ok()) return record.status();
  // A legacy snapshot (format 1) counts as not written, so that the next
  // SnapshotIncidents stores the record in the current format.
  snapshot_sequence_[record->incident_id] =
      record->legacy ? 0 : record->latest->sequence();
  std::string id = record->incident_id;
  incidents_[std::move(id)] =
      std::make_shared<IncidentRecord>(*std::move(record));
  return absl::OkStatus();
}

absl::Status JetStreamEventLog::SnapshotIncidents() {
  std::vector<IncidentRecordPtr> changed;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, record] : incidents_) {
      auto it = snapshot_sequence_.find(id);
      if (it == snapshot_sequence_.end() ||
          it->second < record->latest->sequence()) {
        changed.push_back(record);
      }
    }
  }
  for (const IncidentRecordPtr& record : changed) {
    absl::Status status = PutSnapshot(*record);
    if (!status.ok()) return status;
    absl::MutexLock lock(&mu_);
    uint64_t& sequence = snapshot_sequence_[record->incident_id];
    sequence = std::max(sequence, record->latest->sequence());
  }
  return absl::OkStatus();
}

absl::Status JetStreamEventLog::PutSnapshot(const IncidentRecord& record) {
  const std::string key = IncidentKey(record.incident_id);
  const std::string value = EncodeIncidentRecord(record);
  // Compare-and-set, so that a replica behind never replaces a newer
  // snapshot of another.
  for (int attempt = 0; attempt < 10; ++attempt) {
    kvEntry* raw = nullptr;
    natsStatus s = kvStore_Get(&raw, incidents_kv_, key.c_str());
    KvEntryPtr current(raw);
    uint64_t revision = 0;
    if (s == NATS_OK) {
      absl::StatusOr<IncidentRecord> stored = DecodeIncidentRecord(
          absl::string_view(static_cast<const char*>(kvEntry_Value(raw)),
                            static_cast<size_t>(kvEntry_ValueLen(raw))),
          absl::StrCat("incident '", record.incident_id, "'"));
      // A snapshot written before the chain's rules (legacy) is replaced
      // by the re-derived record of the same sequence.
      if (stored.ok() && !stored->legacy &&
          stored->latest->sequence() >= record.latest->sequence()) {
        return absl::OkStatus();
      }
      revision = kvEntry_Revision(raw);
    } else if (s != NATS_NOT_FOUND) {
      return absl::UnavailableError(NatsErrorText(
          absl::StrCat("cannot read the snapshot of incident '",
                       record.incident_id, "'"),
          s));
    }
    uint64_t written = 0;
    s = revision == 0
            ? kvStore_Create(&written, incidents_kv_, key.c_str(), value.data(),
                             static_cast<int>(value.size()))
            : kvStore_Update(&written, incidents_kv_, key.c_str(), value.data(),
                             static_cast<int>(value.size()), revision);
    if (s == NATS_OK) return absl::OkStatus();
    if (!Connected()) break;
    // Someone else wrote it meanwhile: look again.
  }
  return absl::UnavailableError(absl::StrCat(
      "cannot write the snapshot of incident '", record.incident_id,
      "'; nothing was removed from the stream"));
}

}  // namespace jetstream
}  // namespace sitrep
