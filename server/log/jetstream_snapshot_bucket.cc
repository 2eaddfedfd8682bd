#include "server/log/jetstream_snapshot_bucket.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "server/log/jetstream_nats.h"
#include "server/log/situation_snapshot_codec.h"

namespace sitrep {
namespace {

// Well below the default max_payload (1 MiB), leaving room for headers.
constexpr size_t kChunkBytes = 512 * 1024;

std::string CountKey(uint64_t sequence) {
  return absl::StrFormat("%020d", sequence);
}
std::string ChunkKey(uint64_t sequence, size_t index) {
  return absl::StrCat(CountKey(sequence), ".", index);
}

struct EntryDeleter {
  void operator()(kvEntry* e) const { kvEntry_Destroy(e); }
};
using EntryPtr = std::unique_ptr<kvEntry, EntryDeleter>;

absl::string_view Value(kvEntry* entry) {
  return absl::string_view(static_cast<const char*>(kvEntry_Value(entry)),
                           static_cast<size_t>(kvEntry_ValueLen(entry)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JetStreamSnapshotBucket>>
JetStreamSnapshotBucket::Open(jsCtx* js, const std::string& stream,
                              int replicas) {
  const std::string name = absl::StrCat(stream, "_SITUATION");
  kvStore* kv = nullptr;
  jetstream::BucketSettings settings;
  settings.name = name;
  settings.description =
      "sitrep situation snapshots (see jetstream_snapshot_bucket.h)";
  settings.replicas = replicas;
  if (natsStatus s = jetstream::OpenOrCreateBucket(js, settings, &kv);
      s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat(
        "cannot open the situation snapshot bucket '", name,
        "': ", natsStatus_GetText(s)));
  }
  return std::unique_ptr<JetStreamSnapshotBucket>(
      new JetStreamSnapshotBucket(kv, name));
}

JetStreamSnapshotBucket::~JetStreamSnapshotBucket() { kvStore_Destroy(kv_); }

absl::Status JetStreamSnapshotBucket::Error(const std::string& what,
                                            natsStatus s) const {
  return absl::UnavailableError(absl::StrCat(what, " in bucket '", name_,
                                             "': ", natsStatus_GetText(s)));
}

absl::Status JetStreamSnapshotBucket::Save(const StoredSituation& snapshot) {
  const std::string body = EncodeSituationSnapshot(snapshot);
  const size_t chunks = std::max<size_t>(1, (body.size() + kChunkBytes - 1) /
                                                kChunkBytes);
  for (size_t i = 0; i < chunks; ++i) {
    const absl::string_view part =
        absl::string_view(body).substr(i * kChunkBytes, kChunkBytes);
    uint64_t revision = 0;
    natsStatus s = kvStore_Put(&revision, kv_,
                               ChunkKey(snapshot.sequence, i).c_str(),
                               part.data(), static_cast<int>(part.size()));
    if (s != NATS_OK) {
      return Error(absl::StrCat("cannot store the situation snapshot of "
                                "sequence ", snapshot.sequence),
                   s);
    }
  }
  const std::string count = absl::StrCat(chunks);
  uint64_t revision = 0;
  natsStatus s = kvStore_Put(&revision, kv_, CountKey(snapshot.sequence).c_str(),
                             count.data(), static_cast<int>(count.size()));
  if (s != NATS_OK) {
    return Error(absl::StrCat("cannot store the situation snapshot of "
                              "sequence ", snapshot.sequence),
                 s);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint64_t>> JetStreamSnapshotBucket::List() const {
  kvKeysList keys;
  natsStatus s = kvStore_Keys(&keys, kv_, nullptr);
  std::vector<uint64_t> sequences;
  if (s == NATS_NOT_FOUND) return sequences;  // An empty bucket.
  if (s != NATS_OK) return Error("cannot list the situation snapshots", s);
  for (int i = 0; i < keys.Count; ++i) {
    const absl::string_view key = keys.Keys[i];
    uint64_t sequence = 0;
    // Only count keys (no chunk index) name a complete snapshot.
    if (key.find('.') == absl::string_view::npos &&
        absl::SimpleAtoi(key, &sequence)) {
      sequences.push_back(sequence);
    }
  }
  kvKeysList_Destroy(&keys);
  std::sort(sequences.begin(), sequences.end());
  return sequences;
}

absl::StatusOr<StoredSituation> JetStreamSnapshotBucket::Load(
    uint64_t sequence) const {
  const std::string what =
      absl::StrCat("the situation snapshot of sequence ", sequence);
  kvEntry* raw = nullptr;
  natsStatus s = kvStore_Get(&raw, kv_, CountKey(sequence).c_str());
  EntryPtr count_entry(raw);
  if (s == NATS_NOT_FOUND) {
    return absl::NotFoundError(
        absl::StrCat("no situation snapshot of sequence ", sequence));
  }
  if (s != NATS_OK) return Error(absl::StrCat("cannot read ", what), s);
  size_t chunks = 0;
  if (!absl::SimpleAtoi(Value(raw), &chunks)) {
    return absl::DataLossError(absl::StrCat("cannot decode ", what));
  }
  std::string body;
  for (size_t i = 0; i < chunks; ++i) {
    kvEntry* chunk = nullptr;
    s = kvStore_Get(&chunk, kv_, ChunkKey(sequence, i).c_str());
    EntryPtr chunk_entry(chunk);
    if (s != NATS_OK) return Error(absl::StrCat("cannot read ", what), s);
    absl::StrAppend(&body, Value(chunk));
  }
  return DecodeSituationSnapshot(
      body, absl::StrCat("of sequence ", sequence, " in bucket ", name_));
}

absl::Status JetStreamSnapshotBucket::DropBefore(uint64_t sequence) {
  kvKeysList keys;
  natsStatus s = kvStore_Keys(&keys, kv_, nullptr);
  if (s == NATS_NOT_FOUND) return absl::OkStatus();
  if (s != NATS_OK) return Error("cannot list the situation snapshots", s);
  absl::Status status;
  for (int i = 0; i < keys.Count && status.ok(); ++i) {
    const absl::string_view key = keys.Keys[i];
    uint64_t key_sequence = 0;
    if (!absl::SimpleAtoi(key.substr(0, key.find('.')), &key_sequence) ||
        key_sequence >= sequence) {
      continue;
    }
    s = kvStore_Purge(kv_, keys.Keys[i], nullptr);
    if (s != NATS_OK) {
      status = Error(absl::StrCat("cannot remove snapshot key ", key), s);
    }
  }
  kvKeysList_Destroy(&keys);
  return status;
}

}  // namespace sitrep
