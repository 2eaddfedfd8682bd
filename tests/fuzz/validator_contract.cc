#include "tests/fuzz/validator_contract.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/ingest/municipality.h"
#include "server/ingest/validator.h"
#include "tests/fuzz/fuzz_check.h"

namespace sitrep::fuzz {
namespace {

// Fixed, so that a saved input reproduces: the unit tests' "now".
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Longer than any message the validator writes for a well-formed complaint
// (the longest lists every enum value); a message beyond it echoes input.
constexpr size_t kMaxMessageBytes = 1024;

}  // namespace

void CheckValidatorContract(const v1::SituationUpdate& update) {
  v1::SituationUpdate first = update;
  const absl::Status status = ValidateAndNormalizeUpdate(first, kNow);

  SITREP_FUZZ_CHECK(
      first.sequence() == 0 && !first.has_received_at() &&
          first.publisher().empty() && first.incident_version() == 0,
      "server-set fields survived validation: ", first.ShortDebugString());
  if (!status.ok()) {
    SITREP_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                      "unexpected code: ", status.ToString());
    SITREP_FUZZ_CHECK(absl::StartsWith(status.message(), "update."),
                      "error does not name a field: ", status.ToString());
    SITREP_FUZZ_CHECK(IsValidUtf8(status.message()),
                      "error message is not valid UTF-8: ", status.ToString());
    SITREP_FUZZ_CHECK(status.message().size() <= kMaxMessageBytes,
                      "error message of ", status.message().size(),
                      " bytes: ", status.ToString());
    return;
  }

  const std::string& municipality = first.location().municipality();
  SITREP_FUZZ_CHECK(
      municipality.empty() || FindMunicipalityById(municipality) != nullptr,
      "accepted municipality is not a canonical id: '", municipality, "'");
  SITREP_FUZZ_CHECK(
      first.headline().find_first_not_of(' ') != std::string::npos,
      "accepted a blank headline: ", first.ShortDebugString());

  v1::SituationUpdate second = first;
  const absl::Status again = ValidateAndNormalizeUpdate(second, kNow);
  SITREP_FUZZ_CHECK(again.ok(),
                    "a normalised update is rejected: ", again.ToString(),
                    " for ", first.ShortDebugString());
  SITREP_FUZZ_CHECK(
      google::protobuf::util::MessageDifferencer::Equals(first, second),
      "normalising is not idempotent: ", first.ShortDebugString(), " became ",
      second.ShortDebugString());
}

}  // namespace sitrep::fuzz
