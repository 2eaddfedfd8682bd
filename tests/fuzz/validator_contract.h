// The publish validator's contract, checked on one hostile update; shared by
// the fuzzers whose inputs end up in ValidateAndNormalizeUpdate (the binary
// PublishRequest of the gRPC API and the CLI's JSON import).
#ifndef SITREP_TESTS_FUZZ_VALIDATOR_CONTRACT_H_
#define SITREP_TESTS_FUZZ_VALIDATOR_CONTRACT_H_

#include "sitrep/v1/situation_update.pb.h"

namespace sitrep::fuzz {

// Validates a copy of `update` at a fixed "now" and aborts (SITREP_FUZZ_CHECK)
// when the result breaks server/ingest/validator.h:
//   - an error is INVALID_ARGUMENT, names a field under "update.", is valid
//     UTF-8 (it travels in proto3 strings) and stays short whatever the input;
//   - an accepted update has its server-set fields cleared, a canonical
//     municipality id (or none), a non-blank headline, and validating it
//     again accepts it unchanged (normalising is idempotent).
void CheckValidatorContract(const v1::SituationUpdate& update);

}  // namespace sitrep::fuzz

#endif  // SITREP_TESTS_FUZZ_VALIDATOR_CONTRACT_H_
