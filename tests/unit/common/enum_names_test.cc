#include "common/enum_names.h"

#include "gtest/gtest.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace {

using google::protobuf::EnumDescriptor;

int Find(const EnumDescriptor* type, absl::string_view text) {
  const auto* value = FindEnumValueByShortName(*type, text);
  return value == nullptr ? -1 : value->number();
}

TEST(EnumNamesTest, TakesShortFullAndAliasSpellingsInAnyCase) {
  const EnumDescriptor* mission = v1::Mission_descriptor();
  EXPECT_EQ(Find(mission, "kfor"), v1::MISSION_KFOR);
  EXPECT_EQ(Find(mission, "KFOR"), v1::MISSION_KFOR);
  EXPECT_EQ(Find(mission, "MISSION_KFOR"), v1::MISSION_KFOR);
  EXPECT_EQ(Find(mission, "mission_kfor"), v1::MISSION_KFOR);
  EXPECT_EQ(Find(mission, "kosovo-police"), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(Find(mission, "Kosovo Police"), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(Find(mission, "kosovo_police"), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(Find(mission, " kp "), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(Find(v1::Role_descriptor(), "third"), v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(Find(v1::Role_descriptor(), "Third-Responder"), v1::ROLE_THIRD_RESPONDER);
  EXPECT_EQ(Find(v1::Role_descriptor(), "1"), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(Find(v1::Role_descriptor(), "support"), v1::ROLE_SUPPORT);
  EXPECT_EQ(Find(v1::Severity_descriptor(), "Severe"), v1::SEVERITY_SEVERE);
  EXPECT_EQ(Find(v1::Kind_descriptor(), "ack"), v1::KIND_ACKNOWLEDGE);
  EXPECT_EQ(Find(v1::Kind_descriptor(), "request-support"), v1::KIND_REQUEST_SUPPORT);
  EXPECT_EQ(Find(v1::Category_descriptor(), "border"), v1::CATEGORY_BORDER_CROSSING);
  EXPECT_EQ(Find(v1::Category_descriptor(), "Public Order"), v1::CATEGORY_PUBLIC_ORDER);
}

TEST(EnumNamesTest, RefusesUnknownEmptyAndUnspecified) {
  EXPECT_EQ(Find(v1::Mission_descriptor(), "nato"), -1);
  EXPECT_EQ(Find(v1::Mission_descriptor(), ""), -1);
  EXPECT_EQ(Find(v1::Mission_descriptor(), "unspecified"), -1);
  EXPECT_EQ(Find(v1::Mission_descriptor(), "MISSION_UNSPECIFIED"), -1);
  // An alias belongs to its type: "kp" is no severity.
  EXPECT_EQ(Find(v1::Severity_descriptor(), "kp"), -1);
}

TEST(EnumNamesTest, ShortNamesAreKebabCaseWithoutPrefixOrSuffix) {
  EXPECT_EQ(ShortEnumName(*v1::Mission_descriptor()->FindValueByNumber(
                v1::MISSION_KOSOVO_POLICE)),
            "kosovo-police");
  EXPECT_EQ(ShortEnumName(*v1::Role_descriptor()->FindValueByNumber(
                v1::ROLE_THIRD_RESPONDER)),
            "third");
  EXPECT_EQ(AcceptedShortNames(*v1::Mission_descriptor()),
            "kfor, eulex, kosovo-police");
  EXPECT_EQ(EnumNoun(*v1::Severity_descriptor()), "severity");
}

TEST(EnumNamesTest, DidYouMeanForATypo) {
  EXPECT_EQ(DidYouMeanEnumValue(*v1::Mission_descriptor(), "kforr"),
            "; did you mean kfor?");
  EXPECT_EQ(DidYouMeanEnumValue(*v1::Mission_descriptor(), "MISSION_KFR"),
            "; did you mean kfor?");
  EXPECT_EQ(DidYouMeanEnumValue(*v1::Mission_descriptor(), "Kosovo Polic"),
            "; did you mean kosovo-police?");
  EXPECT_EQ(DidYouMeanEnumValue(*v1::Severity_descriptor(), "sever"),
            "; did you mean severe?");
  EXPECT_EQ(DidYouMeanEnumValue(*v1::Mission_descriptor(), "nato"), "");
}

}  // namespace
}  // namespace sitrep
