#include "server/filter/label_selector.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace sitrep {
namespace {

// The rules the validator applies to update labels: a longer key or value can
// never match, so it is a mistake worth reporting.
constexpr size_t kMaxKeyChars = 63;
constexpr size_t kMaxValueBytes = 256;
// Error messages quote at most this much of the selector.
constexpr size_t kMaxSnippetBytes = 64;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}
bool IsKeyChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '/' || c == '-';
}
// Anything printable but the selector's own punctuation; bytes >= 0x80 let
// UTF-8 values through.
bool IsValueChar(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b > 0x20 && b != 0x7F && c != ',' && c != '(' && c != ')';
}

// At most kMaxSnippetBytes of `text`, cut before a character rather than
// inside one: the message must stay valid UTF-8 (it travels in proto3
// strings, e.g. google.rpc.BadRequest). Found by tests/fuzz.
std::string Snippet(absl::string_view text) {
  if (text.size() <= kMaxSnippetBytes) return std::string(text);
  size_t end = kMaxSnippetBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat(text.substr(0, end), "...");
}

}  // namespace

// A recursive-descent parser over one selector string; every error says what
// was expected, after what, and at which byte offset.
class LabelSelector::Parser {
 public:
  Parser(absl::string_view text, const Limits& limits)
      : text_(text), limits_(limits) {}

  absl::StatusOr<LabelSelector> Run() {
    if (text_.size() > limits_.max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("is ", text_.size(), " bytes long; at most ",
                       limits_.max_bytes, " bytes are allowed"));
    }
    LabelSelector selector;
    SkipSpace();
    if (AtEnd()) return selector;  // blank: no requirements
    absl::string_view after;       // what precedes the next key, for errors
    while (true) {
      if (selector.requirements_.size() >=
          static_cast<size_t>(std::max(limits_.max_requirements, 0))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "has more than ", limits_.max_requirements,
            " requirements (offset ", pos_, ")"));
      }
      const size_t start = pos_;
      Requirement requirement;
      if (absl::Status s = ParseRequirement(after, requirement); !s.ok()) {
        return s;
      }
      selector.requirements_.push_back(std::move(requirement));
      absl::string_view done = text_.substr(start, pos_ - start);
      SkipSpace();
      if (AtEnd()) return selector;
      if (Peek() != ',') {
        return Expected("',' or end of selector", done);
      }
      ++pos_;
      SkipSpace();
      after = ",";
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
  }

  std::string Found() const {
    if (AtEnd()) return "end of selector";
    const char c = Peek();
    if (c > 0x20 && c < 0x7F) return absl::StrCat("'", absl::string_view(&c, 1), "'");
    return absl::StrFormat("byte 0x%02X", static_cast<unsigned char>(c));
  }

  // "expected <what> [after '<after>'] at offset <pos> (found <x>)".
  absl::Status Expected(absl::string_view what, absl::string_view after) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", what,
        after.empty() ? "" : absl::StrCat(" after '", Snippet(after), "'"),
        " at offset ", pos_, " (found ", Found(), ")"));
  }

  absl::Status ParseRequirement(absl::string_view after, Requirement& out) {
    if (!AtEnd() && Peek() == '!') {
      ++pos_;
      SkipSpace();
      out.op = Op::kNotExists;
      return ParseKey("!", out.key);
    }
    if (absl::Status s = ParseKey(after, out.key); !s.ok()) return s;
    SkipSpace();
    if (AtEnd() || Peek() == ',') {
      out.op = Op::kExists;
      return absl::OkStatus();
    }
    const size_t op_start = pos_;
    if (Peek() == '=') {
      ++pos_;
      if (!AtEnd() && Peek() == '=') ++pos_;
      out.op = Op::kEquals;
      return ParseValue(out);
    }
    if (Peek() == '!') {
      ++pos_;
      if (AtEnd() || Peek() != '=') {
        return Expected("'='", absl::StrCat(out.key, "!"));
      }
      ++pos_;
      out.op = Op::kNotEquals;
      return ParseValue(out);
    }
    while (!AtEnd() && IsKeyChar(Peek())) ++pos_;
    absl::string_view word = text_.substr(op_start, pos_ - op_start);
    if (word == "in" || word == "notin") {
      out.op = word == "in" ? Op::kIn : Op::kNotIn;
      SkipSpace();
      if (AtEnd() || Peek() != '(') {
        return Expected("'('", absl::StrCat(out.key, " ", word));
      }
      ++pos_;
      return ParseSet(out);
    }
    pos_ = op_start;
    return Expected("'=', '==', '!=', 'in', 'notin', ',' or end of selector",
                    out.key);
  }

  absl::Status ParseKey(absl::string_view after, std::string& key) {
    const size_t start = pos_;
    if (AtEnd() || !IsAlnum(Peek())) {
      return Expected("a label key (a letter or digit first)", after);
    }
    while (!AtEnd() && IsKeyChar(Peek())) ++pos_;
    if (pos_ - start > kMaxKeyChars) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label key '", Snippet(text_.substr(start, pos_ - start)),
          "' at offset ", start, " is ", pos_ - start,
          " characters long; at most ", kMaxKeyChars, " are allowed"));
    }
    key.assign(text_.data() + start, pos_ - start);
    return absl::OkStatus();
  }

  // One value after '=', '==' or '!='; may be empty.
  absl::Status ParseValue(Requirement& out) {
    SkipSpace();
    absl::string_view value;
    if (absl::Status s = ReadValue(value); !s.ok()) return s;
    out.values.emplace_back(value);
    return absl::OkStatus();
  }

  // "a, b)" after the '(' of "in (" / "notin (".
  absl::Status ParseSet(Requirement& out) {
    absl::string_view after = "(";
    while (true) {
      SkipSpace();
      absl::string_view value;
      if (absl::Status s = ReadValue(value); !s.ok()) return s;
      if (value.empty()) return Expected("a value", after);
      if (out.values.size() >=
          static_cast<size_t>(std::max(limits_.max_values_per_set, 0))) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the set of '", out.key, "' has more than ",
            limits_.max_values_per_set, " values (offset ", pos_, ")"));
      }
      out.values.emplace_back(value);
      SkipSpace();
      if (AtEnd()) {
        return Expected("')'", absl::StrJoin(out.values, ","));
      }
      if (Peek() == ')') {
        ++pos_;
        return absl::OkStatus();
      }
      if (Peek() != ',') {
        return Expected("',' or ')'", absl::StrJoin(out.values, ","));
      }
      ++pos_;
      after = ",";
    }
  }

  absl::Status ReadValue(absl::string_view& value) {
    const size_t start = pos_;
    while (!AtEnd() && IsValueChar(Peek())) ++pos_;
    if (pos_ - start > kMaxValueBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "value '", Snippet(text_.substr(start, pos_ - start)),
          "' at offset ", start, " is ", pos_ - start, " bytes long; at most ",
          kMaxValueBytes, " are allowed"));
    }
    value = text_.substr(start, pos_ - start);
    return absl::OkStatus();
  }

  const absl::string_view text_;
  const Limits& limits_;
  size_t pos_ = 0;
};

absl::StatusOr<LabelSelector> LabelSelector::Parse(absl::string_view selector,
                                                   const Limits& limits) {
  return Parser(selector, limits).Run();
}

bool LabelSelector::Holds(const Requirement& requirement,
                          const std::string* value) {
  switch (requirement.op) {
    case Op::kEquals:
      return value != nullptr && *value == requirement.values.front();
    case Op::kNotEquals:
      return value == nullptr || *value != requirement.values.front();
    case Op::kIn:
    case Op::kNotIn: {
      const bool in = value != nullptr &&
                      std::find(requirement.values.begin(),
                                requirement.values.end(),
                                *value) != requirement.values.end();
      return requirement.op == Op::kIn ? in : !in;
    }
    case Op::kExists:
      return value != nullptr;
    case Op::kNotExists:
      return value == nullptr;
  }
  return false;
}

bool LabelSelector::PresenceRequirement(
    std::string* key, std::vector<std::string>* values) const {
  const Requirement* exists = nullptr;
  for (const Requirement& requirement : requirements_) {
    if (requirement.op == Op::kEquals || requirement.op == Op::kIn) {
      *key = requirement.key;
      *values = requirement.values;
      return true;
    }
    if (requirement.op == Op::kExists && exists == nullptr) {
      exists = &requirement;
    }
  }
  if (exists == nullptr) return false;
  *key = exists->key;
  values->clear();
  return true;
}

}  // namespace sitrep
