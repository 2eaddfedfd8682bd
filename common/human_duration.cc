#include "common/human_duration.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sitrep {

std::string WithThousands(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -static_cast<uint64_t>(n) : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string Plural(int64_t n, const std::string& singular) {
  return absl::StrCat(n, " ", singular, n == 1 ? "" : "s");
}

std::string HumanDuration(absl::Duration d) {
  if (d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) return "forever";
  if (d < absl::ZeroDuration()) return "-" + HumanDuration(-d);
  if (d < absl::Seconds(10)) {
    return absl::StrFormat("%.1f s", absl::ToDoubleSeconds(d));
  }
  const int64_t s = absl::ToInt64Seconds(d + absl::Milliseconds(500));  // rounded
  if (s < 60) return absl::StrCat(s, " s");
  if (s < 600) {
    return s % 60 == 0 ? absl::StrCat(s / 60, " min")
                       : absl::StrCat(s / 60, " min ", s % 60, " s");
  }
  const int64_t m = (s + 30) / 60;
  if (m < 60) return absl::StrCat(m, " min");
  if (m < 24 * 60) {
    return m % 60 == 0 ? absl::StrCat(m / 60, " h") : absl::StrCat(m / 60, " h ", m % 60, " min");
  }
  const int64_t h = (m + 30) / 60;
  if (h < 10 * 24) {
    const int64_t days = h / 24;
    std::string out = absl::StrCat(days, days == 1 ? " day" : " days");
    if (h % 24 != 0) absl::StrAppend(&out, " ", h % 24, " h");
    return out;
  }
  const int64_t days = (h + 12) / 24;
  std::string out = absl::StrCat(WithThousands(days), " days");
  if (days >= 365) absl::StrAppendFormat(&out, " (%.1f years)", days / 365.25);
  return out;
}

}  // namespace sitrep
