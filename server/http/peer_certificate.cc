#include "server/http/peer_certificate.h"

#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>

namespace sitrep {
namespace {

struct X509Closer {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct NamesCloser {
  void operator()(GENERAL_NAMES* names) const {
    GENERAL_NAMES_free(names);
  }
};

std::string Text(const ASN1_STRING* text) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                     static_cast<size_t>(ASN1_STRING_length(text)));
}

}  // namespace

std::vector<std::string> VerifiedCertificateNames(
    evhttp_connection* connection) {
  std::vector<std::string> names;
  bufferevent* bev = evhttp_connection_get_bufferevent(connection);
  SSL* ssl = bev != nullptr ? bufferevent_openssl_get_ssl(bev) : nullptr;
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return names;
  std::unique_ptr<X509, X509Closer> cert(SSL_get_peer_certificate(ssl));
  if (cert == nullptr) return names;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  const int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) {
    names.push_back(
        Text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn))));
  }
  std::unique_ptr<GENERAL_NAMES, NamesCloser> alternatives(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(
          cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (alternatives == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(alternatives.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives.get(), i);
    if (name->type == GEN_DNS || name->type == GEN_URI ||
        name->type == GEN_EMAIL) {
      names.push_back(Text(name->d.ia5));
    }
  }
  return names;
}

}  // namespace sitrep
