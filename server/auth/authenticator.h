#ifndef SITREP_SERVER_AUTH_AUTHENTICATOR_H_
#define SITREP_SERVER_AUTH_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/auth/access_policy.h"
#include "server/auth/principal.h"

namespace sitrep {

// What a call presents, taken from gRPC by the API layer.
struct CallCredentials {
  // The `authorization` metadata value, when the call sent one.
  std::optional<std::string> authorization;
  // The verified client certificate's subject common name and subject
  // alternative names (empty without mTLS).
  std::vector<std::string> certificate_names;
};

// Turns credentials into a Principal under the current access policy.
//
// Without a policy (development mode) every call is the anonymous principal.
// With one, a bearer token wins over a certificate (a gateway holding one
// certificate can act for several principals); a call with neither, or with
// a token or certificate the policy does not know, is UNAUTHENTICATED. The
// messages never contain the token.
//
// Thread safety: Authenticate and Replace may run concurrently; a call
// already authenticated keeps the principal it got.
class Authenticator {
 public:
  explicit Authenticator(std::shared_ptr<const AccessPolicy> policy);

  absl::StatusOr<Principal> Authenticate(
      const CallCredentials& credentials) const;

  // Installs a new policy for the calls that follow (SIGHUP reload).
  void Replace(std::shared_ptr<const AccessPolicy> policy);

  // True when a policy is in force (not development mode).
  bool enforcing() const;

 private:
  std::shared_ptr<const AccessPolicy> policy() const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const AccessPolicy> policy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_AUTHENTICATOR_H_
