#ifndef SITREP_SERVER_API_GRPC_STATUS_H_
#define SITREP_SERVER_API_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// The one place where absl::Status becomes a gRPC status (and back). Codes
// map one to one. For INVALID_ARGUMENT whose message starts with a field
// path ("update.headline: is required"), the status also carries a
// google.rpc.BadRequest detail naming that field, so clients with the
// googleapis protos can point at it.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The same, for one failed request of a PublishStream.
v1::ErrorStatus ToErrorStatus(const absl::Status& status);

// The field path at the start of an error message ("update.headline" for
// "update.headline: is required"), or empty.
std::string FieldOfMessage(absl::string_view message);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_GRPC_STATUS_H_
