#ifndef SITREP_SERVER_WIRE_WIRE_CHECK_H_
#define SITREP_SERVER_WIRE_WIRE_CHECK_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace sitrep {

// Why protobuf refuses `bytes` as a message of `type`, found by walking the
// wire format with the descriptor the way protobuf's parser does: the first
// proto3 string that is not UTF-8 (utf8.h), a field cut off by the end of
// its message, a malformed tag, varint or packed field, nesting deeper than
// protobuf allows. Fields the descriptor does not know (or knows with
// another wire type) are skipped as protobuf skips them, groups included.
//
// Returns INVALID_ARGUMENT whose message starts with the field path in the
// validator's form ("update.location.municipality: ...",
// "batch[3].update.headline: ...", "filter.municipalities[1]: ...",
// "update.labels[\"unit\"]: ..."), so that the gRPC edge's BadRequest detail
// names it; "request: ..." when the problem is in the framing of the
// top-level message itself. OK when the walk finds nothing (protobuf
// accepts such bytes; a caller that saw protobuf refuse them anyway reports
// that without a field).
//
// Meant for requests protobuf already refused: it does not build a message
// and costs about one parse.
absl::Status CheckWireFormat(absl::string_view bytes,
                             const google::protobuf::Descriptor& type);

// The top-level fields of `bytes`, in order, walking only the top-level
// framing: each field's number, wire type and, for a length-delimited
// field, its payload (empty for the others). INVALID_ARGUMENT ("request:
// ...") when the top level is not a sequence of well-formed fields.
struct TopLevelField {
  int number;
  int wire_type;
  absl::string_view payload;
};
absl::StatusOr<std::vector<TopLevelField>> SplitTopLevel(
    absl::string_view bytes);

}  // namespace sitrep

#endif  // SITREP_SERVER_WIRE_WIRE_CHECK_H_
