#include "server/http/query_params.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/enum_names.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "server/wire/utf8.h"

namespace sitrep {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Unescape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int hi = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(
            "query: bad %-escape (write a byte as % and two hex digits)");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// "GapPolicy" -> "GAP_POLICY_": the prefix proto style gives enum values.
std::string EnumValuePrefix(const EnumDescriptor& type) {
  std::string prefix;
  for (char c : type.name()) {
    if (absl::ascii_isupper(c) && !prefix.empty()) prefix.push_back('_');
    prefix.push_back(absl::ascii_toupper(c));
  }
  prefix.push_back('_');
  return prefix;
}

const EnumValueDescriptor* FindEnumValue(const EnumDescriptor& type,
                                         absl::string_view text) {
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) return type.FindValueByNumber(number);
  // The CLI's spellings and aliases first (kp, ack, third), so that a query
  // parameter takes what a flag takes; then any value by its (short) name.
  if (const EnumValueDescriptor* value = FindEnumValueByShortName(type, text)) {
    return value;
  }
  std::string name = absl::AsciiStrToUpper(text);
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), ' ', '_');
  if (const EnumValueDescriptor* value = type.FindValueByName(name)) {
    return value;
  }
  return type.FindValueByName(EnumValuePrefix(type) + name);
}

absl::Status BadValue(absl::string_view name, absl::string_view value,
                      absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      name, ": '", value, "' is not ", expected));
}

// Sets `message`'s Timestamp or Duration from `value`.
absl::Status SetWellKnown(absl::string_view name, absl::string_view value,
                          Message* message) {
  const std::string& type = message->GetDescriptor()->full_name();
  if (type == "google.protobuf.Timestamp") {
    google::protobuf::Timestamp time;
    if (!google::protobuf::util::TimeUtil::FromString(std::string(value),
                                                      &time)) {
      return BadValue(name, value, "an RFC 3339 time (2026-11-28T10:00:00Z)");
    }
    message->CopyFrom(time);
    return absl::OkStatus();
  }
  if (type == "google.protobuf.Duration") {
    absl::Duration duration;
    // google.protobuf.Duration spans about ±10,000 years; beyond that it
    // has no JSON (or valid wire) form.
    const absl::Duration limit = absl::Seconds(
        google::protobuf::util::TimeUtil::kDurationMaxSeconds);
    if (!absl::ParseDuration(value, &duration) || duration > limit ||
        duration < -limit) {
      return BadValue(name, value, "a duration (5s, 1m30s)");
    }
    google::protobuf::Duration proto;
    const int64_t seconds = absl::IDivDuration(duration, absl::Seconds(1),
                                               &duration);
    proto.set_seconds(seconds);
    proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration)));
    message->CopyFrom(proto);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": a message field; name one of its fields (",
                   name, ".<field>)"));
}

// Text to a field's C++ type; false when `text` is not one. Integers by
// the template, the rest by the overloads (an exact match wins). A float is
// parsed as a double and narrowed, so both take the same spellings.
template <typename Integer>
bool ParseScalar(absl::string_view text, Integer* out) {
  return absl::SimpleAtoi(text, out);
}
bool ParseScalar(absl::string_view text, double* out) {
  return absl::SimpleAtod(text, out);
}
bool ParseScalar(absl::string_view text, float* out) {
  double wide;
  if (!absl::SimpleAtod(text, &wide)) return false;
  *out = static_cast<float>(wide);
  return true;
}
bool ParseScalar(absl::string_view text, bool* out) {
  return absl::SimpleAtob(text, out);
}

// Reflection's setter for a singular field of type T, or its adder for a
// repeated one (Reflection::SetInt32 / Reflection::AddInt32, ...).
template <typename T>
using ReflectionSetter = void (Reflection::*)(Message*, const FieldDescriptor*,
                                              T) const;

// Parses `value` as a T and sets (or, repeated, adds) it; `expected` says
// what a T looks like for the error ("an integer").
template <typename T>
absl::Status SetParsed(absl::string_view name, absl::string_view value,
                       absl::string_view expected, const FieldDescriptor& field,
                       Message* message, ReflectionSetter<T> set,
                       ReflectionSetter<T> add) {
  T parsed{};
  if (!ParseScalar(value, &parsed)) return BadValue(name, value, expected);
  const Reflection& reflection = *message->GetReflection();
  (reflection.*(field.is_repeated() ? add : set))(message, &field, parsed);
  return absl::OkStatus();
}

absl::Status SetEnumValue(absl::string_view name, absl::string_view value,
                          const FieldDescriptor& field, Message* message) {
  const EnumDescriptor& type = *field.enum_type();
  const EnumValueDescriptor* v = FindEnumValue(type, value);
  if (v == nullptr) {
    // The example is the first value after the UNSPECIFIED one.
    return BadValue(name, value,
                    absl::StrCat("a ", type.name(), " (e.g. ",
                                 type.value(std::min(1, type.value_count() - 1))
                                     ->name(),
                                 ")"));
  }
  const Reflection& reflection = *message->GetReflection();
  field.is_repeated() ? reflection.AddEnum(message, &field, v)
                      : reflection.SetEnum(message, &field, v);
  return absl::OkStatus();
}

absl::Status SetScalar(absl::string_view name, absl::string_view value,
                       const FieldDescriptor& field, Message* message) {
  const Reflection& reflection = *message->GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return SetParsed<int32_t>(name, value, "an integer", field, message,
                                &Reflection::SetInt32, &Reflection::AddInt32);
    case FieldDescriptor::CPPTYPE_INT64:
      return SetParsed<int64_t>(name, value, "an integer", field, message,
                                &Reflection::SetInt64, &Reflection::AddInt64);
    case FieldDescriptor::CPPTYPE_UINT32:
      return SetParsed<uint32_t>(name, value, "an unsigned integer", field,
                                 message, &Reflection::SetUInt32,
                                 &Reflection::AddUInt32);
    case FieldDescriptor::CPPTYPE_UINT64:
      return SetParsed<uint64_t>(name, value, "an unsigned integer", field,
                                 message, &Reflection::SetUInt64,
                                 &Reflection::AddUInt64);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return SetParsed<double>(name, value, "a number", field, message,
                               &Reflection::SetDouble, &Reflection::AddDouble);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return SetParsed<float>(name, value, "a number", field, message,
                              &Reflection::SetFloat, &Reflection::AddFloat);
    case FieldDescriptor::CPPTYPE_BOOL:
      return SetParsed<bool>(name, value, "true or false", field, message,
                             &Reflection::SetBool, &Reflection::AddBool);
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? reflection.AddString(message, &field, std::string(value))
               : reflection.SetString(message, &field, std::string(value));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM:
      return SetEnumValue(name, value, field, message);
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* target = repeated ? reflection.AddMessage(message, &field)
                                 : reflection.MutableMessage(message, &field);
      return SetWellKnown(name, value, target);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(name, ": unsupported field"));
}

const FieldDescriptor* FindField(const Descriptor& type,
                                 absl::string_view name) {
  const std::string key(name);
  if (const FieldDescriptor* field = type.FindFieldByName(key)) return field;
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == key) return type.field(i);
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::vector<QueryParam>> ParseQuery(absl::string_view query) {
  std::vector<QueryParam> params;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    absl::StatusOr<std::string> name = Unescape(part.substr(0, eq));
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value =
        Unescape(eq == absl::string_view::npos ? "" : part.substr(eq + 1));
    if (!value.ok()) return value.status();
    params.emplace_back(*std::move(name), *std::move(value));
  }
  return params;
}

absl::Status ApplyQuery(const std::vector<QueryParam>& params,
                        const std::vector<std::string>& ignored,
                        Message* message) {
  std::set<std::pair<const Message*, const FieldDescriptor*>> singular_set;
  for (const auto& [name, value] : params) {
    if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) {
      continue;
    }
    // gRPC's parser refuses a proto3 string that is not UTF-8, and the
    // errors below quote the parameter: neither may carry broken text.
    if (FindUtf8Defect(name).has_value()) {
      return absl::InvalidArgumentError("query: a parameter name is not UTF-8");
    }
    if (std::optional<Utf8Defect> defect = FindUtf8Defect(value)) {
      // The gRPC edge's words (server/wire/wire_check.cc).
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": is not valid UTF-8 (", defect->what, " at byte ",
          defect->offset, "); send the text encoded as UTF-8"));
    }
    Message* target = message;
    const FieldDescriptor* field = nullptr;
    std::vector<absl::string_view> path = absl::StrSplit(name, '.');
    for (size_t i = 0; i < path.size(); ++i) {
      field = FindField(*target->GetDescriptor(), path[i]);
      if (field == nullptr) {
        // Quotes the parameter once: a long name makes a long message.
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": unknown parameter (no such field in ",
            target->GetDescriptor()->full_name(), ")"));
      }
      if (i + 1 == path.size()) break;
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_repeated()) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": '", path[i], "' has no fields to name"));
      }
      target = target->GetReflection()->MutableMessage(target, field);
    }
    if (!field->is_repeated()) {
      if (!singular_set.insert({target, field}).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": given twice; it takes one value"));
      }
      const google::protobuf::OneofDescriptor* oneof =
          field->containing_oneof();
      if (oneof != nullptr) {
        const FieldDescriptor* chosen =
            target->GetReflection()->GetOneofFieldDescriptor(*target, oneof);
        if (chosen != nullptr && chosen != field) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, ": only one of the '", oneof->name(),
              "' parameters may be given (", chosen->name(), " was too)"));
        }
      }
    }
    if (absl::Status set = SetScalar(name, value, *field, target); !set.ok()) {
      return set;
    }
  }
  return absl::OkStatus();
}

}  // namespace sitrep
