#include "server/config/flags_help.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sitrep {
namespace {

// Groups in the order printed; a flag belongs to the first group one of whose
// names or name prefixes (ending in '_') it matches.
struct Group {
  const char* title;
  std::vector<const char*> names;
};

const std::vector<Group>& Groups() {
  static const auto* const groups = new std::vector<Group>{
      {"Serving (gRPC)",
       {"listen", "port_file", "max_message_bytes", "min_ping_interval",
        "max_connection_age", "max_connection_age_grace", "max_subscriptions",
        "max_streams_per_principal", "min_heartbeat_interval"}},
      {"TLS and access",
       {"tls_", "plaintext", "auth_file", "publish_rate", "publish_burst"}},
      {"HTTP gateway and dashboard", {"http_"}},
      {"Metrics and health (/metrics, /healthz, /readyz)", {"metrics_"}},
      {"Storage",
       {"data_dir", "store", "fsync", "retention_", "ring_capacity",
        "situation_snapshot_every"}},
      {"NATS JetStream store (--store=jetstream)",
       {"nats_", "stream", "replicas", "replica_"}},
      {"Input limits",
       {"max_page_size", "max_filter_values", "max_labels",
        "max_label_requirements", "max_label_value_bytes", "max_clock_skew"}},
      {"Webhooks", {"webhooks_file"}},
      {"Runtime",
       {"executor_threads", "expiry_interval", "shutdown_", "log_format"}},
  };
  return *groups;
}

bool Matches(absl::string_view flag, absl::string_view name) {
  if (absl::EndsWith(name, "_")) return absl::StartsWith(flag, name);
  return flag == name;
}

std::string GroupOf(absl::string_view flag) {
  for (const Group& group : Groups()) {
    for (const char* name : group.names) {
      if (Matches(flag, name)) return group.title;
    }
  }
  return "Other";
}

// `text` wrapped at `width` columns, each line indented by `indent`.
std::string Wrap(absl::string_view text, size_t indent, size_t width) {
  std::string out;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
  return out;
}

}  // namespace

std::string SitrepdFlagsHelp() {
  // title -> flag name -> its text; std::map keeps names sorted.
  std::map<std::string, std::map<std::string, std::string>> by_group;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::StrContains(flag->Filename(), "server/config/")) continue;
    std::string text = absl::StrCat("  --", flag->Name());
    const std::string value = flag->DefaultValue();
    absl::StrAppend(&text, "=", value.empty() ? "\"\"" : value, "\n",
                    Wrap(flag->Help(), 6, 80));
    by_group[GroupOf(flag->Name())][std::string(flag->Name())] = std::move(text);
  }
  std::vector<std::string> order;
  for (const Group& group : Groups()) order.push_back(group.title);
  order.push_back("Other");
  std::string out;
  for (const std::string& title : order) {
    auto it = by_group.find(title);
    if (it == by_group.end()) continue;
    absl::StrAppend(&out, "\n", title, ":\n");
    for (const auto& [name, text] : it->second) absl::StrAppend(&out, text);
  }
  return out;
}

}  // namespace sitrep
