#ifndef SITREP_SERVER_HTTP_PEER_CERTIFICATE_H_
#define SITREP_SERVER_HTTP_PEER_CERTIFICATE_H_

#include <string>
#include <vector>

struct evhttp_connection;

namespace sitrep {

// The names of the client certificate an HTTPS connection verified (mTLS,
// --tls_client_ca): its subject common name, then its DNS, URI and email
// subject alternative names, the names gRPC's auth context gives the gRPC
// listener's calls (server/api/call_identity.cc), so that one
// `clientCertNames` entry of the policy means the same principal on both.
// Empty without TLS, without a certificate, or when it was not verified.
//
// Loop thread (the connection's).
std::vector<std::string> VerifiedCertificateNames(
    evhttp_connection* connection);

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_PEER_CERTIFICATE_H_
