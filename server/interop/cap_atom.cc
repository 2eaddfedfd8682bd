#include "server/interop/cap_atom.h"

#include "absl/strings/str_cat.h"
#include "server/incident/update_status.h"
#include "server/interop/cap_names.h"

namespace sitrep {
namespace {

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

void Text(absl::string_view name, absl::string_view text, std::string* out,
          absl::string_view attributes = "") {
  absl::StrAppend(out, "  <", name, attributes, ">");
  AppendXmlEscaped(text, out);
  absl::StrAppend(out, "</", name, ">\n");
}

}  // namespace

std::string RenderCapAtomFeed(
    const std::vector<const v1::SituationUpdate*>& alerts,
    absl::string_view base_url, absl::Time updated, const CapSender& sender) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  Text("id", absl::StrCat("urn:sitrep:", sender.log_id, ":alerts"), &out);
  Text("title", "sitrep: current alerts", &out);
  Text("updated", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", updated,
                                   absl::UTCTimeZone()),
       &out);
  out.append("  <author><name>");
  AppendXmlEscaped(sender.sender, &out);
  out.append("</name></author>\n");
  out.append("  <link rel=\"self\" type=\"application/atom+xml\" href=\"");
  AppendXmlEscaped(absl::StrCat(base_url, "/v1/cap/alerts.atom"), &out);
  out.append("\"/>\n");
  for (const v1::SituationUpdate* alert : alerts) {
    const v1::Status status = EffectiveStatus(*alert);
    const std::string marker =
        status == v1::STATUS_ACTUAL ? "" : absl::StrCat(CapStatus(status), ": ");
    std::string entry = "<entry>\n";
    Text("id", CapIdentifier(sender, alert->sequence()), &entry);
    Text("title", absl::StrCat(marker, alert->headline()), &entry);
    Text("updated", Rfc3339(alert->received_at()), &entry);
    entry.append("  <author><name>");
    AppendXmlEscaped(v1::Mission_Name(alert->mission()), &entry);
    entry.append("</name></author>\n");
    entry.append("  <link rel=\"alternate\" type=\"application/cap+xml\" href=\"");
    AppendXmlEscaped(
        absl::StrCat(base_url, "/v1/cap/", alert->sequence(), ".xml"), &entry);
    entry.append("\"/>\n");
    entry.append("  <category term=\"");
    AppendXmlEscaped(CapStatus(status), &entry);
    entry.append("\"/>\n");
    Text("summary",
         absl::StrCat(CapSeverity(alert->severity()), " ",
                      CapEvent(alert->category()), ": ", alert->headline()),
         &entry);
    entry.append("  <content type=\"application/cap+xml\">\n");
    entry.append(RenderCapAlert(*alert, {}, sender, /*declaration=*/false));
    entry.append("  </content>\n</entry>\n");
    // Entries one level in.
    for (size_t i = 0; i < entry.size();) {
      const size_t end = entry.find('\n', i);
      out.append("  ");
      out.append(entry, i, end - i + 1);
      i = end + 1;
    }
  }
  out.append("</feed>\n");
  return out;
}

}  // namespace sitrep
