#include "server/api/subscribe_batch.h"

#include <grpc/slice.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/fanout/entry_encodings.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

// SubscribeResponse.cursor and Cursor's fields, from the generated code so
// that a renumbered field cannot drift from what protobuf would write.
constexpr int kCursorField = v1::SubscribeResponse::kCursorFieldNumber;
constexpr int kCursorLogIdField = v1::Cursor::kLogIdFieldNumber;
constexpr int kCursorSequenceField = v1::Cursor::kSequenceFieldNumber;

uint8_t* WriteTag(int field, WireFormatLite::WireType type, uint8_t* out) {
  return CodedOutputStream::WriteTagToArray(WireFormatLite::MakeTag(field, type),
                                            out);
}

uint8_t* WriteBytes(const std::string& bytes, uint8_t* out) {
  std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

std::string LogIdField(const std::string& log_id) {
  if (log_id.empty()) return "";
  std::string field(1 + CodedOutputStream::VarintSize32(
                            static_cast<uint32_t>(log_id.size())) +
                        log_id.size(),
                    '\0');
  auto* out = reinterpret_cast<uint8_t*>(field.data());
  out = WriteTag(kCursorLogIdField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED,
                 out);
  out = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(log_id.size()), out);
  WriteBytes(log_id, out);
  return field;
}

// The left_view marks as SubscribeResponse fields (rare: only updates by
// which an incident leaves the filter's view).
std::string LeftViewFields(const CursorMessage& message) {
  if (message.left_view.empty()) return "";
  v1::SubscribeResponse marks;
  for (const CursorMessage::LeftView& left : message.left_view) {
    v1::LeftView* mark = marks.add_left_view();
    mark->set_sequence(left.sequence);
    mark->set_reason(left.reason);
  }
  return marks.SerializeAsString();
}

}  // namespace

SubscribeBatchEncoder::SubscribeBatchEncoder(const std::string& log_id)
    : log_id_(log_id), log_id_field_(LogIdField(log_id)) {}

size_t SubscribeBatchEncoder::CursorBodySize(uint64_t sequence) const {
  return log_id_field_.size() +
         (sequence == 0 ? 0 : 1 + CodedOutputStream::VarintSize64(sequence));
}

grpc::Slice SubscribeBatchEncoder::Encode(
    const CursorMessage& message) const {
  const std::string marks = LeftViewFields(message);
  const size_t cursor_body = CursorBodySize(message.cursor);
  size_t size = marks.size() + 1 +
                CodedOutputStream::VarintSize32(
                    static_cast<uint32_t>(cursor_body)) +
                cursor_body;
  for (const LogEntryPtr& entry : message.updates) {
    size += UpdatesFieldSize(*entry);
  }
  grpc_slice slice = grpc_slice_malloc(size);
  uint8_t* const start = GRPC_SLICE_START_PTR(slice);
  uint8_t* out = start;
  // Field order, as protobuf writes it: updates (1), left_view (6),
  // cursor (15).
  for (const LogEntryPtr& entry : message.updates) {
    out = WriteUpdatesField(*entry, out);
  }
  out = WriteBytes(marks, out);
  out = WriteTag(kCursorField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, out);
  out = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(cursor_body), out);
  out = WriteBytes(log_id_field_, out);
  if (message.cursor != 0) {
    out = WriteTag(kCursorSequenceField, WireFormatLite::WIRETYPE_VARINT, out);
    out = CodedOutputStream::WriteVarint64ToArray(message.cursor, out);
  }
  // A short write would send garbage: fail loudly in every build.
  if (static_cast<size_t>(out - start) != size) std::abort();
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

}  // namespace sitrep
