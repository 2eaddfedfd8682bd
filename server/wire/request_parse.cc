#include "server/wire/request_parse.h"

#include <climits>

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"
#include "server/wire/unknown_field_scan.h"
#include "server/wire/wire_check.h"

namespace sitrep {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Whether `message` or a message inside it has unknown fields. Read-only,
// so that the common case costs no allocation: protobuf's own
// DiscardUnknownFields creates an empty set in every message it visits.
// ParseRequest reads the bytes instead (unknown_field_scan.h: ~5,000
// instructions less per patrol report); this walk serves messages that
// were not parsed from bytes just now.
bool HasUnknownFields(const Message& message) {
  const Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  const Descriptor* type = message.GetDescriptor();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_map()) {
      // Parsing keeps only an entry's key and value. A message value could
      // hold unknown fields, and walking a map through reflection would
      // convert it: leave such maps to protobuf (no request has one).
      if (field->message_type()->map_value()->cpp_type() ==
          FieldDescriptor::CPPTYPE_MESSAGE) {
        return true;
      }
      continue;
    }
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(message, field);
      for (int j = 0; j < size; ++j) {
        if (HasUnknownFields(
                reflection->GetRepeatedMessage(message, field, j))) {
          return true;
        }
      }
    } else if (reflection->HasField(message, field) &&
               HasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

}  // namespace

void DropUnknownFields(Message* message) {
  if (HasUnknownFields(*message)) message->DiscardUnknownFields();
}

absl::Status ParseRequest(absl::string_view bytes, Message* request) {
  bool parsed = false;
  {
    // protobuf writes an unformatted line to stderr for every string that
    // is not UTF-8: a client could fill the log with one per request. The
    // refusal is the client's answer and is counted; the line adds nothing.
    // (The silencer is process-wide while a parse runs; protobuf logs
    // nothing else sitrepd needs.)
    google::protobuf::LogSilencer quiet;
    parsed = bytes.size() <= static_cast<size_t>(INT_MAX) &&
             request->ParseFromArray(bytes.data(),
                                     static_cast<int>(bytes.size()));
  }
  if (parsed) {
    // Read from the bytes (unknown_field_scan.h) rather than by walking
    // the message: the same answer at a fraction of the cost.
    if (HasUnknownFieldsOnWire(bytes, *request->GetDescriptor())) {
      request->DiscardUnknownFields();
    }
    return absl::OkStatus();
  }
  request->Clear();
  absl::Status why = CheckWireFormat(bytes, *request->GetDescriptor());
  if (!why.ok()) return why;
  // The walk agrees with protobuf's parser on every case the tests know;
  // should they ever differ, the request is still refused.
  return absl::InvalidArgumentError(absl::StrCat(
      "request: not a valid ", request->GetDescriptor()->full_name(),
      " message; send it as protobuf's encoding of that message"));
}

}  // namespace sitrep
