#ifndef SITREP_SERVER_WIRE_REQUEST_PARSE_H_
#define SITREP_SERVER_WIRE_REQUEST_PARSE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace sitrep {

// The parse step at the edge: every request that arrives as bytes (gRPC's
// raw methods) becomes a message here and nowhere else.
//
// - Bytes protobuf refuses are INVALID_ARGUMENT naming the field
//   (wire_check.h: "update.headline: is not valid UTF-8 (...)"), instead of
//   the UNIMPLEMENTED with an empty message that gRPC's own deserialisation
//   answers.
// - Unknown fields are dropped, at every depth. A client may append fields
//   sitrep does not know, but they are never stored or relayed: a field
//   numbered like `mission` or `publisher` with another wire type would be
//   re-emitted after the real one, and clients that take the last
//   occurrence without checking its wire type (protobufjs, so grpc-js)
//   would read it as the real field. Dropping them also means limits apply
//   to what is stored, and the bytes of a large unknown field are released
//   with the request.
//
// On error `*request` is cleared. Thread-compatible (one message, one
// thread).
absl::Status ParseRequest(absl::string_view bytes,
                          google::protobuf::Message* request);

// Drops `*message`'s unknown fields, recursively. Allocates nothing when
// there are none (the common case).
void DropUnknownFields(google::protobuf::Message* message);

}  // namespace sitrep

#endif  // SITREP_SERVER_WIRE_REQUEST_PARSE_H_
