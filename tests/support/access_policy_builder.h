// Test helper: the access policy file sitrepd reads (--auth_file,
// ServerConfig::auth_file; its format is server/auth/access_policy.proto in
// protobuf's JSON mapping), built from principals instead of hand-written
// JSON.
//
//   const std::string path = AccessPolicyBuilder()
//       .Principal("kp-ops").Token(kKpToken).Publish({"KOSOVO_POLICE"}).Read({"*"})
//       .Principal("kfor-gw").ClientCert("kfor-gateway.example").Read({"KFOR"})
//       .WriteTo(dir.path() + "/policy.json");
#ifndef SITREP_TESTS_SUPPORT_ACCESS_POLICY_BUILDER_H_
#define SITREP_TESTS_SUPPORT_ACCESS_POLICY_BUILDER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sitrep::testing {

// Not thread-safe. Every setter but Principal() describes the principal
// added last (calling one before any Principal() is a test bug: it aborts).
// Lists that stay empty are left out of the file, which sitrepd reads as
// "no such right".
class AccessPolicyBuilder {
 public:
  AccessPolicyBuilder& Principal(absl::string_view name);
  // A bearer token of the principal; the file holds its SHA-256 hex
  // (HashToken, as `sitrepd hash-token` makes it), never the token.
  AccessPolicyBuilder& Token(absl::string_view token);
  // A "tokenSha256" entry as is: a hash made elsewhere (by `sitrepd
  // hash-token`), or a malformed one for a test of the policy's checks.
  AccessPolicyBuilder& TokenSha256(absl::string_view hex);
  // A client certificate name (subject CN or SAN) of the principal.
  AccessPolicyBuilder& ClientCert(absl::string_view name);
  // Missions ("KFOR", "EULEX", "KOSOVO_POLICE", "MISSION_...", "kfor" or
  // "*") it may publish as, read, and publish chain exceptions as. Each
  // call adds to the list.
  AccessPolicyBuilder& Publish(const std::vector<std::string>& missions);
  AccessPolicyBuilder& Read(const std::vector<std::string>& missions);
  AccessPolicyBuilder& ChainException(const std::vector<std::string>& missions);

  // The file's text: {"principals": [...]}.
  std::string Json() const;
  // Writes Json() to `path` (replacing it); aborts when it cannot (the test
  // cannot go on). Returns `path`.
  std::string WriteTo(const std::string& path) const;

 private:
  struct Entry {
    std::string name;
    std::vector<std::string> token_sha256;
    std::vector<std::string> client_cert_names;
    std::vector<std::string> publish;
    std::vector<std::string> read;
    std::vector<std::string> chain_exception;
  };
  Entry& Last();

  std::vector<Entry> principals_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_ACCESS_POLICY_BUILDER_H_
