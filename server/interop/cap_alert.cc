#include "server/interop/cap_alert.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "server/incident/update_status.h"
#include "server/ingest/municipality.h"
#include "server/interop/cap_names.h"

namespace sitrep {
namespace {

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// Writes elements in the order CAP's schema fixes.
class XmlWriter {
 public:
  explicit XmlWriter(std::string* out) : out_(out) {}

  void Open(absl::string_view name) {
    Indent();
    absl::StrAppend(out_, "<", name, ">\n");
    ++depth_;
  }
  void Close(absl::string_view name) {
    --depth_;
    Indent();
    absl::StrAppend(out_, "</", name, ">\n");
  }
  void Element(absl::string_view name, absl::string_view text) {
    Indent();
    absl::StrAppend(out_, "<", name, ">");
    AppendXmlEscaped(text, out_);
    absl::StrAppend(out_, "</", name, ">\n");
  }
  void ElementIf(absl::string_view name, absl::string_view text) {
    if (!text.empty()) Element(name, text);
  }
  // <parameter> or <geocode>: a valueName/value pair.
  void Pair(absl::string_view name, absl::string_view value_name,
            absl::string_view value) {
    Open(name);
    Element("valueName", value_name);
    Element("value", value);
    Close(name);
  }

 private:
  void Indent() { out_->append(2 * depth_, ' '); }

  std::string* out_;
  int depth_ = 0;
};

std::string Parameter(absl::string_view name) {
  return absl::StrCat(kCapParameterPrefix, name);
}

std::string Point(const v1::GeoPoint& p) {
  return absl::StrCat(CapCoordinate(p.latitude()), ",",
                      CapCoordinate(p.longitude()));
}

void WriteArea(const v1::SituationUpdate& u, XmlWriter& xml) {
  const v1::Location& location = u.location();
  const bool has_shape = u.has_area() &&
                         u.area().shape_case() != v1::Area::SHAPE_NOT_SET;
  if (!has_shape && !location.has_point() && location.municipality().empty() &&
      location.place().empty()) {
    return;
  }
  std::string description = u.area().description();
  if (description.empty()) description = location.place();
  if (description.empty() && !location.municipality().empty()) {
    const Municipality* m = FindMunicipalityById(location.municipality());
    description = m != nullptr ? m->albanian : location.municipality();
  }
  if (description.empty()) description = "Kosovo";
  xml.Open("area");
  xml.Element("areaDesc", description);
  if (has_shape && u.area().has_polygon()) {
    std::vector<std::string> points;
    for (const v1::GeoPoint& p : u.area().polygon().points()) {
      points.push_back(Point(p));
    }
    xml.Element("polygon", absl::StrJoin(points, " "));
  }
  if (has_shape && u.area().has_circle()) {
    xml.Element("circle", absl::StrCat(Point(u.area().circle().center()), " ",
                                       CapCoordinate(u.area().circle().radius_km())));
  }
  // The update's point is a circle of radius 0 (a point, CAP 3.2.4).
  if (location.has_point()) {
    xml.Element("circle", absl::StrCat(Point(location.point()), " 0"));
  }
  if (!location.municipality().empty()) {
    xml.Pair("geocode", Parameter("municipality"), location.municipality());
  }
  xml.Close("area");
}

// Section 3.2.1: the <alert> block's own elements, in the schema's order.
void WriteAlertElements(const v1::SituationUpdate& u,
                        const std::vector<CapReference>& references,
                        const CapSender& sender, XmlWriter& xml) {
  xml.Element("identifier", CapIdentifier(sender, u.sequence()));
  xml.Element("sender", sender.sender);
  xml.Element("sent", CapDateTime(ToTime(u.received_at())));
  xml.Element("status", CapStatus(EffectiveStatus(u)));
  const bool threaded = !u.incident_id().empty();
  xml.Element("msgType", CapMsgType(u.kind(), threaded));
  xml.Element("source", u.publisher());
  xml.Element("scope", CapScope(u.releasability().scope()));
  if (u.releasability().scope() != v1::SCOPE_PUBLIC) {
    xml.Element("restriction",
                !u.releasability().restriction().empty()
                    ? u.releasability().restriction()
                    : absl::StrCat("sitrep readers with read rights for ",
                                   v1::Mission_Name(u.mission())));
  }
  if (EffectiveStatus(u) == v1::STATUS_EXERCISE) {
    xml.Element("note", "Exercise: not a real incident");
  }
  if (!references.empty()) {
    // Section 3.2.1: "sender,identifier,sent" triples, space-separated.
    std::vector<std::string> triples;
    for (const CapReference& r : references) {
      triples.push_back(absl::StrCat(sender.sender, ",",
                                     CapIdentifier(sender, r.sequence), ",",
                                     CapDateTime(ToTime(r.sent))));
    }
    xml.Element("references", absl::StrJoin(triples, " "));
  }
  if (threaded) xml.Element("incidents", u.incident_id());
}

// Section 3.2.2: the <info> block's elements up to its parameters.
void WriteInfoElements(const v1::SituationUpdate& u, XmlWriter& xml) {
  xml.ElementIf("language", u.language());
  xml.Element("category", CapCategory(u.category()));
  xml.Element("event", CapEvent(u.category()));
  for (int type : u.response_types()) {
    xml.Element("responseType",
                CapResponseType(static_cast<v1::ResponseType>(type)));
  }
  xml.Element("urgency", CapUrgency(u.urgency()));
  xml.Element("severity", CapSeverity(u.severity()));
  xml.Element("certainty", CapCertainty(EffectiveCertainty(u)));
  if (u.has_occurred_at()) {
    xml.Element("onset", CapDateTime(ToTime(u.occurred_at())));
  }
  if (u.has_expires_at()) {
    xml.Element("expires", CapDateTime(ToTime(u.expires_at())));
  }
  xml.Element("senderName", v1::Mission_Name(u.mission()));
  xml.Element("headline", u.headline());
  xml.ElementIf("description", u.description());
  xml.ElementIf("instruction", u.instruction());
}

// What CAP has no element for, as sitrep: parameters, so that the update
// comes back whole (ParseCapAlert reads them).
void WriteParameters(const v1::SituationUpdate& u, XmlWriter& xml) {
  xml.Pair("parameter", Parameter("mission"), v1::Mission_Name(u.mission()));
  xml.Pair("parameter", Parameter("role"), v1::Role_Name(u.role()));
  xml.Pair("parameter", Parameter("category"), v1::Category_Name(u.category()));
  if (!u.incident_id().empty()) {
    xml.Pair("parameter", Parameter("kind"), v1::Kind_Name(u.kind()));
  }
  if (u.target_tier() != v1::ROLE_UNSPECIFIED) {
    xml.Pair("parameter", Parameter("target_tier"),
             v1::Role_Name(u.target_tier()));
  }
  xml.Pair("parameter", Parameter("event_id"), u.event_id());
  xml.Pair("parameter", Parameter("sequence"), absl::StrCat(u.sequence()));
  if (u.incident_version() != 0) {
    xml.Pair("parameter", Parameter("incident_version"),
             absl::StrCat(u.incident_version()));
  }
  if (!u.location().place().empty()) {
    xml.Pair("parameter", Parameter("place"), u.location().place());
  }
  // <areaDesc> falls back on the place or municipality; this says whether
  // the area had a description of its own.
  if (!u.area().description().empty()) {
    xml.Pair("parameter", Parameter("area_description"), u.area().description());
  }
  if (u.has_chain_exception()) {
    xml.Pair("parameter", Parameter("chain_exception"),
             u.chain_exception().reason());
  }
  // Sorted, so that one update always renders the same document.
  std::vector<std::pair<std::string, std::string>> labels(u.labels().begin(),
                                                          u.labels().end());
  std::sort(labels.begin(), labels.end());
  for (const auto& [key, value] : labels) {
    xml.Pair("parameter", Parameter(absl::StrCat("label:", key)), value);
  }
}

}  // namespace

void AppendXmlEscaped(absl::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      case '\'': out->append("&apos;"); break;
      case '\t': case '\n': out->push_back(static_cast<char>(c)); break;
      // A bare \r would be read back as \n (XML 2.11); keep it as is.
      case '\r': out->append("&#13;"); break;
      default:
        if (c < 0x20) {
          out->append("\xEF\xBF\xBD");  // U+FFFD: XML 1.0 has no C0 controls
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

std::string CapIdentifier(const CapSender& sender, uint64_t sequence) {
  return absl::StrCat("urn:sitrep:", sender.log_id.empty() ? "log" : sender.log_id,
                      ":", sequence);
}

std::string RenderCapAlert(const v1::SituationUpdate& u,
                           const std::vector<CapReference>& references,
                           const CapSender& sender, bool declaration) {
  std::string out;
  if (declaration) out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out, "<alert xmlns=\"", kCapNamespace, "\">\n");
  std::string body;
  XmlWriter alert(&body);
  alert.Open("alert-body");  // indentation only; stripped below
  WriteAlertElements(u, references, sender, alert);
  alert.Open("info");
  WriteInfoElements(u, alert);
  WriteParameters(u, alert);
  WriteArea(u, alert);
  alert.Close("info");
  alert.Close("alert-body");
  // Drop the wrapper lines: its children keep one level of indentation.
  const size_t first = body.find('\n') + 1;
  const size_t last = body.rfind("</alert-body>");
  out.append(body, first, last - first);
  out.append("</alert>\n");
  return out;
}

}  // namespace sitrep
