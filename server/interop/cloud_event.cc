#include "server/interop/cloud_event.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "server/incident/update_status.h"

namespace sitrep {
namespace {

// A JSON string literal (RFC 8259 section 7).
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

// CloudEvents HTTP binding 3.1.3.2: header values percent-encode space,
// '"', '%' and everything outside printable ASCII.
std::string HeaderValue(absl::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '%') {
      absl::StrAppendFormat(&out, "%%%02X", c);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string Rfc3339(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ",
                          absl::FromUnixSeconds(t.seconds()) +
                              absl::Nanoseconds(t.nanos()),
                          absl::UTCTimeZone());
}

}  // namespace

CloudEvent MakeCloudEvent(const v1::SituationUpdate& update,
                          absl::string_view update_json,
                          absl::string_view log_id) {
  CloudEvent event;
  auto& a = event.attributes;
  a.emplace_back("id", update.event_id());
  a.emplace_back("source", absl::StrCat("/sitrep/", log_id, "/publishers/",
                                        update.publisher()));
  a.emplace_back("specversion", "1.0");
  a.emplace_back("type", kCloudEventType);
  if (!update.incident_id().empty()) {
    a.emplace_back("subject", update.incident_id());
  }
  a.emplace_back("time", Rfc3339(update.received_at()));
  a.emplace_back("datacontenttype", "application/json");
  a.emplace_back("dataschema", kCloudEventDataSchema);
  a.emplace_back("sitrepsequence", absl::StrCat(update.sequence()));
  std::string status = v1::Status_Name(EffectiveStatus(update));
  absl::string_view short_status = status;
  absl::ConsumePrefix(&short_status, "STATUS_");
  a.emplace_back("sitrepstatus", absl::AsciiStrToLower(short_status));
  event.data_json = std::string(update_json);
  return event;
}

std::string StructuredCloudEvent(const CloudEvent& event) {
  std::string out = "{";
  for (const auto& [name, value] : event.attributes) {
    absl::StrAppend(&out, JsonString(name), ":", JsonString(value), ",");
  }
  absl::StrAppend(&out, "\"data\":", event.data_json, "}");
  return out;
}

std::vector<std::string> BinaryCloudEventHeaders(const CloudEvent& event) {
  std::vector<std::string> headers;
  for (const auto& [name, value] : event.attributes) {
    if (name == "datacontenttype") continue;  // it is the Content-Type
    headers.push_back(absl::StrCat("ce-", name, ": ", HeaderValue(value)));
  }
  return headers;
}

}  // namespace sitrep
