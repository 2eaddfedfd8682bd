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
  auth::AccessPolicyFile file;
  google::protobuf::util::JsonParseOptions options;
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
  std::shared_ptr<AccessPolicy> policy(new AccessPolicy());
  absl::flat_hash_map<std::string, int> names;
  for (int i = 0; i < file.principals_size(); ++i) {
    const auth::PrincipalEntry& entry = file.principals(i);
    const std::string path = absl::StrCat(source, ": principals[", i, "]");
    auto invalid = [&](absl::string_view field, const auto&... what) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, field.empty() ? "" : ".", field, ": ", what...));
    };
    if (!IsValidPrincipalName(entry.name())) {
      return invalid("name", "'", entry.name(),
                     "' must be 1-64 of A-Z a-z 0-9 . _ @ : -");
    }
    if (entry.name() == kSystemPublisher ||
        entry.name() == AnonymousPrincipal().name) {
      return invalid("name", "'", entry.name(), "' is reserved by sitrep");
    }
    if (auto [it, added] = names.emplace(entry.name(), i); !added) {
      return invalid("name", "'", entry.name(), "' is also principals[",
                     it->second, "]");
    }
    if (entry.token_sha256().empty() && entry.client_cert_names().empty()) {
      return invalid("", "has neither tokenSha256 nor clientCertNames; it "
                         "could never authenticate");
    }
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
    principal->chain_exception_missions = *exceptions & *publish;
    const Principal* stored = principal.get();
    policy->principals_.push_back(std::move(principal));

    for (int t = 0; t < entry.token_sha256_size(); ++t) {
      const std::string hash = absl::AsciiStrToLower(entry.token_sha256(t));
      const std::string field = absl::StrCat("tokenSha256[", t, "]");
      if (!IsTokenHash(hash)) {
        return invalid(field,
                       "is not a SHA-256 in hex (64 digits); make one with "
                       "`sitrepd hash-token` — never put the token itself "
                       "here");
      }
      if (!policy->by_token_hash_.emplace(hash, stored).second) {
        return invalid(field, "the same token hash is given twice");
      }
    }
    for (int c = 0; c < entry.client_cert_names_size(); ++c) {
      const std::string& name = entry.client_cert_names(c);
      const std::string field = absl::StrCat("clientCertNames[", c, "]");
      if (name.empty()) return invalid(field, "is empty");
      if (!policy->by_certificate_name_.emplace(name, stored).second) {
        return invalid(field, "'", name,
                       "' is already mapped to another principal");
      }
    }
  }
  return std::shared_ptr<const AccessPolicy>(std::move(policy));
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
