#ifndef SITREP_SERVER_LOG_JETSTREAM_SNAPSHOT_BUCKET_H_
#define SITREP_SERVER_LOG_JETSTREAM_SNAPSHOT_BUCKET_H_

// Where the JetStream log keeps its situation snapshots (EventLog::
// SaveSituationSnapshot): the key-value bucket `<stream>_SITUATION`, shared
// by every replica of the stream. A snapshot can be larger than a NATS
// message may be (max_payload, 1 MiB by default), so it is stored in chunks:
//   <sequence, 20 digits>.<chunk index>   the encoded snapshot's chunks
//   <sequence, 20 digits>                 the number of chunks, written last
// so a snapshot whose count key exists is complete. Two replicas saving the
// same sequence write the same bytes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nats/nats.h"
#include "server/log/event_log.h"

namespace sitrep {

// Thread safety: every method may be called concurrently (libnats' kvStore
// is thread-safe). `js` must outlive the bucket.
class JetStreamSnapshotBucket {
 public:
  // Opens `<stream>_SITUATION`, creating it when missing.
  static absl::StatusOr<std::unique_ptr<JetStreamSnapshotBucket>> Open(
      jsCtx* js, const std::string& stream, int replicas);
  ~JetStreamSnapshotBucket();

  absl::Status Save(const StoredSituation& snapshot);
  absl::StatusOr<std::vector<uint64_t>> List() const;
  absl::StatusOr<StoredSituation> Load(uint64_t sequence) const;
  // Purges the snapshots before `sequence`.
  absl::Status DropBefore(uint64_t sequence);

 private:
  JetStreamSnapshotBucket(kvStore* kv, std::string name)
      : kv_(kv), name_(std::move(name)) {}
  absl::Status Error(const std::string& what, natsStatus s) const;

  // Constant after construction.
  kvStore* const kv_;
  const std::string name_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_SNAPSHOT_BUCKET_H_
