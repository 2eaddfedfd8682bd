// The checks ValidateAndNormalizeUpdate (validator.h) is made of, one
// concept per file: validator_fields.cc (text, identifiers, times, labels),
// validator_chain.cc (kind and the security chain), validator_location.cc
// (location and the CAP fields). Internal to server/ingest: include
// validator.h instead.
//
// Every check returns INVALID_ARGUMENT naming the field (with the caller's
// prefix, Errors) and saying what to send instead, or OK.
#ifndef SITREP_SERVER_INGEST_VALIDATOR_CHECKS_H_
#define SITREP_SERVER_INGEST_VALIDATOR_CHECKS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "server/ingest/validator.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep::validator_internal {

// Builds "<prefix>.<field>: <message>" errors.
class Errors {
 public:
  explicit Errors(absl::string_view prefix) : prefix_(prefix) {}

  std::string Path(absl::string_view field) const {
    return prefix_.empty() ? std::string(field)
                           : absl::StrCat(prefix_, ".", field);
  }

  template <typename... Args>
  absl::Status Invalid(absl::string_view field, const Args&... message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Path(field), ": ", message...));
  }

 private:
  absl::string_view prefix_;
};

// --- Text ------------------------------------------------------------------

struct TextRules {
  size_t max_code_points = SIZE_MAX;
  size_t max_bytes = SIZE_MAX;
  // Line breaks and tabs, for multi-line bodies.
  bool allow_newline_and_tab = false;
  // Added to the control-character message to say where such text belongs.
  absl::string_view control_hint;
};

absl::Status CheckText(const Errors& errors, absl::string_view field,
                       absl::string_view text, const TextRules& rules);

// --- Enums -----------------------------------------------------------------

// The names of the values a publisher may send, for "use one of" hints.
template <typename Enum>
std::string AllowedNames(std::vector<int> excluded) {
  excluded.push_back(0);
  const auto* descriptor = google::protobuf::GetEnumDescriptor<Enum>();
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto* value = descriptor->value(i);
    if (std::find(excluded.begin(), excluded.end(), value->number()) ==
        excluded.end()) {
      names.push_back(value->name());
    }
  }
  return absl::StrJoin(names, ", ");
}

// Rejects values the schema does not know (a newer client, or garbage).
template <typename Enum>
absl::Status CheckKnown(const Errors& errors, absl::string_view field,
                        int value, std::vector<int> excluded = {}) {
  // Looked up once per type: GetEnumDescriptor runs protobuf's
  // AssignDescriptors once-check on every call (~100 instructions, ten
  // enums per update).
  static const google::protobuf::EnumDescriptor* const descriptor =
      google::protobuf::GetEnumDescriptor<Enum>();
  if (descriptor->FindValueByNumber(value) != nullptr) {
    return absl::OkStatus();
  }
  return errors.Invalid(field, "unknown value ", value, "; use one of ",
                        AllowedNames<Enum>(std::move(excluded)));
}

template <typename Enum>
absl::Status CheckRequired(const Errors& errors, absl::string_view field,
                           int value) {
  if (value == 0) {
    return errors.Invalid(field, "is required; use one of ",
                          AllowedNames<Enum>({}));
  }
  return CheckKnown<Enum>(errors, field, value);
}

// --- The checks of each part of an update -----------------------------------

// validator_fields.cc
absl::Status CheckEventId(const Errors& errors, const std::string& id,
                          size_t max_chars);
absl::Status CheckIncidentId(const Errors& errors, const std::string& id,
                             size_t max_chars);
absl::Status CheckTimes(const Errors& errors, v1::SituationUpdate& u,
                        absl::Time now, const ValidationLimits& limits);
absl::Status CheckLabels(const Errors& errors, const v1::SituationUpdate& u,
                         const ValidationLimits& limits);
// validator_chain.cc
// `server_kinds`: KIND_EXPIRED is allowed (ValidationLimits::server_kinds).
absl::Status CheckKind(const Errors& errors, const v1::SituationUpdate& u,
                       bool server_kinds);
absl::Status CheckChainFields(const Errors& errors, const v1::SituationUpdate& u);
// validator_location.cc: normalises the municipality and the CAP fields.
absl::Status CheckLocation(const Errors& errors, v1::Location& location,
                           const ValidationLimits& limits);
absl::Status CheckCapFields(const Errors& errors, v1::SituationUpdate& u);

}  // namespace sitrep::validator_internal

#endif  // SITREP_SERVER_INGEST_VALIDATOR_CHECKS_H_
