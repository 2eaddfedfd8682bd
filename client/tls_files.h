// The PEM files of the TLS flags (--tls_ca, --tls_cert, --tls_key), read and
// checked before anything is sent, so a wrong path or a swapped file is a
// usage error naming the flag rather than an obscure handshake failure.
#ifndef SITREP_CLIENT_TLS_FILES_H_
#define SITREP_CLIENT_TLS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep::cli {

// The text of `path`, which must hold at least one PEM certificate.
// INVALID_ARGUMENT starting with `flag`: "--tls_ca: cannot read /x.pem: No
// such file or directory", "--tls_ca: /x.pem holds no PEM certificate".
absl::StatusOr<std::string> ReadPemCertificates(const std::string& path,
                                                absl::string_view flag);

// The text of `path`, which must hold an unencrypted PEM private key (gRPC
// cannot ask for a passphrase). Never prompts. The message never contains
// the key.
absl::StatusOr<std::string> ReadPemPrivateKey(const std::string& path,
                                              absl::string_view flag);

// OK when the private key belongs to the first certificate of `cert_pem`;
// INVALID_ARGUMENT naming both flags otherwise.
absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem,
                                        const std::string& key_pem,
                                        absl::string_view cert_flag,
                                        absl::string_view key_flag);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_TLS_FILES_H_
