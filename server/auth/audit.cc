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

}  // namespace sitrep
