#include "server/metrics/replica_metrics.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sitrep {
namespace {

void Family(std::string* out, const char* name, const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " gauge\n");
}

void PerReplica(std::string* out, const ReplicaLagSnapshot& snapshot, const char* name,
                const char* help, const std::function<double(const ReplicaLag&)>& value) {
  Family(out, name, help);
  for (const ReplicaLag& r : snapshot.replicas) {
    absl::StrAppend(out, name, "{replica=\"", r.replica, "\"} ",
                    absl::StrFormat("%.17g", value(r)), "\n");
  }
}

}  // namespace

std::string FormatReplicaMetrics(const ReplicaLagSnapshot& snapshot) {
  std::string out;
  Family(&out, "sitrep_replica_probe_up",
         "1 when the replica lag probe's last round (stream info, heartbeat, "
         "peers) succeeded; 0 while NATS is away.");
  absl::StrAppend(&out, "sitrep_replica_probe_up ", snapshot.valid ? 1 : 0, "\n");
  if (!snapshot.valid) return out;
  Family(&out, "sitrep_replicas",
         "sitrepd replicas of this stream with a heartbeat younger than 3 "
         "intervals in the <stream>_REPLICAS bucket, this one included.");
  absl::StrAppend(&out, "sitrep_replicas ", snapshot.live(), "\n");
  Family(&out, "sitrep_stream_last_sequence", "The JetStream stream's last sequence.");
  absl::StrAppend(&out, "sitrep_stream_last_sequence ", snapshot.stream_last, "\n");
  PerReplica(&out, snapshot, "sitrep_replica_applied_sequence",
             "The stream sequence the replica has applied to its state.",
             [](const ReplicaLag& r) { return static_cast<double>(r.applied); });
  PerReplica(&out, snapshot, "sitrep_replica_lag_updates",
             "Stream last sequence minus the replica's applied sequence.",
             [](const ReplicaLag& r) { return static_cast<double>(r.lag); });
  PerReplica(&out, snapshot, "sitrep_replica_stalled_seconds",
             "How long the replica has been behind the stream without applying "
             "anything; 0 when caught up or progressing.",
             [](const ReplicaLag& r) { return absl::ToDoubleSeconds(r.stalled_for); });
  PerReplica(&out, snapshot, "sitrep_replica_heartbeat_age_seconds",
             "Age of the replica's last heartbeat.",
             [](const ReplicaLag& r) { return absl::ToDoubleSeconds(r.heartbeat_age); });
  return out;
}

}  // namespace sitrep
