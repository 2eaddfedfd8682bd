// Step 5 of `sitrep check` (check_command.cc): how far each replica of a
// --store=jetstream deployment is behind the stream, read from one
// replica's metrics endpoint.
#ifndef SITREP_CLIENT_COMMANDS_CHECK_REPLICAS_H_
#define SITREP_CLIENT_COMMANDS_CHECK_REPLICAS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/check_thresholds.h"
#include "client/plugin_output.h"

namespace sitrep::cli {

struct ReplicaCheck {
  std::string metrics;  // host:port of a replica's --metrics_address
  Thresholds lag;       // updates
  Thresholds stalled;   // seconds
  // The --replica-stalled-* flags as given, for the findings' notes.
  std::string stalled_warning;
  std::string stalled_critical;
};

// Each replica's figures come from the one replica at `check.metrics`,
// which reports every replica of the stream (a stalled replica is reported
// by the others, so pointing the check at any replica covers them all).
// Adds the findings (CRITICAL when the endpoint is not reached or its lag
// probe cannot reach NATS, UNKNOWN when it has no replica metrics) and the
// perfdata replicas, replica_lag_max and replica_stalled_max.
void CheckReplicas(const ReplicaCheck& check, absl::Duration timeout,
                   std::vector<CheckFinding>* findings, std::vector<PerfDatum>* perfdata);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_COMMANDS_CHECK_REPLICAS_H_
