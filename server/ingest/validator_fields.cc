// Field checks of an update: text, identifiers, times and labels.
#include "server/ingest/validator_checks.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/human_duration.h"
#include "google/protobuf/util/time_util.h"
#include "server/wire/utf8.h"

namespace sitrep::validator_internal {
namespace {

// Copied into constexpr locals: the TimeUtil members are declared but not
// defined out of class, so binding them to a reference would not link.
constexpr int64_t kMinTimestampSeconds =
    google::protobuf::util::TimeUtil::kTimestampMinSeconds;

constexpr int64_t kMaxTimestampSeconds =
    google::protobuf::util::TimeUtil::kTimestampMaxSeconds;

// Labels keys are quoted in error paths; a hostile key is cut to this.
constexpr size_t kMaxQuotedKeyBytes = 64;

bool IsControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

// Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
// U+2066..U+2069): they make text display in another order than it is
// stored, so a reader could be shown a different place or headline than the
// one published ("Trojan Source"; issue 17, L-6). Refused in every text
// field; the marks (U+200E, U+200F) stay allowed.
bool IsBidiControl(char32_t cp) {
  return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool IsIncidentIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

absl::Status CheckTimestamp(const Errors& errors, absl::string_view field,
                            const google::protobuf::Timestamp& t) {
  if (t.seconds() < kMinTimestampSeconds ||
      t.seconds() > kMaxTimestampSeconds) {
    return errors.Invalid(
        absl::StrCat(field, ".seconds"), t.seconds(),
        " is outside the valid range (0001-01-01 to 9999-12-31 UTC, i.e. ",
        kMinTimestampSeconds, "..", kMaxTimestampSeconds,
        " seconds since the Unix epoch)");
  }
  if (t.nanos() < 0 || t.nanos() > 999'999'999) {
    return errors.Invalid(absl::StrCat(field, ".nanos"), t.nanos(),
                          " is outside 0..999999999; carry whole seconds "
                          "into the seconds field");
  }
  return absl::OkStatus();
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

std::string Rfc3339(absl::Time time) {
  // RFC 3339 in UTC with "Z", as protobuf's JSON mapping writes timestamps.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

bool IsLabelKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
         c == '-';
}

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

// The length of `text`'s longest prefix of printable ASCII (0x20..0x7E),
// eight bytes at a time.
size_t PrintableAsciiPrefix(absl::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  size_t pos = 0;
  for (; pos + 8 <= text.size(); pos += 8) {
    uint64_t x;
    std::memcpy(&x, text.data() + pos, 8);
    // A byte's high bit is set in `outside` when the byte is >= 0x80,
    // < 0x20 or 0x7F (the classic "has a byte less than n" and "has a
    // zero byte" tests; exact for the first such byte, which is all the
    // scalar loop below needs: it finds the byte itself).
    const uint64_t below_space = (x - kOnes * 0x20) & ~x;
    const uint64_t del = x ^ (kOnes * 0x7F);
    const uint64_t is_del = (del - kOnes) & ~del;
    const uint64_t outside = (x | below_space | is_del) & kHighs;
    if (outside != 0) break;
  }
  while (pos < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos]);
    if (c < 0x20 || c >= 0x7F) break;
    ++pos;
  }
  return pos;
}

// "labels[\"key\"]", escaped so that the path stays one printable line.
std::string LabelField(absl::string_view key) {
  const bool cut = key.size() > kMaxQuotedKeyBytes;
  return absl::StrCat("labels[\"",
                      absl::CHexEscape(key.substr(0, kMaxQuotedKeyBytes)),
                      cut ? "..." : "", "\"]");
}

}  // namespace

// --- Text ------------------------------------------------------------------

absl::Status CheckText(const Errors& errors, absl::string_view field,
                       absl::string_view text, const TextRules& rules) {
  if (text.size() > rules.max_bytes) {
    return errors.Invalid(field, "is ", text.size(), " bytes long; at most ",
                          rules.max_bytes, " bytes are allowed, shorten it");
  }
  size_t code_points = 0;
  for (size_t pos = 0; pos < text.size(); ++code_points) {
    // Printable ASCII is one code point a byte, neither a control nor a
    // bidirectional control: skip it without decoding (most text is).
    const size_t ascii = PrintableAsciiPrefix(text.substr(pos));
    pos += ascii;
    code_points += ascii;
    if (pos == text.size()) break;
    const size_t start = pos;
    char32_t cp = 0;
    if (const char* defect = DecodeUtf8(text, &pos, &cp)) {
      return errors.Invalid(field, "is not valid UTF-8 (", defect,
                            " at byte ", start,
                            "); send the text encoded as UTF-8");
    }
    if (IsBidiControl(cp)) {
      return errors.Invalid(
          field, "contains the bidirectional control ",
          absl::StrFormat("U+%04X", static_cast<uint32_t>(cp)),
          " at character ", code_points + 1,
          "; remove it (it makes the text display in another order than "
          "it is stored)");
    }
    if (!IsControl(cp)) continue;
    // \r too: text from Windows clients ends its lines with \r\n.
    if (rules.allow_newline_and_tab && (cp == '\n' || cp == '\t' || cp == '\r')) {
      continue;
    }
    return errors.Invalid(
        field, "contains the control character ",
        absl::StrFormat("U+%04X", static_cast<uint32_t>(cp)), " at character ",
        code_points + 1, "; remove it",
        rules.allow_newline_and_tab ? " (only line breaks and tabs are allowed)"
                                    : "",
        rules.control_hint);
  }
  if (code_points > rules.max_code_points) {
    return errors.Invalid(field, "is ", code_points,
                          " characters long; at most ", rules.max_code_points,
                          " are allowed, shorten it");
  }
  return absl::OkStatus();
}

// --- Identifiers -----------------------------------------------------------

absl::Status CheckEventId(const Errors& errors, const std::string& id,
                          size_t max_chars) {
  constexpr absl::string_view kRule =
      "; use printable ASCII without spaces (e.g. a UUID), or leave it "
      "empty to let the server make one";
  if (id.size() > max_chars) {
    return errors.Invalid("event_id", "is ", id.size(),
                          " characters long; at most ", max_chars,
                          " are allowed", kRule);
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c < 0x21 || c > 0x7E) {
      return errors.Invalid("event_id", "contains the byte ",
                            absl::StrFormat("0x%02X", c), " at position ", i,
                            kRule);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckIncidentId(const Errors& errors, const std::string& id,
                             size_t max_chars) {
  constexpr absl::string_view kRule =
      "; use letters, digits and . _ : - only (e.g. \"KP-2024-0815\")";
  if (id.size() > max_chars) {
    return errors.Invalid("incident_id", "is ", id.size(),
                          " characters long; at most ", max_chars,
                          " are allowed", kRule);
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsIncidentIdChar(id[i])) {
      return errors.Invalid(
          "incident_id", "contains '",
          absl::CHexEscape(absl::string_view(&id[i], 1)), "' at position ", i,
          kRule);
    }
  }
  return absl::OkStatus();
}

// --- Time ------------------------------------------------------------------

absl::Status CheckTimes(const Errors& errors, v1::SituationUpdate& u,
                        absl::Time now, const ValidationLimits& limits) {
  if (u.has_occurred_at()) {
    if (auto s = CheckTimestamp(errors, "occurred_at", u.occurred_at());
        !s.ok()) {
      return s;
    }
    const absl::Time occurred = ToTime(u.occurred_at());
    if (occurred > now + limits.max_clock_skew) {
      return errors.Invalid(
          "occurred_at", Rfc3339(occurred), " is ",
          HumanDuration(occurred - now),
          " ahead of the server's clock (at most ",
          HumanDuration(limits.max_clock_skew),
          " allowed); send the time the event happened, or leave it unset "
          "to use the time of receipt");
    }
  }
  // An unset occurred_at stays unset here: the log sets it to received_at,
  // and a retry of the same request stays recognisable as a duplicate.
  if (!u.has_expires_at()) return absl::OkStatus();
  if (auto s = CheckTimestamp(errors, "expires_at", u.expires_at()); !s.ok()) {
    return s;
  }
  if (u.incident_id().empty()) {
    return errors.Invalid("expires_at",
                          "is only allowed with an incident_id; set ",
                          errors.Path("incident_id"),
                          " or remove expires_at");
  }
  const absl::Time expires = ToTime(u.expires_at());
  const absl::Time occurred =
      u.has_occurred_at() ? ToTime(u.occurred_at()) : now;
  if (expires <= occurred) {
    return errors.Invalid("expires_at", Rfc3339(expires),
                          " is not after occurred_at (", Rfc3339(occurred),
                          "); set a later expiry or remove it");
  }
  return absl::OkStatus();
}

// --- Labels ----------------------------------------------------------------

namespace {

TextRules LabelValueRules(const ValidationLimits& limits) {
  TextRules value;
  value.max_bytes = limits.max_label_value_bytes;
  value.control_hint = " (a label value is one line of text)";
  return value;
}

// Whether every label passes CheckLabels' rules, without building a field
// path or an error (the common case); the first error in key order is
// CheckLabels' to find.
bool AllLabelsValid(const v1::SituationUpdate& u,
                    const ValidationLimits& limits) {
  const Errors unnamed("");
  const TextRules value = LabelValueRules(limits);
  for (const auto& [key, text] : u.labels()) {
    if (key.empty() || key.size() > limits.max_label_key_chars ||
        !IsAlnum(key[0]) ||
        !std::all_of(key.begin(), key.end(), IsLabelKeyChar) ||
        !CheckText(unnamed, "", text, value).ok()) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status CheckLabels(const Errors& errors, const v1::SituationUpdate& u,
                         const ValidationLimits& limits) {
  if (u.labels_size() > limits.max_labels) {
    return errors.Invalid("labels", "has ", u.labels_size(),
                          " labels; at most ", limits.max_labels,
                          " are allowed, drop or merge some");
  }
  if (AllLabelsValid(u, limits)) return absl::OkStatus();
  // Sorted so that the first error reported does not depend on map order.
  std::vector<const std::string*> keys;
  keys.reserve(u.labels_size());
  for (const auto& [key, value] : u.labels()) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  const std::string rule =
      absl::StrCat("label keys are 1..", limits.max_label_key_chars,
                   " characters of letters, digits and . _ / -, starting "
                   "with a letter or digit");
  for (const std::string* key : keys) {
    const std::string field = LabelField(*key);
    if (key->empty()) return errors.Invalid(field, "empty key; ", rule);
    if (key->size() > limits.max_label_key_chars) {
      return errors.Invalid(field, "key is ", key->size(),
                            " characters long; ", rule);
    }
    if (!IsAlnum((*key)[0])) {
      return errors.Invalid(field, "key must start with a letter or digit; ",
                            rule);
    }
    if (!std::all_of(key->begin(), key->end(), IsLabelKeyChar)) {
      return errors.Invalid(field, "key has a character outside the set; ",
                            rule);
    }
    if (auto s = CheckText(errors, field, u.labels().at(*key),
                           LabelValueRules(limits));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace sitrep::validator_internal
