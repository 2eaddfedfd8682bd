#include "client/tls_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "openssl/bio.h"
#include "openssl/err.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"

namespace sitrep::cli {
namespace {

// PEM files are a few KiB; anything this large is not one (or is /dev/zero).
constexpr size_t kMaxPemBytes = 1 << 20;

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, absl::string_view flag) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": empty file name"));
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(error)));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > kMaxPemBytes) {
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": ", path, " is larger than 1 MiB: not a PEM file"));
    }
  }
  close(fd);
  return text;
}

// Refuses to decrypt: OpenSSL would otherwise prompt on the terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return -1;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The first certificate of `pem` (PEM_read_bio_X509 skips blocks of other
// types), or null. Leaves OpenSSL's error queue empty: gRPC's TLS shares
// the library and must not see our failures.
X509Ptr FirstCertificate(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  ERR_clear_error();
  return cert;
}

PkeyPtr PrivateKey(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr)
                  : nullptr);
  ERR_clear_error();
  return key;
}

}  // namespace

absl::StatusOr<std::string> ReadPemCertificates(const std::string& path,
                                                absl::string_view flag) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, flag);
  if (!text.ok()) return text.status();
  if (FirstCertificate(*text) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " holds no PEM certificate"));
  }
  return text;
}

absl::StatusOr<std::string> ReadPemPrivateKey(const std::string& path,
                                              absl::string_view flag) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, flag);
  if (!text.ok()) return text.status();
  if (PrivateKey(*text) == nullptr) {
    if (absl::StrContains(*text, "ENCRYPTED")) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": ", path,
          " is encrypted; sitrep needs an unencrypted key (openssl pkey -in KEY -out "
          "PLAIN.key, then keep PLAIN.key private)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " holds no PEM private key"));
  }
  return text;
}

absl::Status CheckKeyMatchesCertificate(const std::string& cert_pem,
                                        const std::string& key_pem,
                                        absl::string_view cert_flag,
                                        absl::string_view key_flag) {
  X509Ptr cert = FirstCertificate(cert_pem);
  PkeyPtr key = PrivateKey(key_pem);
  const bool match =
      cert != nullptr && key != nullptr && X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_flag, ": the private key does not belong to the certificate of ", cert_flag));
  }
  return absl::OkStatus();
}

}  // namespace sitrep::cli
