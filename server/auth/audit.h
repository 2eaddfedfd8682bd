#ifndef SITREP_SERVER_AUTH_AUDIT_H_
#define SITREP_SERVER_AUTH_AUDIT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// Logs a refused authentication or authorization (warning, component
// "audit"): the principal when known, the peer address, the RPC and the
// reason. Callers pass only statuses sitrep wrote itself, which never hold
// a token.
void AuditDenied(absl::string_view rpc, absl::string_view principal,
                 absl::string_view peer, const absl::Status& reason);

// Logs an update stored with a chain exception (warning, component
// "audit"): who engaged out of turn, in which incident, at which sequence,
// and the reason given.
void AuditChainException(absl::string_view rpc, absl::string_view principal,
                         absl::string_view peer,
                         const v1::SituationUpdate& update);

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_AUDIT_H_
