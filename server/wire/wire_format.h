#ifndef SITREP_SERVER_WIRE_WIRE_FORMAT_H_
#define SITREP_SERVER_WIRE_WIRE_FORMAT_H_

// protobuf's wire types and nesting limit, as the walks of server/wire
// (wire_check.cc, unknown_field_scan.cc) read them. Internal to
// server/wire.

namespace sitrep {

enum WireType : int {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// protobuf's default recursion limit (CodedInputStream and the parse
// context): a message it parsed nests no deeper.
inline constexpr int kMaxDepth = 100;

}  // namespace sitrep

#endif  // SITREP_SERVER_WIRE_WIRE_FORMAT_H_
