// The short spellings of sitrep's enum values, one rule for every input that
// takes them: CLI flags, JSON input (`sitrep publish -`, `sitrep import`, the
// webhooks file) and, through FindEnumValueByShortName, anything else that
// reads a value a person typed.
#ifndef SITREP_COMMON_ENUM_NAMES_H_
#define SITREP_COMMON_ENUM_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace sitrep {

// The value of `type` that `text` names, or nullptr. Accepted: the full name
// ("MISSION_KFOR") and the name without the type's prefix ("kfor"), in any
// case, with '-' or ' ' for '_' ("kosovo-police"), roles also without
// "_RESPONDER" ("third"), and the aliases kp/police/kps (Kosovo Police),
// 1/2/3 (responder roles), ack and request (kinds), border and crossing
// (border-crossing). The prefix is the zero value's name up to
// "UNSPECIFIED" ("MISSION_"). The zero (UNSPECIFIED) value is never
// returned: it names nothing a person means.
// Thread safety: safe to call concurrently.
const google::protobuf::EnumValueDescriptor* FindEnumValueByShortName(
    const google::protobuf::EnumDescriptor& type, absl::string_view text);

// The short, lower-case, kebab spelling: MISSION_KOSOVO_POLICE ->
// "kosovo-police", ROLE_THIRD_RESPONDER -> "third".
std::string ShortEnumName(const google::protobuf::EnumValueDescriptor& value);

// The type's non-zero values' short names: "kfor, eulex, kosovo-police".
std::string AcceptedShortNames(const google::protobuf::EnumDescriptor& type);

// "; did you mean kfor?" when `text` (folded like FindEnumValueByShortName
// folds it) is a typo away from a value's short name
// (common/did_you_mean.h); empty otherwise.
std::string DidYouMeanEnumValue(const google::protobuf::EnumDescriptor& type,
                                absl::string_view text);

// "mission" for sitrep.v1.Mission: how error messages name the type.
std::string EnumNoun(const google::protobuf::EnumDescriptor& type);

}  // namespace sitrep

#endif  // SITREP_COMMON_ENUM_NAMES_H_
