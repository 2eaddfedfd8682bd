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
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/incident/tiers.h"
#include "server/interop/cap_alert.h"
#include "server/interop/cap_names.h"

namespace sitrep {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

bool IsCap(const xmlNode* node, absl::string_view name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE &&
         node->ns != nullptr && node->ns->href != nullptr &&
         absl::string_view(reinterpret_cast<const char*>(node->ns->href)) ==
             kCapNamespace &&
         absl::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

std::vector<const xmlNode*> Children(const xmlNode* parent,
                                     absl::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (IsCap(c, name)) out.push_back(c);
  }
  return out;
}

std::string Text(const xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(node);
  std::string text = content != nullptr ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return std::string(absl::StripAsciiWhitespace(text));
}

std::string Child(const xmlNode* parent, absl::string_view name) {
  std::vector<const xmlNode*> found = Children(parent, name);
  return found.empty() ? "" : Text(found.front());
}

google::protobuf::Timestamp ToProto(absl::Time time) {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(time));
  return t;
}

absl::StatusOr<v1::GeoPoint> Point(absl::string_view text,
                                   absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  double lat = 0, lon = 0;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &lat) ||
      !absl::SimpleAtod(parts[1], &lon)) {
    return Invalid(field, absl::StrCat("'", text,
                                       "' is no WGS 84 pair \"lat,lon\" "
                                       "(CAP 1.2 section 3.2.4)"));
  }
  v1::GeoPoint point;
  point.set_latitude(lat);
  point.set_longitude(lon);
  return point;
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

template <typename Enum>
absl::Status EnumParameter(const std::string& value, absl::string_view name,
                           bool (*parse)(const std::string&, Enum*),
                           Enum* out) {
  if (!parse(value, out)) {
    return Invalid(absl::StrCat("alert.info.parameter[", kCapParameterPrefix,
                                name, "]"),
                   absl::StrCat("'", value, "' is no sitrep value"));
  }
  return absl::OkStatus();
}

// `own_description`: for sitrep's own alerts, the area's description as
// the sitrep:area_description parameter carried it (areaDesc may be a
// fallback); null for other systems' alerts.
absl::Status ReadArea(const xmlNode* info, v1::SituationUpdate* u,
                      bool place_given, const std::string* own_description,
                      bool own) {
  std::vector<const xmlNode*> areas = Children(info, "area");
  if (areas.size() > 1) {
    return Invalid("alert.info.area",
                   absl::StrCat("has ", areas.size(),
                                " areas; sitrep keeps one per update (send "
                                "one alert per area)"));
  }
  if (areas.empty()) return absl::OkStatus();
  const xmlNode* area = areas.front();
  const std::string description = Child(area, "areaDesc");
  int shapes = 0;
  for (const xmlNode* polygon : Children(area, "polygon")) {
    ++shapes;
    for (absl::string_view pair :
         absl::StrSplit(Text(polygon), ' ', absl::SkipEmpty())) {
      absl::StatusOr<v1::GeoPoint> point = Point(pair, "alert.info.area.polygon");
      if (!point.ok()) return point.status();
      *u->mutable_area()->mutable_polygon()->add_points() = *point;
    }
  }
  for (const xmlNode* circle : Children(area, "circle")) {
    std::vector<std::string> parts =
        absl::StrSplit(Text(circle), ' ', absl::SkipEmpty());
    double radius = 0;
    if (parts.size() != 2 || !absl::SimpleAtod(parts[1], &radius)) {
      return Invalid("alert.info.area.circle",
                     "is no \"lat,lon radius\" (CAP 1.2 section 3.2.4)");
    }
    absl::StatusOr<v1::GeoPoint> center = Point(parts[0], "alert.info.area.circle");
    if (!center.ok()) return center.status();
    if (radius == 0) {
      // A point (sitrep writes location.point this way).
      *u->mutable_location()->mutable_point() = *center;
      continue;
    }
    ++shapes;
    *u->mutable_area()->mutable_circle()->mutable_center() = *center;
    u->mutable_area()->mutable_circle()->set_radius_km(radius);
  }
  if (shapes > 1) {
    return Invalid("alert.info.area",
                   absl::StrCat("has ", shapes,
                                " polygons and circles; sitrep keeps one "
                                "shape per update"));
  }
  for (const xmlNode* geocode : Children(area, "geocode")) {
    if (Child(geocode, "valueName") ==
        absl::StrCat(kCapParameterPrefix, "municipality")) {
      u->mutable_location()->set_municipality(Child(geocode, "value"));
    }
  }
  if (own) {
    if (own_description != nullptr) u->mutable_area()->set_description(*own_description);
  } else if (shapes == 1) {
    u->mutable_area()->set_description(description);
  } else if (!place_given && !description.empty() && description != "Kosovo" &&
             u->location().municipality().empty()) {
    u->mutable_location()->set_place(description);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PublishRequest> Map(const xmlNode* alert,
                                       const CapImportOptions& options) {
  v1::PublishRequest request;
  v1::SituationUpdate* u = request.mutable_update();

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
  // certainty are left unset below).
  if (*mapped_status != v1::STATUS_ACTUAL) u->set_status(*mapped_status);

  const std::string scope = Child(alert, "scope");
  if (scope == "Public") {
    u->mutable_releasability()->set_scope(v1::SCOPE_PUBLIC);
  } else if (scope == "Restricted") {
    const std::string restriction = Child(alert, "restriction");
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

  std::vector<const xmlNode*> infos = Children(alert, "info");
  if (infos.empty()) {
    return Invalid("alert.info", "is required: sitrep needs a severity and a "
                                 "headline");
  }
  // Several <info> blocks are one alert in several languages: the first is
  // taken.
  const xmlNode* info = infos.front();
  std::map<std::string, std::string> params;
  for (const xmlNode* p : Children(info, "parameter")) {
    params[Child(p, "valueName")] = Child(p, "value");
  }
  auto param = [&params](absl::string_view name) -> const std::string* {
    auto it = params.find(absl::StrCat(kCapParameterPrefix, name));
    return it == params.end() ? nullptr : &it->second;
  };

  // Mission and role.
  if (const std::string* mission = param("mission")) {
    v1::Mission m;
    if (auto s = EnumParameter<v1::Mission>(*mission, "mission",
                                            &v1::Mission_Parse, &m);
        !s.ok()) {
      return s;
    }
    u->set_mission(m);
  } else if (options.mission != v1::MISSION_UNSPECIFIED) {
    u->set_mission(options.mission);
  } else {
    return Invalid("mission",
                   "the alert names no sitrep:mission parameter; say which "
                   "mission publishes it (sitrep import --mission, POST "
                   "/v1/cap?mission=)");
  }
  if (const std::string* role = param("role")) {
    v1::Role r;
    if (auto s = EnumParameter<v1::Role>(*role, "role", &v1::Role_Parse, &r);
        !s.ok()) {
      return s;
    }
    u->set_role(r);
  } else {
    u->set_role(TierOfMission(u->mission()));
  }

  // What the alert does to its incident.
  const std::string msg_type = Child(alert, "msgType");
  std::string incident = Child(alert, "incidents");
  incident = incident.substr(0, incident.find(' '));
  if (const std::string* kind = param("kind")) {
    v1::Kind k;
    if (auto s = EnumParameter<v1::Kind>(*kind, "kind", &v1::Kind_Parse, &k);
        !s.ok()) {
      return s;
    }
    u->set_kind(k);
  } else if (param("sequence") != nullptr && msg_type == "Alert") {
    // sitrep's own stand-alone report (a thread's alerts say their kind).
  } else if (msg_type == "Alert") {
    u->set_kind(v1::KIND_NEW);
    // Another system's alert opens an incident named after it.
    if (incident.empty()) incident = Sanitised(Child(alert, "identifier"));
  } else if (msg_type == "Update" || msg_type == "Cancel") {
    u->set_kind(msg_type == "Update" ? v1::KIND_UPDATE : v1::KIND_CANCEL);
    if (incident.empty()) {
      // The alert it updates, named after its identifier on import.
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
      incident = Sanitised(parts[1]);
    }
  } else {
    return Invalid("alert.msgType",
                   absl::StrCat("'", msg_type,
                                "' cannot be mapped: sitrep takes Alert, "
                                "Update and Cancel (its ACKNOWLEDGE answers a "
                                "support request, not a message)"));
  }
  u->set_incident_id(incident);
  if (const std::string* tier = param("target_tier")) {
    v1::Role r;
    if (auto s = EnumParameter<v1::Role>(*tier, "target_tier", &v1::Role_Parse, &r);
        !s.ok()) {
      return s;
    }
    u->set_target_tier(r);
  }
  if (const std::string* reason = param("chain_exception")) {
    u->mutable_chain_exception()->set_reason(*reason);
  }

  // The event id: sitrep's own, or the CAP identifier, so that importing
  // the same alert twice is a duplicate.
  if (const std::string* id = param("event_id")) {
    u->set_event_id(*id);
  } else {
    u->set_event_id(Sanitised(Child(alert, "identifier")));
  }

  // info.
  u->set_language(Child(info, "language"));
  if (const std::string* category = param("category")) {
    v1::Category c;
    if (auto s = EnumParameter<v1::Category>(*category, "category",
                                             &v1::Category_Parse, &c);
        !s.ok()) {
      return s;
    }
    u->set_category(c);
  } else {
    const std::string cap_category = Child(info, "category");
    std::optional<v1::Category> c = CategoryFromCap(cap_category);
    if (!c.has_value()) {
      return Invalid("alert.info.category",
                     absl::StrCat("'", cap_category,
                                  "' is no CAP 1.2 category (section 3.2.2)"));
    }
    u->set_category(*c);
  }
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
  u->set_headline(Child(info, "headline"));
  if (u->headline().empty()) u->set_headline(Child(info, "event"));
  u->set_description(Child(info, "description"));
  u->set_instruction(Child(info, "instruction"));
  const std::string* place = param("place");
  if (place != nullptr) u->mutable_location()->set_place(*place);
  const bool own = param("sequence") != nullptr;
  if (auto s = ReadArea(info, u, place != nullptr, param("area_description"), own);
      !s.ok()) {
    return s;
  }

  // Labels: sitrep's own, and where another system's alert came from.
  const std::string label_prefix = absl::StrCat(kCapParameterPrefix, "label:");
  for (const auto& [name, value] : params) {
    if (absl::StartsWith(name, label_prefix)) {
      (*u->mutable_labels())[name.substr(label_prefix.size())] = value;
    }
  }
  if (!own) {
    (*u->mutable_labels())["cap.sender"] = Child(alert, "sender");
    (*u->mutable_labels())["cap.identifier"] = Child(alert, "identifier");
  }
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
