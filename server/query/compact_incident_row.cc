#include "server/query/compact_incident_row.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/strutil.h"
#include "server/query/compact_incident_json.h"
#include "server/situation/json_line.h"

namespace sitrep {

const char* const kCompactRowFields[] = {
    "incidentId",      "version",         "latest.sequence", "latest.mission",
    "latest.severity", "latest.category", "latest.kind",     "latest.status",
    "latest.occurredAt", "latest.headline", "openedAt",      "openedBy",
    "peakSeverity",    "lead.mission",    "lead.tier",       "lead.since",
    "location.municipality", "location.place", "location.point.latitude",
    "location.point.longitude", "category", "currentTier", "supportRequests",
    "exceptions"};
const int kCompactRowFieldCount =
    sizeof(kCompactRowFields) / sizeof(kCompactRowFields[0]);

namespace {

// Writes one row's values, each with its comma; the empty ones at the end
// (0, "", null) are cut off when the row is closed.
class RowWriter {
 public:
  explicit RowWriter(std::string* out) : out_(out) {
    out_->push_back('[');
    filled_ = out_->size();
  }
  ~RowWriter() {
    out_->resize(filled_);
    out_->push_back(']');
  }
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;

  void String(const std::string& value) {
    AppendJsonString(value, Next());
    if (!value.empty()) Filled();
  }
  void Number(int64_t value) {
    absl::StrAppend(Next(), value);
    if (value != 0) Filled();
  }
  // A uint64 that must stay exact (a sequence): a JSON string.
  void ExactUint64(uint64_t value) {
    absl::StrAppend(Next(), "\"", value, "\"");
    Filled();
  }
  // Milliseconds since the epoch (the dashboard shows seconds at most).
  void Millis(bool present, const google::protobuf::Timestamp& time) {
    if (!present) return Null();
    absl::StrAppend(Next(), time.seconds() * 1000 + time.nanos() / 1'000'000);
    Filled();
  }
  void Double(bool present, double value) {
    if (!present) return Null();
    Next()->append(google::protobuf::SimpleDtoa(value));
    Filled();
  }
  template <typename Message>
  void Each(const google::protobuf::RepeatedPtrField<Message>& messages) {
    if (messages.empty()) return Null();
    std::string* out = Next();
    out->push_back('[');
    for (int i = 0; i < messages.size(); ++i) {
      if (i != 0) out->push_back(',');
      out->append(ToJsonLine(messages.Get(i)));
    }
    out->push_back(']');
    Filled();
  }
  void Null() { Next()->append("null"); }

 private:
  std::string* Next() {
    if (!first_) out_->push_back(',');
    first_ = false;
    return out_;
  }
  void Filled() { filled_ = out_->size(); }

  std::string* const out_;
  bool first_ = true;
  size_t filled_;
};

void AppendWhere(const v1::Location& where, RowWriter& row) {
  row.String(where.municipality());
  row.String(where.place());
  row.Double(where.has_point(), where.point().latitude());
  row.Double(where.has_point(), where.point().longitude());
}

// {"1":"NAME",...}: every value of `type` by number.
void AppendEnumLegend(const google::protobuf::EnumDescriptor& type,
                      std::string* out) {
  out->push_back('{');
  for (int i = 0; i < type.value_count(); ++i) {
    if (i != 0) out->push_back(',');
    absl::StrAppend(out, "\"", type.value(i)->number(), "\":");
    AppendJsonString(type.value(i)->name(), out);
  }
  out->push_back('}');
}

}  // namespace

void AppendCompactIncidentRow(const v1::Incident& compact, std::string* out) {
  RowWriter row(out);
  const v1::SituationUpdate& latest = compact.latest();
  row.String(compact.incident_id());
  row.Number(static_cast<int64_t>(compact.version()));
  row.ExactUint64(latest.sequence());
  row.Number(latest.mission());
  row.Number(latest.severity());
  row.Number(latest.category());
  row.Number(latest.kind());
  row.Number(latest.status());
  row.Millis(latest.has_occurred_at(), latest.occurred_at());
  row.String(latest.headline());
  row.Millis(compact.has_opened_at(), compact.opened_at());
  row.Number(compact.opened_by());
  row.Number(compact.peak_severity());
  row.Number(compact.lead().mission());
  row.Number(compact.lead().tier());
  row.Millis(compact.lead().has_since(), compact.lead().since());
  AppendWhere(compact.has_location() ? compact.location() : latest.location(),
              row);
  row.Number(compact.category());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  row.Number(compact.current_tier());
#pragma GCC diagnostic pop
  row.Each(compact.support_requests());
  row.Each(compact.exceptions());
}

void AppendCompactRowsLegend(std::string* out) {
  out->append("\"rowsVersion\":1,\"fields\":[");
  for (int i = 0; i < kCompactRowFieldCount; ++i) {
    if (i != 0) out->push_back(',');
    AppendJsonString(kCompactRowFields[i], out);
  }
  out->append("],\"enums\":{");
  const std::pair<const char*, const google::protobuf::EnumDescriptor*> enums[] = {
      {"mission", v1::Mission_descriptor()},   {"role", v1::Role_descriptor()},
      {"severity", v1::Severity_descriptor()}, {"category", v1::Category_descriptor()},
      {"kind", v1::Kind_descriptor()},         {"status", v1::Status_descriptor()}};
  bool first = true;
  for (const auto& [name, type] : enums) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, "\"", name, "\":");
    AppendEnumLegend(*type, out);
  }
  out->push_back('}');
}

}  // namespace sitrep
