#ifndef SITREP_SERVER_HTTP_TLS_CONTEXT_H_
#define SITREP_SERVER_HTTP_TLS_CONTEXT_H_

#include <string>

#include "absl/status/statusor.h"

struct ssl_ctx_st;

namespace sitrep {

// The HTTPS listener's OpenSSL context: `cert` (PEM chain) and `key`; TLS
// 1.2 and later with AEAD suites only, no renegotiation. With `client_ca`
// (non-empty) every client must present a certificate it signed (mTLS, as
// on the gRPC listener). INVALID_ARGUMENT names the flag and the file that
// does not load. The caller owns the result (SSL_CTX_free).
absl::StatusOr<ssl_ctx_st*> MakeTlsContext(const std::string& cert,
                                           const std::string& key,
                                           const std::string& client_ca);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_TLS_CONTEXT_H_
