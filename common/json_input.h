// JSON input that people write (`sitrep publish -`, `sitrep import`, the
// webhooks file) read with the CLI's rules before protobuf's JSON parser
// sees it: short, case-insensitive enum names, and every mistake reported at
// once, in the order of the text.
#ifndef SITREP_COMMON_JSON_INPUT_H_
#define SITREP_COMMON_JSON_INPUT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace sitrep {

// Rewrites `json`, one JSON object of message `type` in protobuf's JSON
// mapping, so that protobuf's parser takes it: every enum value written as
// a string that FindEnumValueByShortName knows ("kfor", "Severe",
// "kosovo-police", "ack") becomes the value's full name ("MISSION_KFOR");
// everything else is copied byte for byte. Walks the text with the
// descriptor; the parsing itself stays protobuf's (ParseJsonInput).
//
// INVALID_ARGUMENT listing every wrong field in the order of the text,
// joined by "; ", each with its path (`path_prefix` + "update.missions[1]"):
// an unknown field (with "did you mean" for a typo), an enum string that is
// no value (with the accepted short names), a value of the wrong JSON type
// (a string where a number, an object or a list is expected, ...). Values
// of the well-known types (Timestamp, Duration, Struct, ...) are left to
// protobuf. Not valid JSON: INVALID_ARGUMENT with protobuf's reason.
// Thread safety: safe to call concurrently.
absl::StatusOr<std::string> NormalizeJsonInput(
    absl::string_view json, const google::protobuf::Descriptor& type,
    absl::string_view path_prefix = "");

// NormalizeJsonInput, then protobuf's JsonStringToMessage into `*message`
// (unknown fields are errors). INVALID_ARGUMENT as above; a mistake only
// protobuf finds (a number out of range, a malformed timestamp) is its
// message.
absl::Status ParseJsonInput(absl::string_view json,
                            google::protobuf::Message* message,
                            absl::string_view path_prefix = "");

}  // namespace sitrep

#endif  // SITREP_COMMON_JSON_INPUT_H_
