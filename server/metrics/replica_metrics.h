#ifndef SITREP_SERVER_METRICS_REPLICA_METRICS_H_
#define SITREP_SERVER_METRICS_REPLICA_METRICS_H_

#include <string>

#include "server/log/jetstream_lag_probe.h"

namespace sitrep {

// The replica families of /metrics (--store=jetstream), in the Prometheus
// text format, from the lag probe's snapshot (jetstream_lag_probe.h). Every
// replica exports every replica it knows of, so a stalled replica is still
// reported by the others:
//   sitrep_replica_probe_up                  1 when the probe's last round succeeded
//   sitrep_replicas                          replicas with a live heartbeat
//   sitrep_stream_last_sequence              the stream's last sequence
//   sitrep_replica_applied_sequence{replica} the sequence it has applied
//   sitrep_replica_lag_updates{replica}      stream last - applied
//   sitrep_replica_stalled_seconds{replica}  behind without applying anything
//   sitrep_replica_heartbeat_age_seconds{replica}  (0 for the replica itself)
// The names are listed in scripts/check_deploy_files.py (alerts and the
// Grafana dashboard may use only exported names).
// Replica names are bucket keys ([-_.a-zA-Z0-9]), so no label escaping.
std::string FormatReplicaMetrics(const ReplicaLagSnapshot& snapshot);

}  // namespace sitrep

#endif  // SITREP_SERVER_METRICS_REPLICA_METRICS_H_
