#include "server/log/situation_snapshot_codec.h"

#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/log/incident_record_codec.h"

namespace sitrep {
namespace {

constexpr uint32_t kFormat = 1;

}  // namespace

std::string EncodeSituationSnapshot(const StoredSituation& snapshot) {
  std::string out;
  {  // The stream flushes into `out` when it goes.
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream s(&raw);
    s.WriteVarint32(kFormat);
    s.WriteVarint64(snapshot.sequence);
    s.WriteVarint64(static_cast<uint64_t>(
        absl::ToUnixMicros(snapshot.received_at)));
    s.WriteVarint64(snapshot.incidents.size());
    for (const IncidentRecordPtr& record : snapshot.incidents) {
      const std::string bytes = EncodeIncidentRecord(*record);
      s.WriteVarint32(static_cast<uint32_t>(bytes.size()));
      s.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
    }
  }
  return out;
}

absl::StatusOr<StoredSituation> DecodeSituationSnapshot(
    absl::string_view bytes, absl::string_view what) {
  const absl::Status damaged = absl::DataLossError(
      absl::StrCat("cannot decode the situation snapshot ", what));
  google::protobuf::io::CodedInputStream s(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  s.SetTotalBytesLimit(INT32_MAX);
  uint32_t format = 0;
  uint64_t micros = 0, count = 0;
  StoredSituation snapshot;
  if (!s.ReadVarint32(&format) || format != kFormat ||
      !s.ReadVarint64(&snapshot.sequence) || !s.ReadVarint64(&micros) ||
      !s.ReadVarint64(&count)) {
    return damaged;
  }
  snapshot.received_at = absl::FromUnixMicros(static_cast<int64_t>(micros));
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t size = 0;
    std::string record_bytes;
    if (!s.ReadVarint32(&size) ||
        !s.ReadString(&record_bytes, static_cast<int>(size))) {
      return damaged;
    }
    absl::StatusOr<IncidentRecord> record = DecodeIncidentRecord(
        record_bytes, absl::StrCat("in the situation snapshot ", what));
    if (!record.ok()) return record.status();
    snapshot.incidents.push_back(
        std::make_shared<const IncidentRecord>(*std::move(record)));
  }
  return snapshot;
}

}  // namespace sitrep
