#ifndef SITREP_SERVER_API_CALL_IDENTITY_H_
#define SITREP_SERVER_API_CALL_IDENTITY_H_


#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "server/auth/authenticator.h"
#include "server/service/call_identity.h"

namespace sitrep {

// The gRPC side of service/call_identity.h: a CallIdentity from a server
// context.

// The credentials a call presents: its `authorization` metadata and, when
// the transport verified a client certificate, that certificate's subject
// common name and subject alternative names.
CallCredentials CredentialsOf(const grpc::ServerContextBase& context);

// Authenticates `context` with `authenticator`. A refusal is audited
// (auth/audit.h) with `rpc` and the peer, and returned as UNAUTHENTICATED.
absl::StatusOr<CallIdentity> IdentifyCall(
    const Authenticator& authenticator, const grpc::ServerContextBase& context,
    absl::string_view rpc);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_CALL_IDENTITY_H_
