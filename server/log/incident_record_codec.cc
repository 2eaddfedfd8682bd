#include "server/log/incident_record_codec.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/log/append_rules.h"

namespace sitrep {
namespace {

// Layout (all varints, strings length-prefixed):
//   format, version, closed, support_requested, support_acknowledged,
//   current_tier, peak_severity, latest (encoded update), latest's
//   previous (FilterView, may be empty), opening (encoded update).
constexpr uint32_t kFormat = 1;

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
    s.WriteVarint32(record.support_requested ? 1 : 0);
    s.WriteVarint32(record.support_acknowledged ? 1 : 0);
    s.WriteVarint32(static_cast<uint32_t>(record.current_tier));
    s.WriteVarint32(static_cast<uint32_t>(record.peak_severity));
    put_string(EncodedUpdate(*record.latest));
    put_string(record.latest->previous != nullptr
                   ? record.latest->previous->SerializeAsString()
                   : std::string());
    put_string(record.opening.SerializeAsString());
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
  uint32_t format = 0, closed = 0, requested = 0, acknowledged = 0, tier = 0,
           severity = 0;
  IncidentRecord record;
  std::string latest, previous, opening;
  if (!s.ReadVarint32(&format) || format != kFormat ||
      !s.ReadVarint64(&record.version) || !s.ReadVarint32(&closed) ||
      !s.ReadVarint32(&requested) || !s.ReadVarint32(&acknowledged) ||
      !s.ReadVarint32(&tier) || !s.ReadVarint32(&severity) ||
      !get_string(&latest) || !get_string(&previous) || !get_string(&opening) ||
      !record.opening.ParseFromString(opening)) {
    return damaged;
  }
  absl::StatusOr<LogEntryPtr> entry = DecodeLogEntry(
      latest, absl::StrCat("the latest update of ", what), previous);
  if (!entry.ok()) return entry.status();
  record.latest = *std::move(entry);
  record.incident_id = record.latest->update.incident_id();
  record.closed = closed != 0;
  record.support_requested = requested != 0;
  record.support_acknowledged = acknowledged != 0;
  record.current_tier = static_cast<v1::Role>(tier);
  record.peak_severity = static_cast<v1::Severity>(severity);
  return record;
}

}  // namespace sitrep
