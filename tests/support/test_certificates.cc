#include "tests/support/test_certificates.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"

namespace sitrep::testing {
namespace {

constexpr char kDays[] = "3";

// Everything `openssl req` needs, so the system's openssl.cnf (or
// OPENSSL_CONF) cannot change what is made.
constexpr char kRequestConfig[] = R"([req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
)";

absl::StatusOr<std::string> FindOpenssl() {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/openssl");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::FailedPreconditionError(
      "no `openssl` on PATH (Debian: apt-get install openssl)");
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Runs openssl with `args`; INTERNAL with its stderr when it fails.
absl::Status RunOpenssl(std::vector<std::string> args) {
  absl::StatusOr<std::string> openssl = FindOpenssl();
  if (!openssl.ok()) return openssl.status();
  args.insert(args.begin(), *openssl);
  Subprocess process(args);
  const ExitStatus status = process.Wait(absl::Seconds(30));
  if (!status.exited() || status.code() != 0) {
    return absl::InternalError(absl::StrCat(
        "openssl ", args[1], " failed (", status.ToString(), "): ",
        process.stderr_text()));
  }
  return absl::OkStatus();
}

// A serial number no other certificate of this process shares.
std::string NextSerial() {
  static std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat("0x", absl::Hex(random() >> 1, absl::kZeroPad16));
}

bool IsSafeName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::strchr(".-_@:", c) == nullptr) {
      return false;
    }
  }
  return true;
}

// A self-signed CA in dir/<stem>.pem + dir/<stem>.key.
absl::StatusOr<CertificateFiles> MakeCa(const std::string& dir, const std::string& stem,
                                        const std::string& common_name) {
  CertificateFiles ca{absl::StrCat(dir, "/", stem, ".pem"), absl::StrCat(dir, "/", stem, ".key")};
  absl::Status status = RunOpenssl(
      {"req", "-x509", "-new", "-config", dir + "/openssl-req.cnf", "-extensions", "ca_ext",
       "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca.key_file,
       "-out", ca.cert_file, "-days", kDays, "-sha256", "-set_serial", NextSerial(), "-subj",
       absl::StrCat("/CN=", common_name)});
  if (!status.ok()) return status;
  return ca;
}

// A key and a certificate for `common_name` signed by `ca`, with the
// extensions of `extensions` (an openssl extension section's lines), in
// dir/<stem>.pem + dir/<stem>.key.
absl::StatusOr<CertificateFiles> MakeLeaf(const std::string& dir, const std::string& stem,
                                          const std::string& common_name,
                                          const std::string& extensions,
                                          const CertificateFiles& ca) {
  CertificateFiles leaf{absl::StrCat(dir, "/", stem, ".pem"),
                        absl::StrCat(dir, "/", stem, ".key")};
  const std::string csr = absl::StrCat(dir, "/", stem, ".csr");
  const std::string ext = absl::StrCat(dir, "/", stem, ".ext");
  absl::Status status = WriteFile(
      ext, absl::StrCat("[ext]\nbasicConstraints = critical, CA:FALSE\n"
                        "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
                        extensions));
  if (!status.ok()) return status;
  status = RunOpenssl({"req", "-new", "-config", dir + "/openssl-req.cnf", "-newkey", "ec",
                       "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                       leaf.key_file, "-out", csr, "-subj", absl::StrCat("/CN=", common_name)});
  if (!status.ok()) return status;
  status = RunOpenssl({"x509", "-req", "-in", csr, "-CA", ca.cert_file, "-CAkey", ca.key_file,
                       "-set_serial", NextSerial(), "-days", kDays, "-sha256", "-extfile", ext,
                       "-extensions", "ext", "-out", leaf.cert_file});
  if (!status.ok()) return status;
  return leaf;
}

absl::StatusOr<CertificateFiles> MakeClient(const std::string& dir, const std::string& stem,
                                            const ClientCertificateSpec& spec,
                                            const CertificateFiles& ca) {
  if (!IsSafeName(spec.common_name) || (!spec.san_dns.empty() && !IsSafeName(spec.san_dns))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "client certificate names: letters, digits and .-_@: only (got '", spec.common_name,
        "', '", spec.san_dns, "')"));
  }
  std::string extensions =
      "keyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n";
  if (!spec.san_dns.empty()) absl::StrAppend(&extensions, "subjectAltName = DNS:", spec.san_dns, "\n");
  return MakeLeaf(dir, stem, spec.common_name, extensions, ca);
}

}  // namespace

absl::StatusOr<TestCertificates> MakeTestCertificates(
    const std::string& dir, const std::vector<ClientCertificateSpec>& clients) {
  TestCertificates pki;
  pki.dir = dir;
  absl::Status status = WriteFile(dir + "/openssl-req.cnf", kRequestConfig);
  if (!status.ok()) return status;

  absl::StatusOr<CertificateFiles> ca = MakeCa(dir, "ca", "sitrep test CA");
  if (!ca.ok()) return ca.status();
  pki.ca = *ca;
  absl::StatusOr<CertificateFiles> server = MakeLeaf(
      dir, "server", "localhost",
      "keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
      "subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost\n",
      pki.ca);
  if (!server.ok()) return server.status();
  pki.server = *server;
  for (const ClientCertificateSpec& spec : clients) {
    absl::StatusOr<CertificateFiles> client = AddClientCertificate(&pki, spec);
    if (!client.ok()) return client.status();
  }
  absl::StatusOr<CertificateFiles> other_ca = MakeCa(dir, "other-ca", "sitrep other test CA");
  if (!other_ca.ok()) return other_ca.status();
  pki.other_ca = *other_ca;
  absl::StatusOr<CertificateFiles> other_client =
      MakeClient(dir, "other-client", {"kfor-gateway", "kfor-gateway.example"}, pki.other_ca);
  if (!other_client.ok()) return other_client.status();
  pki.other_client = *other_client;
  return pki;
}

absl::StatusOr<CertificateFiles> AddClientCertificate(TestCertificates* pki,
                                                      const ClientCertificateSpec& spec) {
  absl::StatusOr<CertificateFiles> client =
      MakeClient(pki->dir, absl::StrCat("client-", spec.common_name), spec, pki->ca);
  if (!client.ok()) return client.status();
  pki->clients[spec.common_name] = *client;
  return client;
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read ", path));
  return text.str();
}

}  // namespace sitrep::testing
