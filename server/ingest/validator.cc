#include "server/ingest/validator.h"

#include <string>

#include "server/ingest/validator_checks.h"

namespace sitrep {

using validator_internal::CheckCapFields;
using validator_internal::CheckChainFields;
using validator_internal::CheckEventId;
using validator_internal::CheckIncidentId;
using validator_internal::CheckKind;
using validator_internal::CheckLabels;
using validator_internal::CheckLocation;
using validator_internal::CheckRequired;
using validator_internal::CheckText;
using validator_internal::CheckTimes;
using validator_internal::Errors;
using validator_internal::TextRules;

absl::Status ValidateIncidentId(absl::string_view id,
                                const ValidationLimits& limits) {
  return CheckIncidentId(Errors(""), std::string(id),
                         limits.max_incident_id_chars);
}

absl::Status ValidateAndNormalizeUpdate(v1::SituationUpdate& update,
                                        absl::Time now,
                                        const ValidationLimits& limits,
                                        absl::string_view field_prefix) {
  const Errors errors(field_prefix);
  // Server-set fields are never taken from a publisher.
  update.clear_sequence();
  update.clear_received_at();
  update.clear_publisher();
  update.clear_incident_version();
  update.clear_location_carried();
  update.clear_status_carried();

  if (auto s = CheckEventId(errors, update.event_id(),
                            limits.max_event_id_chars);
      !s.ok()) {
    return s;
  }
  for (absl::Status s :
       {CheckRequired<v1::Mission>(errors, "mission", update.mission()),
        CheckRequired<v1::Role>(errors, "role", update.role()),
        CheckRequired<v1::Severity>(errors, "severity", update.severity()),
        CheckRequired<v1::Category>(errors, "category", update.category()),
        CheckIncidentId(errors, update.incident_id(),
                        limits.max_incident_id_chars),
        CheckKind(errors, update, limits.server_kinds),
        CheckChainFields(errors, update)}) {
    if (!s.ok()) return s;
  }
  if (auto s = CheckTimes(errors, update, now, limits); !s.ok()) return s;
  if (auto s = CheckCapFields(errors, update); !s.ok()) return s;

  if (update.headline().empty()) {
    return errors.Invalid("headline", "is required; give a short title of "
                                      "at most ",
                          limits.max_headline_chars, " characters");
  }
  TextRules headline;
  headline.max_code_points = limits.max_headline_chars;
  headline.control_hint =
      " (a headline is one line; put details in description)";
  if (auto s = CheckText(errors, "headline", update.headline(), headline);
      !s.ok()) {
    return s;
  }
  if (update.headline().find_first_not_of(' ') == std::string::npos) {
    return errors.Invalid("headline", "is blank; give a short title");
  }
  TextRules description;
  description.max_bytes = limits.max_description_bytes;
  description.allow_newline_and_tab = true;
  if (auto s = CheckText(errors, "description", update.description(),
                         description);
      !s.ok()) {
    return s;
  }
  if (update.has_location()) {
    if (auto s = CheckLocation(errors, *update.mutable_location(), limits);
        !s.ok()) {
      return s;
    }
  }
  return CheckLabels(errors, update, limits);
}

}  // namespace sitrep
