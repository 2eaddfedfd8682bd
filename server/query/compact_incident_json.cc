#include "server/query/compact_incident_json.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/util/time_util.h"
#include "server/situation/json_line.h"

namespace sitrep {
namespace {

// Writes the members of one JSON object, each with its comma, leaving out
// what protobuf's printer leaves out (zero, empty, unset).
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  ~ObjectWriter() { out_->push_back('}'); }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  // The key, for a value the caller appends itself.
  std::string* Key(absl::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    absl::StrAppend(out_, "\"", key, "\":");
    return out_;
  }
  void String(absl::string_view key, absl::string_view value) {
    if (!value.empty()) AppendJsonString(value, Key(key));
  }
  // uint64 is a JSON string in protobuf's mapping.
  void Uint64(absl::string_view key, uint64_t value) {
    if (value != 0) absl::StrAppend(Key(key), "\"", value, "\"");
  }
  void Double(absl::string_view key, double value) {
    if (value != 0) Key(key)->append(google::protobuf::SimpleDtoa(value));
  }
  // By name, or by number when this build does not know it (as protobuf).
  void Enum(absl::string_view key, int value,
            const google::protobuf::EnumDescriptor* type) {
    if (value == 0) return;
    const google::protobuf::EnumValueDescriptor* named =
        type->FindValueByNumber(value);
    if (named == nullptr) {
      absl::StrAppend(Key(key), value);
    } else {
      AppendJsonString(named->name(), Key(key));
    }
  }
  void Time(absl::string_view key, bool present,
            const google::protobuf::Timestamp& time) {
    if (present) {
      AppendJsonString(google::protobuf::util::TimeUtil::ToString(time), Key(key));
    }
  }
  template <typename Message>
  void Each(absl::string_view key,
            const google::protobuf::RepeatedPtrField<Message>& messages) {
    if (messages.empty()) return;
    std::string* out = Key(key);
    out->push_back('[');
    for (int i = 0; i < messages.size(); ++i) {
      if (i != 0) out->push_back(',');
      out->append(ToJsonLine(messages.Get(i)));
    }
    out->push_back(']');
  }

 private:
  std::string* const out_;
  bool first_ = true;
};

void AppendLocation(const v1::Location& location, std::string* out) {
  ObjectWriter object(out);
  object.String("municipality", location.municipality());
  object.String("place", location.place());
  if (location.has_point()) {
    ObjectWriter point(object.Key("point"));
    point.Double("latitude", location.point().latitude());
    point.Double("longitude", location.point().longitude());
  }
}

void AppendLatest(const v1::SituationUpdate& latest, std::string* out) {
  ObjectWriter object(out);
  object.Uint64("sequence", latest.sequence());
  object.Enum("mission", latest.mission(), v1::Mission_descriptor());
  object.Enum("severity", latest.severity(), v1::Severity_descriptor());
  object.Enum("category", latest.category(), v1::Category_descriptor());
  object.Enum("kind", latest.kind(), v1::Kind_descriptor());
  object.Enum("status", latest.status(), v1::Status_descriptor());
  object.Time("occurredAt", latest.has_occurred_at(), latest.occurred_at());
  object.String("headline", latest.headline());
  if (latest.has_location()) AppendLocation(latest.location(), object.Key("location"));
}

}  // namespace

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendCompactIncidentJson(const v1::Incident& compact, std::string* out) {
  ObjectWriter object(out);
  object.String("incidentId", compact.incident_id());
  if (compact.has_latest()) AppendLatest(compact.latest(), object.Key("latest"));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  object.Enum("currentTier", compact.current_tier(), v1::Role_descriptor());
#pragma GCC diagnostic pop
  object.Time("openedAt", compact.has_opened_at(), compact.opened_at());
  object.Enum("openedBy", compact.opened_by(), v1::Mission_descriptor());
  object.Uint64("version", compact.version());
  object.Enum("peakSeverity", compact.peak_severity(), v1::Severity_descriptor());
  if (compact.has_lead()) {
    ObjectWriter lead(object.Key("lead"));
    lead.Enum("mission", compact.lead().mission(), v1::Mission_descriptor());
    lead.Enum("tier", compact.lead().tier(), v1::Role_descriptor());
    lead.Time("since", compact.lead().has_since(), compact.lead().since());
  }
  object.Each("supportRequests", compact.support_requests());
  if (compact.has_location()) AppendLocation(compact.location(), object.Key("location"));
  object.Enum("category", compact.category(), v1::Category_descriptor());
  object.Each("exceptions", compact.exceptions());
}

}  // namespace sitrep
