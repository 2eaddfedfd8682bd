#include "server/auth/authenticator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/auth/token_hash.h"

namespace sitrep {
namespace {

constexpr size_t kMaxTokenBytes = 512;

}  // namespace

Authenticator::Authenticator(std::shared_ptr<const AccessPolicy> policy)
    : policy_(std::move(policy)) {}

std::shared_ptr<const AccessPolicy> Authenticator::policy() const {
  absl::MutexLock lock(&mu_);
  return policy_;
}

void Authenticator::Replace(std::shared_ptr<const AccessPolicy> policy) {
  absl::MutexLock lock(&mu_);
  policy_ = std::move(policy);
}

bool Authenticator::enforcing() const { return policy() != nullptr; }

absl::StatusOr<Principal> Authenticator::Authenticate(
    const CallCredentials& credentials) const {
  const std::shared_ptr<const AccessPolicy> policy = this->policy();
  if (policy == nullptr) return AnonymousPrincipal();

  if (credentials.authorization.has_value()) {
    absl::string_view value = *credentials.authorization;
    constexpr absl::string_view kBearer = "bearer ";
    if (value.size() <= kBearer.size() ||
        !absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
      return absl::UnauthenticatedError(
          "authorization: expected 'Bearer <token>'");
    }
    const absl::string_view token =
        absl::StripAsciiWhitespace(value.substr(kBearer.size()));
    if (token.empty() || token.size() > kMaxTokenBytes) {
      return absl::UnauthenticatedError(
          "authorization: the bearer token is empty or too long");
    }
    const Principal* principal = policy->FindByTokenHash(HashToken(token));
    if (principal == nullptr) {
      return absl::UnauthenticatedError(
          "authorization: unknown or revoked token");
    }
    return *principal;
  }
  for (const std::string& name : credentials.certificate_names) {
    if (const Principal* principal = policy->FindByCertificateName(name)) {
      return *principal;
    }
  }
  if (!credentials.certificate_names.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate '", credentials.certificate_names.front(),
        "' is not mapped to a principal (clientCertNames in the access "
        "policy)"));
  }
  return absl::UnauthenticatedError(
      "no credentials: send 'authorization: Bearer <token>' metadata or a "
      "client certificate");
}

}  // namespace sitrep
