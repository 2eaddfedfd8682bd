#ifndef SITREP_SERVER_AUTH_ACCESS_POLICY_H_
#define SITREP_SERVER_AUTH_ACCESS_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/auth/principal.h"

namespace sitrep {

namespace auth {
class PrincipalEntry;  // access_policy.proto, private to the .cc
}  // namespace auth

// Who may do what: the principals of the access policy file
// (access_policy.proto documents the format), with their token hashes and
// certificate names indexed for lookup.
//
// Thread safety: immutable after Parse; share it as a
// shared_ptr<const AccessPolicy> and replace it whole on reload.
class AccessPolicy {
 public:
  // Parses the JSON text of a policy file. INVALID_ARGUMENT naming `source`
  // and the entry: "policy.json: principals[2].publish[0]: 'NATO' is not a
  // mission (KFOR, EULEX, KOSOVO_POLICE or *)". Rejects duplicate names,
  // token hashes or certificate names, a name sitrep reserves, malformed
  // hashes, and a file without principals.
  static absl::StatusOr<std::shared_ptr<const AccessPolicy>> Parse(
      absl::string_view json, absl::string_view source);

  // Reads and parses `path`. NOT_FOUND / PERMISSION_DENIED as the file
  // system says, INVALID_ARGUMENT as Parse.
  static absl::StatusOr<std::shared_ptr<const AccessPolicy>> Load(
      const std::string& path);

  // The principal holding a token with this SHA-256 (lowercase hex), or
  // null.
  const Principal* FindByTokenHash(absl::string_view hash) const;
  // The principal mapped to this certificate name, or null.
  const Principal* FindByCertificateName(absl::string_view name) const;

  size_t size() const { return principals_.size(); }

 private:
  AccessPolicy() = default;

  // Maps the entry's token hashes and certificate names to `principal`
  // (owned by principals_); INVALID_ARGUMENT under `path` for a malformed
  // hash or one given twice, or an empty or already mapped name.
  absl::Status IndexCredentials(const auth::PrincipalEntry& entry,
                                const Principal* principal,
                                absl::string_view path);

  std::vector<std::unique_ptr<Principal>> principals_;
  absl::flat_hash_map<std::string, const Principal*> by_token_hash_;
  absl::flat_hash_map<std::string, const Principal*> by_certificate_name_;
};

// Parses one mission of the policy or of a flag: "KFOR", "MISSION_KFOR",
// "kosovo_police", "kosovo-police"; "*" or "all" give kAllMissions.
absl::StatusOr<uint32_t> ParseMissionMask(absl::string_view text);

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_ACCESS_POLICY_H_
