#ifndef SITREP_SERVER_HTTP_JSON_BODY_H_
#define SITREP_SERVER_HTTP_JSON_BODY_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace sitrep {

// `message` in protobuf's canonical JSON mapping, on one line (what grpcurl
// prints for the same message, without the whitespace).
std::string ToJson(const google::protobuf::Message& message);

// The HTTP status for a gRPC-style status code (INVALID_ARGUMENT 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 429,
// UNAVAILABLE 503, ...), as grpc-gateway maps them.
int HttpStatusOf(absl::StatusCode code);

// The error body: {"code": 3, "status": "INVALID_ARGUMENT", "message": ...}.
std::string ErrorJson(const absl::Status& status);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_JSON_BODY_H_
