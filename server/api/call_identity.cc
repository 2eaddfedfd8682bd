#include "server/api/call_identity.h"

#include <utility>

#include "grpc/grpc_security_constants.h"
#include "server/auth/audit.h"

namespace sitrep {

CallCredentials CredentialsOf(const grpc::ServerContextBase& context) {
  CallCredentials credentials;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    credentials.authorization.emplace(it->second.data(), it->second.size());
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property :
         {GRPC_X509_CN_PROPERTY_NAME, GRPC_X509_SAN_PROPERTY_NAME}) {
      for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
        credentials.certificate_names.emplace_back(value.data(), value.size());
      }
    }
  }
  return credentials;
}

absl::StatusOr<CallIdentity> IdentifyCall(
    const Authenticator& authenticator, const grpc::ServerContextBase& context,
    absl::string_view rpc) {
  const std::string peer = context.peer();
  CallCredentials credentials = CredentialsOf(context);
  absl::StatusOr<Principal> principal = authenticator.Authenticate(credentials);
  if (!principal.ok()) {
    AuditDenied(rpc, "", peer, principal.status());
    return principal.status();
  }
  return CallIdentity{*std::move(principal), peer, std::move(credentials)};
}

}  // namespace sitrep
