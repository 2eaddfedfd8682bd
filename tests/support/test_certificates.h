// Throw-away X.509 material for TLS / mTLS tests, made fresh per test with
// the `openssl` command-line tool (nothing is committed): a CA, a server
// certificate for 127.0.0.1 / ::1 / localhost, client certificates, and an
// unrelated second CA with a client certificate of its own ("signed by
// another CA"). EC P-256 keys, SHA-256, valid for 3 days from now; about
// 10 ms per openssl run, so a full set takes well under a second.
//
//   TempDir dir;
//   absl::StatusOr<TestCertificates> pki = MakeTestCertificates(dir.path());
//   ASSERT_TRUE(pki.ok()) << pki.status();
//   // sitrepd --tls_cert=pki->server.cert_file --tls_key=pki->server.key_file
//   //         --tls_client_ca=pki->ca.cert_file
//   // sitrep --tls_ca=pki->ca.cert_file --tls_cert=pki->clients.at("kfor-gateway").cert_file ...
#ifndef SITREP_TESTS_SUPPORT_TEST_CERTIFICATES_H_
#define SITREP_TESTS_SUPPORT_TEST_CERTIFICATES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sitrep::testing {

// A certificate and its private key, as PEM files (key: unencrypted PKCS#8).
struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

// What a client certificate says about its holder.
struct ClientCertificateSpec {
  // Subject CN, e.g. "kfor-gateway". Letters, digits and ".-_@:" only.
  std::string common_name;
  // Also a subjectAltName DNS entry (e.g. "kfor-gateway.example"); empty:
  // none.
  std::string san_dns;
};

struct TestCertificates {
  // The directory everything was written to.
  std::string dir;
  // The CA that signed `server` and `clients` (CA:TRUE, keyCertSign).
  CertificateFiles ca;
  // CN=localhost; SAN IP:127.0.0.1, IP:::1, DNS:localhost; serverAuth.
  CertificateFiles server;
  // By common name; clientAuth; signed by `ca`.
  std::map<std::string, CertificateFiles> clients;
  // An unrelated CA ("sitrep other test CA"), and a client certificate it
  // signed (CN "kfor-gateway", the same name as a trusted one would have):
  // a server trusting `ca` only must refuse it.
  CertificateFiles other_ca;
  CertificateFiles other_client;
};

// Makes the CA, the server certificate, one client certificate per spec
// (default: one, CN "kfor-gateway" with SAN DNS "kfor-gateway.example") and
// the other CA with its client, as files in `dir` (e.g. a TempDir's
// path; the directory must exist). INTERNAL with openssl's stderr when a
// run fails, FAILED_PRECONDITION when there is no `openssl` on PATH.
absl::StatusOr<TestCertificates> MakeTestCertificates(
    const std::string& dir,
    const std::vector<ClientCertificateSpec>& clients = {
        {"kfor-gateway", "kfor-gateway.example"}});

// Another client certificate signed by `pki->ca`, added to pki->clients.
absl::StatusOr<CertificateFiles> AddClientCertificate(TestCertificates* pki,
                                                      const ClientCertificateSpec& spec);

// The whole file (NOT_FOUND / INTERNAL naming the path otherwise), e.g. to
// hand PEM text to grpc::SslServerCredentials.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_TEST_CERTIFICATES_H_
