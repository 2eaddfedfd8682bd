#ifndef SITREP_SERVER_LOG_JETSTREAM_LAG_PROBE_H_
#define SITREP_SERVER_LOG_JETSTREAM_LAG_PROBE_H_

// How far each sitrepd replica on one JetStream stream is behind it, and
// how many replicas there are (--store=jetstream; README, "Scaling out").
//
// Replicas know each other only through NATS: every replica's probe writes
// a heartbeat every `interval` into the key-value bucket <stream>_REPLICAS
// (key: the replica's name; value: the stream sequence it has applied, how
// far that was behind the stream's last sequence, and since when it has
// been behind without applying anything), and reads everybody's. So any
// replica reports every replica, and a replica that cannot report itself
// (stopped, hung, partitioned from NATS) is still seen by the others: its
// heartbeat ages and the stream goes on without it.
//
// A replica counts as live while its heartbeat is younger than 3 intervals.
// A replica that shuts down cleanly deletes its key; one that dies keeps
// it until the bucket's TTL (kHeartbeatTtl) removes it, and is reported as
// stalled until then, which is what an operator should hear about.
//
// The probe has a NATS connection of its own (the log's is not shared), one
// thread, and costs one stream-info request, one put and one key listing
// per interval.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/jetstream_event_log.h"
#include "server/runtime/clock.h"

namespace sitrep {

// Heartbeats older than this are removed by JetStream (bucket TTL).
inline constexpr absl::Duration kHeartbeatTtl = absl::Minutes(15);

struct ReplicaLag {
  std::string replica;  // its name (--replica_name)
  bool self = false;    // the replica this probe runs in
  bool live = false;    // heartbeat younger than 3 intervals
  uint64_t applied = 0;  // the stream sequence it has applied (its Head())
  // Stream last sequence - applied: as it reported while live; from the
  // stream's current last sequence once its heartbeat is stale.
  uint64_t lag = 0;
  // How long it has been behind without applying anything (0 when caught
  // up or progressing); a stale heartbeat adds its age.
  absl::Duration stalled_for;
  absl::Duration heartbeat_age;
};

struct ReplicaLagSnapshot {
  bool valid = false;     // false until the first round, or while NATS is away
  std::string error;      // why not valid
  uint64_t stream_last = 0;
  std::vector<ReplicaLag> replicas;  // sorted by name; self included
  int live() const;
};

struct LagProbeOptions {
  // Connection and stream (nats_url, credentials, TLS, stream, replicas).
  JetStreamOptions nats;
  // This replica's name: a key of the bucket ([-_.a-zA-Z0-9]; other
  // characters become '_').
  std::string replica;
  absl::Duration interval = absl::Seconds(5);
  // The stream sequence this replica has applied: EventLog::Head(). Called
  // on the probe's thread; must be thread-safe.
  std::function<uint64_t()> applied;
  // Not owned; null: real time. Heartbeats carry wall-clock times, so
  // replicas need NTP (seconds of skew are harmless against intervals).
  Clock* clock = nullptr;
};

// Thread safety: Snapshot() from any thread.
class JetStreamLagProbe {
 public:
  virtual ~JetStreamLagProbe() = default;
  virtual ReplicaLagSnapshot Snapshot() const = 0;
};

// Connects, creates the bucket if missing, runs the first round and starts
// the thread. UNAVAILABLE when NATS or JetStream cannot be reached;
// INVALID_ARGUMENT for an empty replica name or a non-positive interval.
// The destructor deletes this replica's heartbeat and stops the thread.
absl::StatusOr<std::unique_ptr<JetStreamLagProbe>> StartJetStreamLagProbe(
    LagProbeOptions options);

// The heartbeat's value and its parser (exposed for tests).
std::string EncodeReplicaHeartbeat(uint64_t applied, uint64_t lag,
                                   absl::Duration stalled_for, absl::Time at);
bool DecodeReplicaHeartbeat(absl::string_view text, uint64_t* applied,
                            uint64_t* lag, absl::Duration* stalled_for,
                            absl::Time* at);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_LAG_PROBE_H_
