#include "client/moment_flag.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/filter_flags.h"

namespace sitrep::cli {

absl::StatusOr<absl::Time> ParseMomentFlag(absl::string_view text,
                                           absl::string_view flag,
                                           absl::Time now) {
  std::string value(absl::StripAsciiWhitespace(text));
  if (value.size() > 1 && value[0] == '-' &&
      absl::ascii_isdigit(static_cast<unsigned char>(value[1]))) {
    value.erase(0, 1);
  }
  // "YYYY-MM-DDTHH:MM" followed by a zone: add the seconds RFC 3339 wants.
  if (value.size() > 16 && value[10] == 'T' && value[13] == ':' &&
      (value[16] == 'Z' || value[16] == 'z' || value[16] == '+' ||
       value[16] == '-')) {
    value.insert(16, ":00");
  }
  return ParseTimeFlag(value, flag, now);
}

}  // namespace sitrep::cli
