#include "common/enum_names.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/did_you_mean.h"

namespace sitrep {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;

// What a person leaves out or says instead, per enum type (full name).
struct Spellings {
  absl::string_view type;
  absl::string_view optional_suffix;
  std::vector<std::pair<absl::string_view, absl::string_view>> aliases;
};

const std::vector<Spellings>& AllSpellings() {
  static const auto* const all = new std::vector<Spellings>{
      {"sitrep.v1.Mission", "",
       {{"KP", "KOSOVO_POLICE"}, {"POLICE", "KOSOVO_POLICE"},
        {"KPS", "KOSOVO_POLICE"}}},
      {"sitrep.v1.Role", "_RESPONDER",
       {{"1", "FIRST"}, {"2", "SECOND"}, {"3", "THIRD"}}},
      {"sitrep.v1.Category", "",
       {{"BORDER", "BORDER_CROSSING"}, {"CROSSING", "BORDER_CROSSING"}}},
      {"sitrep.v1.Kind", "",
       {{"ACK", "ACKNOWLEDGE"}, {"REQUEST", "REQUEST_SUPPORT"}}},
  };
  return *all;
}

const Spellings* SpellingsOf(const EnumDescriptor& type) {
  for (const Spellings& s : AllSpellings()) {
    if (s.type == type.full_name()) return &s;
  }
  return nullptr;
}

// "MISSION_" from MISSION_UNSPECIFIED; empty when the zero value does not
// end in UNSPECIFIED.
absl::string_view Prefix(const EnumDescriptor& type) {
  const EnumValueDescriptor* zero = type.FindValueByNumber(0);
  if (zero == nullptr) return "";
  absl::string_view name = zero->name();
  if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
  return name;
}

}  // namespace

const EnumValueDescriptor* FindEnumValueByShortName(const EnumDescriptor& type,
                                                    absl::string_view text) {
  std::string key = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  if (key.empty()) return nullptr;
  for (char& c : key) {
    if (c == '-' || c == ' ') c = '_';
  }
  const Spellings* spellings = SpellingsOf(type);
  if (spellings != nullptr) {
    for (const auto& [alias, target] : spellings->aliases) {
      if (key == alias) key = std::string(target);
    }
  }
  const std::string prefix(Prefix(type));
  std::vector<std::string> candidates = {key, absl::StrCat(prefix, key)};
  if (spellings != nullptr && !spellings->optional_suffix.empty()) {
    candidates.push_back(absl::StrCat(prefix, key, spellings->optional_suffix));
  }
  for (const std::string& candidate : candidates) {
    const EnumValueDescriptor* value = type.FindValueByName(candidate);
    if (value != nullptr && value->number() != 0) return value;
  }
  return nullptr;
}

std::string ShortEnumName(const EnumValueDescriptor& value) {
  absl::string_view name = value.name();
  absl::ConsumePrefix(&name, Prefix(*value.type()));
  if (const Spellings* s = SpellingsOf(*value.type()); s != nullptr) {
    if (!s->optional_suffix.empty()) absl::ConsumeSuffix(&name, s->optional_suffix);
  }
  std::string out = absl::AsciiStrToLower(name);
  absl::StrReplaceAll({{"_", "-"}}, &out);
  return out;
}

std::string AcceptedShortNames(const EnumDescriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() == 0) continue;
    names.push_back(ShortEnumName(*type.value(i)));
  }
  return absl::StrJoin(names, ", ");
}

std::string DidYouMeanEnumValue(const EnumDescriptor& type,
                                absl::string_view text) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) names.push_back(ShortEnumName(*type.value(i)));
  }
  std::string folded = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  for (char& c : folded) {
    if (c == '_' || c == ' ') c = '-';
  }
  absl::string_view key = folded;
  absl::ConsumePrefix(&key, absl::AsciiStrToLower(absl::StrReplaceAll(
                                Prefix(type), {{"_", "-"}})));
  std::optional<size_t> near = NearestCandidate(key, names);
  if (!near.has_value()) return "";
  return absl::StrCat("; did you mean ", names[*near], "?");
}

std::string EnumNoun(const EnumDescriptor& type) {
  return absl::AsciiStrToLower(type.name());
}

}  // namespace sitrep
