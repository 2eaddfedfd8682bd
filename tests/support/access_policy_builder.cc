#include "tests/support/access_policy_builder.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/auth/token_hash.h"

namespace sitrep::testing {

namespace {

// A JSON string literal of `text` (names, hashes and missions: no control
// characters, but quotes and backslashes are escaped all the same).
std::string Quoted(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// `, "key": [...]`, or nothing for an empty list.
std::string ListField(absl::string_view key, const std::vector<std::string>& values) {
  if (values.empty()) return "";
  return absl::StrCat(", ", Quoted(key), ": [",
                      absl::StrJoin(values, ", ",
                                    [](std::string* out, const std::string& value) {
                                      out->append(Quoted(value));
                                    }),
                      "]");
}

void Append(std::vector<std::string>& to, const std::vector<std::string>& values) {
  to.insert(to.end(), values.begin(), values.end());
}

}  // namespace

AccessPolicyBuilder::Entry& AccessPolicyBuilder::Last() {
  if (principals_.empty()) {
    std::fprintf(stderr, "AccessPolicyBuilder: call Principal() first\n");
    std::abort();
  }
  return principals_.back();
}

AccessPolicyBuilder& AccessPolicyBuilder::Principal(absl::string_view name) {
  principals_.push_back(Entry{std::string(name), {}, {}, {}, {}, {}});
  return *this;
}

AccessPolicyBuilder& AccessPolicyBuilder::Token(absl::string_view token) {
  return TokenSha256(HashToken(token));
}

AccessPolicyBuilder& AccessPolicyBuilder::TokenSha256(absl::string_view hex) {
  Last().token_sha256.emplace_back(hex);
  return *this;
}

AccessPolicyBuilder& AccessPolicyBuilder::ClientCert(absl::string_view name) {
  Last().client_cert_names.emplace_back(name);
  return *this;
}

AccessPolicyBuilder& AccessPolicyBuilder::Publish(const std::vector<std::string>& missions) {
  Append(Last().publish, missions);
  return *this;
}

AccessPolicyBuilder& AccessPolicyBuilder::Read(const std::vector<std::string>& missions) {
  Append(Last().read, missions);
  return *this;
}

AccessPolicyBuilder& AccessPolicyBuilder::ChainException(
    const std::vector<std::string>& missions) {
  Append(Last().chain_exception, missions);
  return *this;
}

std::string AccessPolicyBuilder::Json() const {
  std::vector<std::string> entries;
  for (const Entry& e : principals_) {
    entries.push_back(absl::StrCat(
        "{\"name\": ", Quoted(e.name), ListField("tokenSha256", e.token_sha256),
        ListField("clientCertNames", e.client_cert_names), ListField("publish", e.publish),
        ListField("read", e.read), ListField("chainException", e.chain_exception), "}"));
  }
  return absl::StrCat("{\"principals\": [", absl::StrJoin(entries, ",\n  "), "]}\n");
}

std::string AccessPolicyBuilder::WriteTo(const std::string& path) const {
  std::ofstream out(path, std::ios::trunc);
  out << Json();
  out.close();
  if (!out) {
    std::fprintf(stderr, "AccessPolicyBuilder: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace sitrep::testing
