// NormalizeMunicipality over raw bytes: the name a publisher puts in
// location.municipality and a subscriber in Filter.municipalities
// (server/ingest/municipality.h). Checks what the folding promises: the
// result is a canonical id that maps to itself; ASCII case and '-' vs ' '
// do not matter; surrounding blanks do not matter; the error quotes at
// most 64 bytes of the name.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "server/ingest/municipality.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// "'<64 bytes>...' is not a municipality of Kosovo" and at most one
// suggestion ("; did you mean Северна Косовска Митровица (Mitrovicë e
// Veriut)?", under 100 bytes): the message does not grow with the name.
constexpr size_t kMaxMessageBytes = 256;
// NormalizeMunicipality refuses longer names before folding them.
constexpr size_t kMaxNameBytes = 256;

std::string Show(const absl::StatusOr<std::string>& r) {
  return r.ok() ? "ok '" + *r + "'" : r.status().ToString();
}

void CheckSameOutcome(absl::string_view name, absl::string_view variant,
                      const absl::StatusOr<std::string>& expected,
                      const char* what) {
  const absl::StatusOr<std::string> got =
      sitrep::NormalizeMunicipality(variant);
  SITREP_FUZZ_CHECK(
      got.ok() == expected.ok() && (!got.ok() || *got == *expected), what,
      " changed the outcome: '", name, "' gave ", Show(expected), ", '",
      variant, "' gave ", Show(got));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view name(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<std::string> id = sitrep::NormalizeMunicipality(name);
  const sitrep::Municipality* exact = sitrep::FindMunicipalityById(name);

  if (!id.ok()) {
    SITREP_FUZZ_CHECK(id.status().code() == absl::StatusCode::kNotFound,
                      "unexpected code: ", id.status().ToString());
    SITREP_FUZZ_CHECK(id.status().message().size() <= kMaxMessageBytes,
                      "message of ", id.status().message().size(), " bytes");
    SITREP_FUZZ_CHECK(
        !sitrep::fuzz::IsValidUtf8(name) ||
            sitrep::fuzz::IsValidUtf8(id.status().message()),
        "valid UTF-8 name, invalid UTF-8 message: ", id.status().message());
    SITREP_FUZZ_CHECK(exact == nullptr, "the id '", name,
                      "' itself is not accepted");
  } else {
    const sitrep::Municipality* m = sitrep::FindMunicipalityById(*id);
    SITREP_FUZZ_CHECK(m != nullptr, "'", name, "' gave '", *id,
                      "', which is not an id");
    const absl::StatusOr<std::string> again =
        sitrep::NormalizeMunicipality(*id);
    SITREP_FUZZ_CHECK(again.ok() && *again == *id, "the id '", *id,
                      "' does not map to itself: ", Show(again));
    SITREP_FUZZ_CHECK(exact == nullptr || exact == m, "'", name,
                      "' is the id of ", exact->id, " but normalises to ", *id);
  }

  std::string upper(name);
  absl::AsciiStrToUpper(&upper);
  CheckSameOutcome(name, upper, id, "ASCII upper case");
  std::string dashes_as_spaces(name);
  std::replace(dashes_as_spaces.begin(), dashes_as_spaces.end(), '-', ' ');
  CheckSameOutcome(name, dashes_as_spaces, id, "'-' as ' '");
  if (name.size() + 2 <= kMaxNameBytes) {
    CheckSameOutcome(name, " " + std::string(name) + "\t", id,
                     "surrounding blanks");
  }
  return 0;
}
