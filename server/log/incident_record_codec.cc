#include "server/log/incident_record_codec.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/incident/update_status.h"
#include "server/log/append_rules.h"
#include "server/log/incident_thread.h"

namespace sitrep {
namespace {

// Layout (all varints, strings length-prefixed):
//   format 2: format, version, closed, latest (encoded update), latest's
//             previous (FilterView, may be empty), state (v1::Incident).
//   format 1: format, version, closed, support_requested,
//             support_acknowledged, current_tier, peak_severity, latest,
//             latest's previous, opening (encoded update).
constexpr uint32_t kFormat = 2;
constexpr uint32_t kLegacyFormat = 1;

}  // namespace

std::string EncodeIncidentRecord(const IncidentRecord& record) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream s(&raw);
    auto put_string = [&s](absl::string_view bytes) {
      s.WriteVarint32(static_cast<uint32_t>(bytes.size()));
      s.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
    };
    s.WriteVarint32(kFormat);
    s.WriteVarint64(record.version);
    s.WriteVarint32(record.closed ? 1 : 0);
    put_string(EncodedUpdate(*record.latest));
    put_string(record.latest->previous != nullptr
                   ? record.latest->previous->SerializeAsString()
                   : std::string());
    put_string(record.state.SerializeAsString());
  }
  return out;
}

absl::StatusOr<IncidentRecord> DecodeIncidentRecord(absl::string_view bytes,
                                                    absl::string_view what) {
  const absl::Status damaged = absl::DataLossError(
      absl::StrCat("cannot decode the incident record of ", what));
  google::protobuf::io::CodedInputStream s(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  auto get_string = [&s](std::string* out) {
    uint32_t size = 0;
    return s.ReadVarint32(&size) && s.ReadString(out, static_cast<int>(size));
  };
  uint32_t format = 0, closed = 0;
  IncidentRecord record;
  if (!s.ReadVarint32(&format) || !s.ReadVarint64(&record.version)) {
    return damaged;
  }
  LegacyIncidentSummary old;
  std::string latest, previous, state;
  if (format == kFormat) {
    if (!s.ReadVarint32(&closed) || !get_string(&latest) ||
        !get_string(&previous) || !get_string(&state) ||
        !record.state.ParseFromString(state)) {
      return damaged;
    }
  } else if (format == kLegacyFormat) {
    uint32_t requested = 0, acknowledged = 0, tier = 0, severity = 0;
    if (!s.ReadVarint32(&closed) || !s.ReadVarint32(&requested) ||
        !s.ReadVarint32(&acknowledged) || !s.ReadVarint32(&tier) ||
        !s.ReadVarint32(&severity) || !get_string(&latest) ||
        !get_string(&previous) || !get_string(&state) ||
        !old.opening.ParseFromString(state)) {
      return damaged;
    }
    old.support_requested = requested != 0;
    old.support_acknowledged = acknowledged != 0;
    old.current_tier = static_cast<v1::Role>(tier);
    old.peak_severity = static_cast<v1::Severity>(severity);
  } else {
    return damaged;
  }
  absl::StatusOr<LogEntryPtr> entry = DecodeLogEntry(
      latest, absl::StrCat("the latest update of ", what), previous);
  if (!entry.ok()) return entry.status();
  record.latest = *std::move(entry);
  record.incident_id = record.latest->update.incident_id();
  record.closed = closed != 0;
  UpgradeExerciseCategory(&record.state);
  if (format == kLegacyFormat) {
    record.state = LegacyIncidentState(old, record.latest->update);
    record.legacy = true;
  }
  return record;
}

}  // namespace sitrep
