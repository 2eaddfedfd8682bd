#include "server/sinks/alertmanager_body.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<int>(c));
        } else {
          out->push_back(c);  // UTF-8 passes through (proto3 strings are).
        }
    }
  }
  out->push_back('"');
}

void AppendObject(const Pairs& pairs, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [key, value] : pairs) {
    if (value.empty()) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
  }
  out->push_back('}');
}

// MISSION_KOSOVO_POLICE -> "kosovo_police": the spelling of sitrep's metric
// labels (docs/cli.md, "Spellings"), because the same Alertmanager routes the
// alerts Prometheus raises from those metrics and one matcher
// (mission="kosovo_police") must catch both.
std::string EnumValue(const std::string& name, absl::string_view prefix) {
  if (name.empty() || absl::EndsWith(name, "_UNSPECIFIED")) return "";
  return absl::AsciiStrToLower(absl::StripPrefix(name, prefix));
}

Pairs Labels(const v1::SituationUpdate& update) {
  Pairs labels = {
      {"alertname", "SitrepUpdate"},
      {"mission", EnumValue(v1::Mission_Name(update.mission()), "MISSION_")},
      {"severity",
       EnumValue(v1::Severity_Name(update.severity()), "SEVERITY_")},
      {"category",
       EnumValue(v1::Category_Name(update.category()), "CATEGORY_")},
      {"municipality", update.location().municipality()},
      {"incident_id", update.incident_id()},
  };
  if (update.incident_id().empty()) {
    labels.emplace_back("sequence", absl::StrCat(update.sequence()));
  }
  return labels;
}

std::string Rfc3339(const google::protobuf::Timestamp& time) {
  return google::protobuf::util::TimeUtil::ToString(time);
}

bool Closes(v1::Kind kind) {
  return kind == v1::KIND_RESOLVE || kind == v1::KIND_CANCEL ||
         kind == v1::KIND_EXPIRED;
}

void AppendAlert(const Pairs& labels, const Pairs& annotations,
                 const std::string& starts_at, const std::string& ends_at,
                 std::string* out) {
  out->append("{\"labels\":");
  AppendObject(labels, out);
  out->append(",\"annotations\":");
  AppendObject(annotations, out);
  out->append(",\"startsAt\":");
  AppendJsonString(starts_at, out);
  if (!ends_at.empty()) {
    out->append(",\"endsAt\":");
    AppendJsonString(ends_at, out);
  }
  out->push_back('}');
}

}  // namespace

std::string EncodeAlertmanagerAlerts(const std::vector<LogEntryPtr>& updates) {
  using google::protobuf::util::TimeUtil;
  std::string out = "[";
  bool first = true;
  auto separate = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  for (const LogEntryPtr& entry : updates) {
    const v1::SituationUpdate& update = entry->update;
    const Pairs labels = Labels(update);
    const std::string kind =
        EnumValue(v1::Kind_Name(update.kind()), "KIND_");
    const std::string sequence = absl::StrCat(update.sequence());

    // The incident's alert moves to a new label set: end the old one.
    if (entry->previous != nullptr && !update.incident_id().empty()) {
      const v1::SituationUpdate& previous = *entry->previous;
      const Pairs old_labels = Labels(previous);
      if (old_labels != labels) {
        const auto& ends = update.occurred_at() < previous.occurred_at()
                               ? previous.occurred_at()
                               : update.occurred_at();
        separate();
        AppendAlert(old_labels,
                    {{"headline", update.headline()},
                     {"description",
                      absl::StrCat("Superseded by update ", sequence, " (",
                                   kind, ")")},
                     {"kind", kind},
                     {"sequence", sequence}},
                    Rfc3339(previous.occurred_at()), Rfc3339(ends), &out);
      }
    }

    std::string ends_at;
    if (Closes(update.kind())) {
      ends_at = Rfc3339(update.occurred_at());
    } else if (update.has_expires_at() &&
               update.occurred_at() < update.expires_at()) {
      ends_at = Rfc3339(update.expires_at());
    }
    separate();
    AppendAlert(labels,
                {{"headline", update.headline()},
                 {"description", update.description()},
                 {"kind", kind},
                 {"sequence", sequence},
                 {"place", update.location().place()},
                 {"publisher", update.publisher()}},
                Rfc3339(update.occurred_at()), ends_at, &out);
  }
  out.push_back(']');
  return out;
}

}  // namespace sitrep
