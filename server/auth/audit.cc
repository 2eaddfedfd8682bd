#include "server/auth/audit.h"

#include <string>

#include "server/runtime/logging.h"

namespace sitrep {

void AuditDenied(absl::string_view rpc, absl::string_view principal,
                 absl::string_view peer, const absl::Status& reason) {
  LogWarning("audit",
             reason.code() == absl::StatusCode::kUnauthenticated
                 ? "authentication refused"
                 : "authorization refused",
             {{"rpc", std::string(rpc)},
              {"principal", principal.empty() ? "-" : std::string(principal)},
              {"peer", std::string(peer)},
              {"code", absl::StatusCodeToString(reason.code())},
              {"reason", std::string(reason.message())}});
}

void AuditChainException(absl::string_view rpc, absl::string_view principal,
                         absl::string_view peer,
                         const v1::SituationUpdate& update) {
  LogWarning("audit", "chain exception",
             {{"rpc", std::string(rpc)},
              {"principal", std::string(principal)},
              {"peer", std::string(peer)},
              {"mission", v1::Mission_Name(update.mission())},
              {"kind", v1::Kind_Name(update.kind())},
              {"incident", update.incident_id()},
              {"sequence", std::to_string(update.sequence())},
              {"reason", update.chain_exception().reason()}});
}

}  // namespace sitrep
