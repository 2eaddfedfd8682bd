// A status that tells the caller when to retry (RESOURCE_EXHAUSTED from a
// rate limit, UNAVAILABLE during overload). The delay rides in the status
// as the payload google.rpc.RetryInfo, already encoded, so that the gRPC
// edge (api/grpc_status.cc) attaches it to the error details unchanged.
#ifndef SITREP_SERVER_RUNTIME_RETRY_DELAY_H_
#define SITREP_SERVER_RUNTIME_RETRY_DELAY_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace sitrep {

inline constexpr char kRetryInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.RetryInfo";

// `status` with a RetryInfo payload of `delay`.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The delay WithRetryDelay attached, if any.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_RETRY_DELAY_H_
