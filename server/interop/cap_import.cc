#include "server/interop/cap_import.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/incident/tiers.h"
#include "server/interop/cap_alert.h"
#include "server/interop/cap_area_import.h"
#include "server/interop/cap_names.h"
#include "server/interop/cap_xml.h"

namespace sitrep {
namespace {

using cap_xml::Child;
using cap_xml::Children;
using cap_xml::Invalid;
using cap_xml::IsCap;
using cap_xml::Text;

google::protobuf::Timestamp ToProto(absl::Time time) {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(time));
  return t;
}

// A CAP identifier as an incident id or event id: [A-Za-z0-9._:-], the
// rest replaced by '_'.
std::string Sanitised(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      c = '_';
    }
  }
  return out;
}

// The <parameter> valueName/value pairs of the alert's <info>: sitrep's own
// alerts carry in "sitrep:" parameters what CAP has no element for.
class CapParameters {
 public:
  explicit CapParameters(const xmlNode* info) {
    for (const xmlNode* p : Children(info, "parameter")) {
      values_[Child(p, "valueName")] = Child(p, "value");
    }
  }

  // The value of the parameter "sitrep:<name>", or null when there is none.
  const std::string* Find(absl::string_view name) const {
    auto it = values_.find(absl::StrCat(kCapParameterPrefix, name));
    return it == values_.end() ? nullptr : &it->second;
  }

  // Every parameter, by its full valueName.
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

// Sets an enum field of `u` from the sitrep:<name> parameter: false when
// the alert has no such parameter, INVALID_ARGUMENT when it holds no value
// of the enum.
template <typename Enum>
absl::StatusOr<bool> SetFromParameter(
    const CapParameters& params, absl::string_view name,
    bool (*parse)(const std::string&, Enum*),
    void (v1::SituationUpdate::*set)(Enum), v1::SituationUpdate* u) {
  const std::string* value = params.Find(name);
  if (value == nullptr) return false;
  Enum parsed{};
  if (!parse(*value, &parsed)) {
    return Invalid(absl::StrCat("alert.info.parameter[", kCapParameterPrefix,
                                name, "]"),
                   absl::StrCat("'", *value, "' is no sitrep value"));
  }
  (u->*set)(parsed);
  return true;
}

absl::Status ReadStatus(const xmlNode* alert, v1::SituationUpdate* u) {
  const std::string status = Child(alert, "status");
  std::optional<v1::Status> mapped_status = StatusFromCap(status);
  if (!mapped_status.has_value()) {
    return Invalid("alert.status",
                   absl::StrCat("'", status,
                                "' cannot be mapped: sitrep takes Actual, "
                                "Exercise and Test (it keeps no system "
                                "messages or drafts)"));
  }
  // Actual is what an unset status says already (as Unknown urgency and
  // certainty are left unset by ReadCapValues).
  if (*mapped_status != v1::STATUS_ACTUAL) u->set_status(*mapped_status);
  return absl::OkStatus();
}

absl::Status ReadScope(const xmlNode* alert, v1::SituationUpdate* u) {
  const std::string scope = Child(alert, "scope");
  if (scope == "Public") {
    u->mutable_releasability()->set_scope(v1::SCOPE_PUBLIC);
  } else if (scope == "Restricted") {
    const std::string restriction = Child(alert, "restriction");
    // sitrep's own restriction only repeats its read rights: not kept.
    if (!absl::StartsWith(restriction, "sitrep readers")) {
      u->mutable_releasability()->set_scope(v1::SCOPE_RESTRICTED);
      u->mutable_releasability()->set_restriction(restriction);
    }
  } else {
    return Invalid("alert.scope",
                   absl::StrCat("'", scope,
                                "' cannot be mapped: sitrep takes Public and "
                                "Restricted (its read rights address "
                                "readers, not the message)"));
  }
  return absl::OkStatus();
}

absl::Status ReadMissionAndRole(const CapParameters& params,
                                const CapImportOptions& options,
                                v1::SituationUpdate* u) {
  absl::StatusOr<bool> has_mission =
      SetFromParameter(params, "mission", &v1::Mission_Parse,
                       &v1::SituationUpdate::set_mission, u);
  if (!has_mission.ok()) return has_mission.status();
  if (!*has_mission) {
    if (options.mission == v1::MISSION_UNSPECIFIED) {
      return Invalid("mission",
                     "the alert names no sitrep:mission parameter; say which "
                     "mission publishes it (sitrep import --mission, POST "
                     "/v1/cap?mission=)");
    }
    u->set_mission(options.mission);
  }
  absl::StatusOr<bool> has_role = SetFromParameter(
      params, "role", &v1::Role_Parse, &v1::SituationUpdate::set_role, u);
  if (!has_role.ok()) return has_role.status();
  if (!*has_role) u->set_role(TierOfMission(u->mission()));
  return absl::OkStatus();
}

// The incident an Update or Cancel without <incidents> follows: the last
// alert its <references> name, by that alert's identifier (the incident
// id its import gave it).
absl::StatusOr<std::string> ReferencedIncident(const xmlNode* alert,
                                               absl::string_view msg_type) {
  const std::string references = Child(alert, "references");
  std::vector<std::string> triples =
      absl::StrSplit(references, ' ', absl::SkipEmpty());
  if (triples.empty()) {
    return Invalid("alert.references",
                   absl::StrCat("a CAP ", msg_type,
                                " must name the alert it follows "
                                "(<references> or <incidents>); this "
                                "one names none"));
  }
  std::vector<std::string> parts = absl::StrSplit(triples.back(), ',');
  if (parts.size() != 3) {
    return Invalid("alert.references",
                   absl::StrCat("'", triples.back(),
                                "' is no sender,identifier,sent"));
  }
  return Sanitised(parts[1]);
}

// What the alert does to its incident: the kind, the incident id, and the
// chain fields (target_tier, chain_exception).
absl::Status ReadIncidentFields(const xmlNode* alert,
                                const CapParameters& params, bool own,
                                v1::SituationUpdate* u) {
  const std::string msg_type = Child(alert, "msgType");
  std::string incident = Child(alert, "incidents");
  incident = incident.substr(0, incident.find(' '));
  absl::StatusOr<bool> has_kind = SetFromParameter(
      params, "kind", &v1::Kind_Parse, &v1::SituationUpdate::set_kind, u);
  if (!has_kind.ok()) return has_kind.status();
  if (*has_kind) {
    // The kind sitrep's own alert says.
  } else if (own && msg_type == "Alert") {
    // sitrep's own stand-alone report (a thread's alerts say their kind).
  } else if (msg_type == "Alert") {
    u->set_kind(v1::KIND_NEW);
    // Another system's alert opens an incident named after it.
    if (incident.empty()) incident = Sanitised(Child(alert, "identifier"));
  } else if (msg_type == "Update" || msg_type == "Cancel") {
    u->set_kind(msg_type == "Update" ? v1::KIND_UPDATE : v1::KIND_CANCEL);
    if (incident.empty()) {
      absl::StatusOr<std::string> referenced =
          ReferencedIncident(alert, msg_type);
      if (!referenced.ok()) return referenced.status();
      incident = *std::move(referenced);
    }
  } else {
    return Invalid("alert.msgType",
                   absl::StrCat("'", msg_type,
                                "' cannot be mapped: sitrep takes Alert, "
                                "Update and Cancel (its ACKNOWLEDGE answers a "
                                "support request, not a message)"));
  }
  u->set_incident_id(incident);
  absl::StatusOr<bool> has_tier =
      SetFromParameter(params, "target_tier", &v1::Role_Parse,
                       &v1::SituationUpdate::set_target_tier, u);
  if (!has_tier.ok()) return has_tier.status();
  if (const std::string* reason = params.Find("chain_exception")) {
    u->mutable_chain_exception()->set_reason(*reason);
  }
  return absl::OkStatus();
}

absl::Status ReadCategory(const xmlNode* info, const CapParameters& params,
                          v1::SituationUpdate* u) {
  // sitrep's own category is finer than CAP's, which it maps onto.
  absl::StatusOr<bool> has_category =
      SetFromParameter(params, "category", &v1::Category_Parse,
                       &v1::SituationUpdate::set_category, u);
  if (!has_category.ok()) return has_category.status();
  if (*has_category) return absl::OkStatus();
  const std::string cap_category = Child(info, "category");
  std::optional<v1::Category> c = CategoryFromCap(cap_category);
  if (!c.has_value()) {
    return Invalid("alert.info.category",
                   absl::StrCat("'", cap_category,
                                "' is no CAP 1.2 category (section 3.2.2)"));
  }
  u->set_category(*c);
  return absl::OkStatus();
}

// <urgency>, <severity>, <certainty> and every <responseType>: CAP's
// value lists (section 3.2.2). Unknown urgency and certainty stay unset.
absl::Status ReadCapValues(const xmlNode* info, v1::SituationUpdate* u) {
  struct {
    absl::string_view element;
    std::function<bool(const std::string&)> set;
  } enums[] = {
      {"urgency",
       [u](const std::string& t) {
         auto v = UrgencyFromCap(t);
         if (v) u->set_urgency(*v == v1::URGENCY_UNKNOWN ? v1::URGENCY_UNSPECIFIED : *v);
         return v.has_value();
       }},
      {"severity",
       [u](const std::string& t) {
         auto v = SeverityFromCap(t);
         if (v) u->set_severity(*v);
         return v.has_value();
       }},
      {"certainty",
       [u](const std::string& t) {
         auto v = CertaintyFromCap(t);
         if (v) {
           u->set_certainty(*v == v1::CERTAINTY_UNKNOWN ? v1::CERTAINTY_UNSPECIFIED : *v);
         }
         return v.has_value();
       }},
  };
  for (const auto& e : enums) {
    const std::string text = Child(info, e.element);
    if (!e.set(text)) {
      return Invalid(absl::StrCat("alert.info.", e.element),
                     absl::StrCat("'", text, "' is no CAP 1.2 value (section 3.2.2)"));
    }
  }
  for (const xmlNode* response : Children(info, "responseType")) {
    const std::string text = Text(response);
    std::optional<v1::ResponseType> v = ResponseTypeFromCap(text);
    if (!v.has_value()) {
      return Invalid("alert.info.responseType",
                     absl::StrCat("'", text, "' is no CAP 1.2 value (section 3.2.2)"));
    }
    u->add_response_types(*v);
  }
  return absl::OkStatus();
}

// <onset> and <expires>, when given.
absl::Status ReadTimes(const xmlNode* info, v1::SituationUpdate* u) {
  for (const auto& [element, field] :
       {std::pair<absl::string_view, absl::string_view>{"onset", "occurred_at"},
        {"expires", "expires_at"}}) {
    const std::string text = Child(info, element);
    if (text.empty()) continue;
    std::optional<absl::Time> time = TimeFromCap(text);
    if (!time.has_value()) {
      return Invalid(absl::StrCat("alert.info.", element),
                     absl::StrCat("'", text, "' is no CAP DateTime (section 3.3.2)"));
    }
    *(field == "occurred_at" ? u->mutable_occurred_at() : u->mutable_expires_at()) =
        ToProto(*time);
  }
  return absl::OkStatus();
}

void ReadTexts(const xmlNode* info, v1::SituationUpdate* u) {
  u->set_headline(Child(info, "headline"));
  if (u->headline().empty()) u->set_headline(Child(info, "event"));
  u->set_description(Child(info, "description"));
  u->set_instruction(Child(info, "instruction"));
}

// Labels: sitrep's own, and where another system's alert came from.
void ReadLabels(const xmlNode* alert, const CapParameters& params, bool own,
                v1::SituationUpdate* u) {
  const std::string label_prefix = absl::StrCat(kCapParameterPrefix, "label:");
  for (const auto& [name, value] : params.all()) {
    if (absl::StartsWith(name, label_prefix)) {
      (*u->mutable_labels())[name.substr(label_prefix.size())] = value;
    }
  }
  if (!own) {
    (*u->mutable_labels())["cap.sender"] = Child(alert, "sender");
    (*u->mutable_labels())["cap.identifier"] = Child(alert, "identifier");
  }
}

// The steps run in the order of CAP's elements, so that the first error
// reported is the first wrong element of the document.
absl::StatusOr<v1::PublishRequest> Map(const xmlNode* alert,
                                       const CapImportOptions& options) {
  v1::PublishRequest request;
  v1::SituationUpdate* u = request.mutable_update();
  if (absl::Status s = ReadStatus(alert, u); !s.ok()) return s;
  if (absl::Status s = ReadScope(alert, u); !s.ok()) return s;
  std::vector<const xmlNode*> infos = Children(alert, "info");
  if (infos.empty()) {
    return Invalid("alert.info", "is required: sitrep needs a severity and a "
                                 "headline");
  }
  // Several <info> blocks are one alert in several languages: the first is
  // taken.
  const xmlNode* info = infos.front();
  const CapParameters params(info);
  // Only sitrep's own alerts carry the sequence they were stored at.
  const bool own = params.Find("sequence") != nullptr;
  if (absl::Status s = ReadMissionAndRole(params, options, u); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadIncidentFields(alert, params, own, u); !s.ok()) {
    return s;
  }
  // The event id: sitrep's own, or the CAP identifier, so that importing
  // the same alert twice is a duplicate.
  const std::string* event_id = params.Find("event_id");
  u->set_event_id(event_id != nullptr ? *event_id
                                      : Sanitised(Child(alert, "identifier")));
  u->set_language(Child(info, "language"));
  if (absl::Status s = ReadCategory(info, params, u); !s.ok()) return s;
  if (absl::Status s = ReadCapValues(info, u); !s.ok()) return s;
  if (absl::Status s = ReadTimes(info, u); !s.ok()) return s;
  ReadTexts(info, u);
  const std::string* place = params.Find("place");
  if (place != nullptr) u->mutable_location()->set_place(*place);
  if (absl::Status s = ReadCapArea(info, u, place != nullptr,
                                params.Find("area_description"), own);
      !s.ok()) {
    return s;
  }
  ReadLabels(alert, params, own, u);
  return request;
}

}  // namespace

absl::StatusOr<v1::PublishRequest> ParseCapAlert(absl::string_view xml,
                                                 const CapImportOptions& options) {
  // No network, no DTD loading, no entity expansion beyond XML's own.
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "cap.xml",
                    nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      &xmlFreeDoc);
  if (doc == nullptr) {
    const xmlError* error = xmlGetLastError();
    return Invalid("alert",
                   absl::StrCat("is not well-formed XML",
                                error != nullptr
                                    ? absl::StrCat(" (line ", error->line, ": ",
                                                   absl::StripAsciiWhitespace(
                                                       error->message != nullptr
                                                           ? error->message
                                                           : ""),
                                                   ")")
                                    : ""));
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!IsCap(root, "alert")) {
    return Invalid("alert",
                   absl::StrCat("the document is no CAP 1.2 alert (its root "
                                "must be <alert xmlns=\"",
                                kCapNamespace, "\">)"));
  }
  return Map(root, options);
}

}  // namespace sitrep
