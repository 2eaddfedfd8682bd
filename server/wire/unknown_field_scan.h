#ifndef SITREP_SERVER_WIRE_UNKNOWN_FIELD_SCAN_H_
#define SITREP_SERVER_WIRE_UNKNOWN_FIELD_SCAN_H_

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace sitrep {

// Whether protobuf, parsing `bytes` as a message of `type`, kept an unknown
// field in that message or in a message inside it: a field number the
// message does not declare, or a declared one with a wire type its parser
// does not take (packed and unpacked runs of a repeated number are both
// taken; so is every value of an open proto3 enum). Unknown fields inside a
// map entry are not kept (the parser keeps only an entry's key and value),
// but those inside a message value of a map are.
//
// Read from the wire bytes with a table made once per message type from
// its descriptor (at the first call for a type; thread-safe), instead of
// walking the parsed message by reflection: on a patrol report the walk
// cost ~5,000 instructions, as much as the parse (docs/performance.md,
// h20-ingest3).
//
// REQUIRES: protobuf parsed `bytes` as `type` without error. On bytes it
// would refuse, or on what the table cannot tell apart cheaply (a group, a
// closed proto2 enum, nesting past protobuf's limit), the answer is true:
// the caller then asks protobuf to drop them, which is always correct.
bool HasUnknownFieldsOnWire(absl::string_view bytes,
                            const google::protobuf::Descriptor& type);

}  // namespace sitrep

#endif  // SITREP_SERVER_WIRE_UNKNOWN_FIELD_SCAN_H_
