#include "server/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace sitrep {
namespace {

std::string OpenSslError() {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof(text));
  return text;
}

// TLS 1.2 suites with forward secrecy and AEAD only, as gRPC offers (I-2):
// no CBC (Lucky13-style padding oracles), no RSA key exchange. TLS 1.3's
// suites are all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

absl::StatusOr<SSL_CTX*> MakeTlsContext(const std::string& cert,
                                        const std::string& key,
                                        const std::string& client_ca) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) return absl::InternalError("TLS: " + OpenSslError());
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(context, kTls12Ciphers);
  // A client cannot make the loop thread redo handshakes.
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
  if (!client_ca.empty()) {
    // mTLS (M-3): no certificate signed by the CA, no connection, as on
    // the gRPC listener.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca.c_str());
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(context, client_ca.c_str(), nullptr) !=
            1) {
      const std::string error = OpenSslError();
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      SSL_CTX_free(context);
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_client_ca: the HTTP listener cannot use ", client_ca, ": ",
          error));
    }
    SSL_CTX_set_client_CA_list(context, names);
    SSL_CTX_set_verify(context,
                       SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  if (SSL_CTX_use_certificate_chain_file(context, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context, key.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_check_private_key(context) != 1) {
    const std::string error = OpenSslError();
    SSL_CTX_free(context);
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert/--tls_key: the HTTP listener cannot use ", cert, " and ",
        key, ": ", error));
  }
  return context;
}

}  // namespace sitrep
