#include "server/log/stored_update_scan.h"

#include <climits>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/wire_format_lite.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace {

using ::google::protobuf::io::CodedInputStream;
using ::google::protobuf::internal::WireFormatLite;

// The field numbers of the fields read, from the generated code.
using Update = v1::SituationUpdate;
using Timestamp = ::google::protobuf::Timestamp;
constexpr int kEventId = Update::kEventIdFieldNumber;
constexpr int kIncidentId = Update::kIncidentIdFieldNumber;
constexpr int kSequence = Update::kSequenceFieldNumber;
constexpr int kReceivedAt = Update::kReceivedAtFieldNumber;
constexpr int kPublisher = Update::kPublisherFieldNumber;

constexpr uint32_t Tag(int field, WireFormatLite::WireType type) {
  return static_cast<uint32_t>(field << 3) | static_cast<uint32_t>(type);
}

// A length-delimited field's bytes, as a view into `encoded`.
bool ReadView(absl::string_view encoded, CodedInputStream* input,
              absl::string_view* view) {
  uint32_t size = 0;
  // A size past INT_MAX would turn negative in Skip: the bytes are corrupt.
  if (!input->ReadVarint32(&size) || size > INT_MAX) return false;
  const int at = input->CurrentPosition();
  if (!input->Skip(static_cast<int>(size))) return false;
  *view = encoded.substr(static_cast<size_t>(at), size);
  return true;
}

// A google.protobuf.Timestamp's seconds and nanos, merged into *seconds and
// *nanos as the parser merges a repeated message field.
bool ReadTimestamp(CodedInputStream* input, int64_t* seconds, int32_t* nanos) {
  uint32_t size = 0;
  // PushLimit takes a negative size as no limit at all: refuse it.
  if (!input->ReadVarint32(&size) || size > INT_MAX) return false;
  const CodedInputStream::Limit limit =
      input->PushLimit(static_cast<int>(size));
  for (;;) {
    const uint32_t tag = input->ReadTag();
    if (tag == 0) break;
    uint64_t value = 0;
    if (tag == Tag(Timestamp::kSecondsFieldNumber,
                   WireFormatLite::WIRETYPE_VARINT)) {
      if (!input->ReadVarint64(&value)) return false;
      *seconds = static_cast<int64_t>(value);
    } else if (tag == Tag(Timestamp::kNanosFieldNumber,
                          WireFormatLite::WIRETYPE_VARINT)) {
      if (!input->ReadVarint64(&value)) return false;
      *nanos = static_cast<int32_t>(value);
    } else if (!WireFormatLite::SkipField(input, tag)) {
      return false;
    }
  }
  if (!input->ConsumedEntireMessage() || input->BytesUntilLimit() != 0) {
    return false;
  }
  input->PopLimit(limit);
  return true;
}

}  // namespace

bool ScanStoredUpdate(absl::string_view encoded, StoredUpdateFields* fields) {
  constexpr auto kBytes = WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  CodedInputStream input(reinterpret_cast<const uint8_t*>(encoded.data()),
                         static_cast<int>(encoded.size()));
  StoredUpdateFields scanned;
  int64_t seconds = 0;
  int32_t nanos = 0;
  for (;;) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) break;
    bool ok = true;
    switch (tag) {
      case Tag(kSequence, WireFormatLite::WIRETYPE_VARINT):
        ok = input.ReadVarint64(&scanned.sequence);
        break;
      case Tag(kReceivedAt, kBytes):
        ok = ReadTimestamp(&input, &seconds, &nanos);
        break;
      case Tag(kPublisher, kBytes):
        ok = ReadView(encoded, &input, &scanned.publisher);
        break;
      case Tag(kEventId, kBytes):
        ok = ReadView(encoded, &input, &scanned.event_id);
        break;
      case Tag(kIncidentId, kBytes):
        ok = ReadView(encoded, &input, &scanned.incident_id);
        break;
      default:
        ok = WireFormatLite::SkipField(&input, tag);
    }
    if (!ok) return false;
  }
  // ReadTag gives 0 at the end and for a malformed tag: only the end is.
  if (!input.ConsumedEntireMessage() ||
      input.CurrentPosition() != static_cast<int>(encoded.size())) {
    return false;
  }
  scanned.received_at_us = seconds * 1000000 + nanos / 1000;
  *fields = scanned;
  return true;
}

}  // namespace sitrep
