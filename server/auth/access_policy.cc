#include "server/auth/access_policy.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"
#include "access_policy.pb.h"
#include "server/auth/token_hash.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace {

bool IsValidPrincipalName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '@' && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

// Parses the missions of one rights list into a mask.
absl::StatusOr<uint32_t> ParseRights(
    const google::protobuf::RepeatedPtrField<std::string>& values,
    absl::string_view path) {
  uint32_t mask = 0;
  for (int i = 0; i < values.size(); ++i) {
    absl::StatusOr<uint32_t> mission = ParseMissionMask(values[i]);
    if (!mission.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, "[", i, "]: ", mission.status().message()));
    }
    mask |= *mission;
  }
  return mask;
}

// INVALID_ARGUMENT "<path>.<field>: <what...>" for one principals[] entry
// (`field` empty: the entry itself).
template <typename... What>
absl::Status EntryError(absl::string_view path, absl::string_view field,
                        const What&... what) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, field.empty() ? "" : ".", field, ": ", what...));
}

absl::StatusOr<auth::AccessPolicyFile> ReadPolicyFile(
    absl::string_view json, absl::string_view source) {
  auth::AccessPolicyFile file;
  google::protobuf::util::JsonParseOptions options;
  // A misspelt field would silently grant or withhold rights.
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &file, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": not a valid access policy: ", parsed.message().as_string()));
  }
  if (file.principals().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": principals: is empty; nobody could call"));
  }
  return file;
}

// The checks on an entry's identity: a valid name, not reserved, not used
// by an earlier entry (`names`: name -> index, this one added), and a way
// to authenticate.
absl::Status CheckIdentity(const auth::PrincipalEntry& entry, int index,
                           absl::string_view path,
                           absl::flat_hash_map<std::string, int>* names) {
  if (!IsValidPrincipalName(entry.name())) {
    return EntryError(path, "name", "'", entry.name(),
                      "' must be 1-64 of A-Z a-z 0-9 . _ @ : -");
  }
  if (entry.name() == kSystemPublisher ||
      entry.name() == AnonymousPrincipal().name) {
    return EntryError(path, "name", "'", entry.name(),
                      "' is reserved by sitrep");
  }
  if (auto [it, added] = names->emplace(entry.name(), index); !added) {
    return EntryError(path, "name", "'", entry.name(), "' is also principals[",
                      it->second, "]");
  }
  if (entry.token_sha256().empty() && entry.client_cert_names().empty()) {
    return EntryError(path, "",
                      "has neither tokenSha256 nor clientCertNames; it "
                      "could never authenticate");
  }
  return absl::OkStatus();
}

// The principal an entry describes: its name and rights.
absl::StatusOr<std::unique_ptr<Principal>> PrincipalOf(
    const auth::PrincipalEntry& entry, absl::string_view path) {
  auto principal = std::make_unique<Principal>();
  principal->name = entry.name();
  principal->admin = entry.admin();
  absl::StatusOr<uint32_t> publish =
      ParseRights(entry.publish(), absl::StrCat(path, ".publish"));
  if (!publish.ok()) return publish.status();
  absl::StatusOr<uint32_t> read =
      ParseRights(entry.read(), absl::StrCat(path, ".read"));
  if (!read.ok()) return read.status();
  absl::StatusOr<uint32_t> exceptions = ParseRights(
      entry.chain_exception(), absl::StrCat(path, ".chainException"));
  if (!exceptions.ok()) return exceptions.status();
  principal->publish_missions = *publish;
  principal->read_missions = *read;
  // An exception is only ever taken on a publish: without the publish
  // right it would mean nothing.
  principal->chain_exception_missions = *exceptions & *publish;
  return principal;
}

}  // namespace

absl::StatusOr<uint32_t> ParseMissionMask(absl::string_view text) {
  std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  if (name == "*" || name == "ALL") return kAllMissions;
  absl::StrReplaceAll({{"-", "_"}}, &name);
  if (name.rfind("MISSION_", 0) != 0) name = absl::StrCat("MISSION_", name);
  v1::Mission mission;
  if (!v1::Mission_Parse(name, &mission) ||
      mission == v1::MISSION_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not a mission (KFOR, EULEX, KOSOVO_POLICE or *)"));
  }
  return uint32_t{1} << mission;
}

absl::StatusOr<std::shared_ptr<const AccessPolicy>> AccessPolicy::Parse(
    absl::string_view json, absl::string_view source) {
  absl::StatusOr<auth::AccessPolicyFile> file = ReadPolicyFile(json, source);
  if (!file.ok()) return file.status();
  std::shared_ptr<AccessPolicy> policy(new AccessPolicy());
  absl::flat_hash_map<std::string, int> names;
  for (int i = 0; i < file->principals_size(); ++i) {
    const auth::PrincipalEntry& entry = file->principals(i);
    const std::string path = absl::StrCat(source, ": principals[", i, "]");
    if (absl::Status identity = CheckIdentity(entry, i, path, &names);
        !identity.ok()) {
      return identity;
    }
    absl::StatusOr<std::unique_ptr<Principal>> principal =
        PrincipalOf(entry, path);
    if (!principal.ok()) return principal.status();
    const Principal* stored = principal->get();
    policy->principals_.push_back(*std::move(principal));
    if (absl::Status indexed = policy->IndexCredentials(entry, stored, path);
        !indexed.ok()) {
      return indexed;
    }
  }
  return std::shared_ptr<const AccessPolicy>(std::move(policy));
}

absl::Status AccessPolicy::IndexCredentials(const auth::PrincipalEntry& entry,
                                            const Principal* principal,
                                            absl::string_view path) {
  for (int t = 0; t < entry.token_sha256_size(); ++t) {
    const std::string hash = absl::AsciiStrToLower(entry.token_sha256(t));
    const std::string field = absl::StrCat("tokenSha256[", t, "]");
    if (!IsTokenHash(hash)) {
      return EntryError(path, field,
                        "is not a SHA-256 in hex (64 digits); make one with "
                        "`sitrepd hash-token` — never put the token itself "
                        "here");
    }
    if (!by_token_hash_.emplace(hash, principal).second) {
      return EntryError(path, field, "the same token hash is given twice");
    }
  }
  for (int c = 0; c < entry.client_cert_names_size(); ++c) {
    const std::string& name = entry.client_cert_names(c);
    const std::string field = absl::StrCat("clientCertNames[", c, "]");
    if (name.empty()) return EntryError(path, field, "is empty");
    if (!by_certificate_name_.emplace(name, principal).second) {
      return EntryError(path, field, "'", name,
                        "' is already mapped to another principal");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const AccessPolicy>> AccessPolicy::Load(
    const std::string& path) {
  std::ifstream in(path);
  if (!in.is_open()) {
    return absl::NotFoundError(
        absl::StrCat("--auth_file: cannot open ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::UnavailableError(
        absl::StrCat("--auth_file: cannot read ", path));
  }
  return Parse(text.str(), path);
}

const Principal* AccessPolicy::FindByTokenHash(absl::string_view hash) const {
  auto it = by_token_hash_.find(hash);
  return it == by_token_hash_.end() ? nullptr : it->second;
}

const Principal* AccessPolicy::FindByCertificateName(
    absl::string_view name) const {
  auto it = by_certificate_name_.find(name);
  return it == by_certificate_name_.end() ? nullptr : it->second;
}

}  // namespace sitrep
