#ifndef SITREP_SERVER_API_SERVER_CREDENTIALS_H_
#define SITREP_SERVER_API_SERVER_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "server/config/server_config.h"

namespace sitrep {

// The listener's credentials: plaintext when `tls` is not enabled;
// otherwise TLS from files that gRPC re-reads every reload_interval (a
// renewed certificate is served to new connections; open ones keep theirs),
// requiring and verifying client certificates when client_ca_file is set.
//
// The files are checked here first, so that a wrong path, a key that does
// not belong to the certificate or an unreadable CA stops sitrepd at start
// with INVALID_ARGUMENT naming the flag, rather than failing handshakes.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& tls);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SERVER_CREDENTIALS_H_
