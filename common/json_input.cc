#include "common/json_input.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/did_you_mean.h"
#include "common/enum_names.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace sitrep {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Deeper input is refused (protobuf's own parser stops at 100 too).
constexpr int kMaxDepth = 100;

// The field `key` names: its proto name or its JSON (lowerCamelCase) name,
// as protobuf's parser takes them.
const FieldDescriptor* FindField(const Descriptor& type, const std::string& key) {
  if (const FieldDescriptor* field = type.FindFieldByName(key)) return field;
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == key) return type.field(i);
  }
  return nullptr;
}

// One pass over the text, checking it against the descriptor as it goes.
// A syntax error stops the walk (Run() is false); the caller then lets
// protobuf say what is wrong.
class Walker {
 public:
  explicit Walker(absl::string_view text) : text_(text) {}

  // Walks the top-level object. False on a syntax error.
  bool Run(const Descriptor& type, const std::string& path) {
    SkipSpace();
    if (!Peek('{')) return false;
    if (!Object(type, path, 0)) return false;
    SkipSpace();
    return pos_ == text_.size();
  }

  std::string Rewritten() const {
    std::string out;
    size_t copied = 0;
    for (const Replacement& r : replacements_) {
      absl::StrAppend(&out, text_.substr(copied, r.begin - copied), "\"",
                      r.text, "\"");
      copied = r.end;
    }
    absl::StrAppend(&out, text_.substr(copied));
    return out;
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Replacement {
    size_t begin, end;  // the string token, quotes included
    std::string text;   // the new content, without quotes
  };

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Consume(char c) {
    SkipSpace();
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }

  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    *out = v;
    return true;
  }

  // A string token at pos_ (after space), decoded into *out.
  bool String(std::string* out) {
    SkipSpace();
    if (!Peek('"')) return false;
    ++pos_;
    out->clear();
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return false;
      const char e = text_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': out->push_back(e); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          // Field and enum names are ASCII: an escaped ASCII letter is
          // decoded, anything else is kept as written (it names nothing we
          // look up, and error messages quote it as the text has it).
          const size_t escape = pos_ - 2;
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
          } else {
            absl::StrAppend(out, text_.substr(escape, pos_ - escape));
          }
          break;
        }
        default: return false;
      }
    }
    return false;
  }

  // Skips any value; false on a syntax error.
  bool SkipValue(int depth) {
    if (depth > kMaxDepth) return false;
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    std::string ignored;
    switch (text_[pos_]) {
      case '"': return String(&ignored);
      case '{': {
        ++pos_;
        if (Consume('}')) return true;
        do {
          if (!String(&ignored) || !Consume(':') || !SkipValue(depth + 1)) {
            return false;
          }
        } while (Consume(','));
        return Consume('}');
      }
      case '[': {
        ++pos_;
        if (Consume(']')) return true;
        do {
          if (!SkipValue(depth + 1)) return false;
        } while (Consume(','));
        return Consume(']');
      }
      default: {
        const size_t start = pos_;
        while (pos_ < text_.size() &&
               (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) ||
                text_[pos_] == '-' || text_[pos_] == '+' || text_[pos_] == '.')) {
          ++pos_;
        }
        return pos_ > start;
      }
    }
  }

  // What kind of JSON value starts at pos_ (after space).
  char Kind() {
    SkipSpace();
    if (pos_ >= text_.size()) return '\0';
    const char c = text_[pos_];
    if (c == '"' || c == '{' || c == '[') return c;
    if (c == 't' || c == 'f') return 'b';  // true / false
    if (c == 'n') return 'n';
    return '0';  // a number (or a syntax error SkipValue finds)
  }

  static const char* KindName(char kind) {
    switch (kind) {
      case '"': return "a string";
      case '{': return "an object";
      case '[': return "a list";
      case 'b': return "true or false";
      default: return "a number";
    }
  }

  bool Object(const Descriptor& type, const std::string& path, int depth) {
    if (depth > kMaxDepth || !Consume('{')) return false;
    if (Consume('}')) return true;
    std::string key;
    do {
      if (!String(&key) || !Consume(':')) return false;
      const FieldDescriptor* field = FindField(type, key);
      const std::string field_path =
          path.empty() ? key : absl::StrCat(path, ".", key);
      if (field == nullptr) {
        UnknownField(type, field_path, key);
        if (!SkipValue(depth + 1)) return false;
        continue;
      }
      if (!Field(*field, field_path, depth + 1)) return false;
    } while (Consume(','));
    return Consume('}');
  }

  void UnknownField(const Descriptor& type, const std::string& path,
                    const std::string& key) {
    std::vector<std::string> names;
    for (int i = 0; i < type.field_count(); ++i) {
      names.push_back(type.field(i)->json_name());
    }
    std::string message = absl::StrCat(path, ": unknown field");
    if (std::optional<size_t> near = NearestCandidate(key, names)) {
      absl::StrAppend(&message, "; did you mean ", names[*near], "?");
    }
    errors_.push_back(std::move(message));
  }

  bool Field(const FieldDescriptor& field, const std::string& path, int depth) {
    const char kind = Kind();
    if (kind == 'n') return SkipValue(depth);  // null: the default
    if (field.is_map()) {
      if (kind != '{') return WrongType(path, "an object", kind, depth);
      const FieldDescriptor& value = *field.message_type()->map_value();
      if (!Consume('{')) return false;
      if (Consume('}')) return true;
      std::string key;
      do {
        if (!String(&key) || !Consume(':')) return false;
        if (!Element(value, absl::StrCat(path, ".", key), depth + 1)) return false;
      } while (Consume(','));
      return Consume('}');
    }
    if (field.is_repeated()) {
      if (kind != '[') return WrongType(path, "a list", kind, depth);
      ++pos_;
      if (Consume(']')) return true;
      int index = 0;
      do {
        if (!Element(field, absl::StrCat(path, "[", index++, "]"), depth + 1)) {
          return false;
        }
      } while (Consume(','));
      return Consume(']');
    }
    return Element(field, path, depth);
  }

  // One value of `field`'s type (a list element, a map value, a singular
  // field).
  bool Element(const FieldDescriptor& field, const std::string& path, int depth) {
    const char kind = Kind();
    if (kind == 'n') return SkipValue(depth);
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM:
        if (kind == '"') return Enum(field, path);
        if (kind == '0') return SkipValue(depth);  // a number: protobuf's
        return WrongType(path, "a name", kind, depth);
      case FieldDescriptor::CPPTYPE_MESSAGE:
        // Timestamp ("2024-05-01T12:00:00Z"), Duration ("90s"), Struct, ...
        // have JSON forms of their own: protobuf checks them.
        if (absl::StartsWith(field.message_type()->full_name(),
                             "google.protobuf.")) {
          return SkipValue(depth);
        }
        if (kind != '{') return WrongType(path, "an object", kind, depth);
        return Object(*field.message_type(), path, depth);
      case FieldDescriptor::CPPTYPE_STRING:
        if (kind != '"') return WrongType(path, "a string", kind, depth);
        return SkipValue(depth);
      case FieldDescriptor::CPPTYPE_BOOL:
        if (kind != 'b') return WrongType(path, "true or false", kind, depth);
        return SkipValue(depth);
      default:  // numbers; protobuf also takes them quoted ("42", "NaN")
        if (kind != '0' && kind != '"') {
          return WrongType(path, "a number", kind, depth);
        }
        return SkipValue(depth);
    }
  }

  bool WrongType(const std::string& path, absl::string_view expected,
                 char kind, int depth) {
    errors_.push_back(absl::StrCat(path, ": expected ", expected, ", not ",
                                   KindName(kind)));
    return SkipValue(depth);
  }

  bool Enum(const FieldDescriptor& field, const std::string& path) {
    SkipSpace();
    const size_t begin = pos_;
    std::string name;
    if (!String(&name)) return false;
    const auto& type = *field.enum_type();
    if (const auto* value = FindEnumValueByShortName(type, name)) {
      replacements_.push_back({begin, pos_, value->name()});
      return true;
    }
    // The full name of the zero value is protobuf's to accept (or not).
    if (type.FindValueByName(name) != nullptr) return true;
    errors_.push_back(absl::StrCat(path, ": '", name, "' is not a ",
                                   EnumNoun(type), "; accepted: ",
                                   AcceptedShortNames(type), " (any case)",
                                   DidYouMeanEnumValue(type, name)));
    return true;
  }

  const absl::string_view text_;
  size_t pos_ = 0;
  std::vector<Replacement> replacements_;
  std::vector<std::string> errors_;
};

}  // namespace

absl::StatusOr<std::string> NormalizeJsonInput(absl::string_view json,
                                               const Descriptor& type,
                                               absl::string_view path_prefix) {
  Walker walker(json);
  if (!walker.Run(type, std::string(path_prefix))) {
    // Not JSON, or not an object: protobuf words the reason.
    google::protobuf::Value value;
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &value);
    std::string reason = status.ok() ? "expected one JSON object"
                                     : std::string(status.message());
    if (status.ok() && value.has_struct_value()) {
      reason = "cannot read it";  // valid JSON our walker refused: say so
    }
    return absl::InvalidArgumentError(absl::StrCat("not a JSON object: ", reason));
  }
  if (!walker.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(walker.errors(), "; "));
  }
  return walker.Rewritten();
}

absl::Status ParseJsonInput(absl::string_view json,
                            google::protobuf::Message* message,
                            absl::string_view path_prefix) {
  absl::StatusOr<std::string> normalized =
      NormalizeJsonInput(json, *message->GetDescriptor(), path_prefix);
  if (!normalized.ok()) return normalized.status();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(*normalized, message,
                                                            options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return absl::OkStatus();
}

}  // namespace sitrep
