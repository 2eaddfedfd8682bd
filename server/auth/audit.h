#ifndef SITREP_SERVER_AUTH_AUDIT_H_
#define SITREP_SERVER_AUTH_AUDIT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// Logs a refused authentication or authorization (warning, component
// "audit"): the principal when known, the peer address, the RPC and the
// reason. Callers pass only statuses sitrep wrote itself, which never hold
// a token.
void AuditDenied(absl::string_view rpc, absl::string_view principal,
                 absl::string_view peer, const absl::Status& reason);

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_AUDIT_H_
