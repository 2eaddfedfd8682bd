#include "server/filter/label_selector.h"

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_update.pb.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using Labels = std::map<std::string, std::string>;

LabelSelector MustParse(absl::string_view text) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(text);
  EXPECT_THAT(selector, IsOk()) << "selector: " << text;
  return selector.ok() ? *std::move(selector) : LabelSelector();
}

bool Matches(absl::string_view text, const Labels& labels) {
  return MustParse(text).Matches(labels);
}

TEST(LabelSelectorTest, EmptyOrBlankSelectorMatchesEverything) {
  for (absl::string_view text : {"", "   ", "\t\n"}) {
    LabelSelector selector = MustParse(text);
    EXPECT_TRUE(selector.empty());
    EXPECT_TRUE(selector.Matches(Labels{}));
    EXPECT_TRUE(selector.Matches(Labels{{"a", "b"}}));
  }
  EXPECT_TRUE(LabelSelector().Matches(Labels{{"a", "b"}}));
}

TEST(LabelSelectorTest, EqualsNeedsTheLabelWithThatValue) {
  for (absl::string_view text : {"env=prod", "env==prod"}) {
    EXPECT_TRUE(Matches(text, {{"env", "prod"}})) << text;
    EXPECT_TRUE(Matches(text, {{"env", "prod"}, {"x", "y"}})) << text;
    EXPECT_FALSE(Matches(text, {{"env", "dev"}})) << text;
    EXPECT_FALSE(Matches(text, {{"env", "prod2"}})) << text;
    EXPECT_FALSE(Matches(text, {})) << text;
  }
}

TEST(LabelSelectorTest, EqualsWithoutValueSelectsAnEmptyValue) {
  EXPECT_TRUE(Matches("env=", {{"env", ""}}));
  EXPECT_TRUE(Matches("env==,x", {{"env", ""}, {"x", "1"}}));
  EXPECT_FALSE(Matches("env=", {{"env", "prod"}}));
  EXPECT_FALSE(Matches("env=", {}));
}

TEST(LabelSelectorTest, NotEqualsHoldsWhenAbsentOrDifferent) {
  EXPECT_TRUE(Matches("env!=prod", {}));
  EXPECT_TRUE(Matches("env!=prod", {{"env", "dev"}}));
  EXPECT_FALSE(Matches("env!=prod", {{"env", "prod"}}));
  EXPECT_TRUE(Matches("env!=", {{"env", "x"}}));
  EXPECT_FALSE(Matches("env!=", {{"env", ""}}));
}

TEST(LabelSelectorTest, InNeedsTheLabelWithOneOfTheValues) {
  EXPECT_TRUE(Matches("route in (a,b)", {{"route", "a"}}));
  EXPECT_TRUE(Matches("route in (a,b)", {{"route", "b"}}));
  EXPECT_FALSE(Matches("route in (a,b)", {{"route", "c"}}));
  EXPECT_FALSE(Matches("route in (a,b)", {}));
  EXPECT_TRUE(Matches("route in (a)", {{"route", "a"}}));
}

TEST(LabelSelectorTest, NotInHoldsWhenAbsentOrNoneOfTheValues) {
  EXPECT_TRUE(Matches("route notin (a,b)", {}));
  EXPECT_TRUE(Matches("route notin (a,b)", {{"route", "c"}}));
  EXPECT_FALSE(Matches("route notin (a,b)", {{"route", "a"}}));
  EXPECT_FALSE(Matches("route notin (a,b)", {{"route", "b"}}));
}

TEST(LabelSelectorTest, KeyAloneNeedsTheLabel) {
  EXPECT_TRUE(Matches("unit", {{"unit", ""}}));
  EXPECT_TRUE(Matches("unit", {{"unit", "MNBG-E"}}));
  EXPECT_FALSE(Matches("unit", {{"other", "x"}}));
  EXPECT_TRUE(Matches("in", {{"in", "x"}}));  // "in" alone is a key
}

TEST(LabelSelectorTest, BangKeyNeedsTheLabelAbsent) {
  EXPECT_TRUE(Matches("!unit", {}));
  EXPECT_TRUE(Matches("! unit", {{"other", "x"}}));
  EXPECT_FALSE(Matches("!unit", {{"unit", ""}}));
}

TEST(LabelSelectorTest, AllRequirementsMustHold) {
  const char* kText = "crossing=jarinje,route in (r1,r2),unit,!drill";
  EXPECT_EQ(MustParse(kText).size(), 4u);
  const Labels all = {{"crossing", "jarinje"}, {"route", "r2"}, {"unit", "u"}};
  EXPECT_TRUE(Matches(kText, all));
  for (const char* key : {"crossing", "route", "unit"}) {
    Labels missing = all;
    missing.erase(key);
    EXPECT_FALSE(Matches(kText, missing)) << "without " << key;
  }
  Labels drill = all;
  drill["drill"] = "yes";
  EXPECT_FALSE(Matches(kText, drill));
  EXPECT_FALSE(Matches("a=1,a=2", {{"a", "1"}}));
}

TEST(LabelSelectorTest, WhitespaceAroundTokensIsIgnored) {
  LabelSelector selector = MustParse(
      "  env = prod ,\ttier in ( a , b ) ,route notin(x),  ! gone , unit  ");
  EXPECT_EQ(selector.size(), 5u);
  EXPECT_TRUE(selector.Matches(
      Labels{{"env", "prod"}, {"tier", "b"}, {"route", "y"}, {"unit", "1"}}));
  EXPECT_FALSE(selector.Matches(
      Labels{{"env", "prod"}, {"tier", "c"}, {"route", "y"}, {"unit", "1"}}));
}

TEST(LabelSelectorTest, KeysAndValuesTakeTheirFullAlphabet) {
  EXPECT_TRUE(Matches("kfor.nato.int/unit_id-2=MNBG-E.1",
                      {{"kfor.nato.int/unit_id-2", "MNBG-E.1"}}));
  EXPECT_TRUE(Matches("place=Ibër", {{"place", "Ibër"}}));
  EXPECT_TRUE(Matches("source=https://eulex.eu/a?b=c&d!e",
                      {{"source", "https://eulex.eu/a?b=c&d!e"}}));
  EXPECT_TRUE(Matches("9lives=yes", {{"9lives", "yes"}}));
}

TEST(LabelSelectorTest, MatchesProtoLabelMaps) {
  v1::SituationUpdate update;
  (*update.mutable_labels())["crossing"] = "jarinje";
  EXPECT_TRUE(MustParse("crossing=jarinje").Matches(update.labels()));
  EXPECT_FALSE(MustParse("crossing!=jarinje").Matches(update.labels()));
  EXPECT_TRUE(MustParse("!route").Matches(update.labels()));
}

TEST(LabelSelectorTest, KeyAndValueAtTheirLimitsAreAccepted) {
  const std::string key(63, 'k');
  const std::string value(256, 'v');
  EXPECT_TRUE(Matches(absl::StrCat(key, "=", value), {{key, value}}));
  EXPECT_TRUE(Matches(absl::StrCat(key, " in (x,", value, ")"), {{key, value}}));
}

struct ErrorCase {
  const char* selector;
  const char* message;  // a substring of the error
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << "'" << c.selector << "'";
}

class LabelSelectorErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(LabelSelectorErrorTest, IsInvalidArgumentSayingWhatWasExpectedWhere) {
  EXPECT_THAT(LabelSelector::Parse(GetParam().selector),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    ParseErrors, LabelSelectorErrorTest,
    ::testing::Values(
        ErrorCase{",a", "expected a label key (a letter or digit first) at "
                        "offset 0 (found ',')"},
        ErrorCase{"-a=b", "expected a label key (a letter or digit first) at "
                          "offset 0 (found '-')"},
        ErrorCase{"a=b,,c", "expected a label key (a letter or digit first) "
                            "after ',' at offset 4 (found ',')"},
        ErrorCase{"a=b, ", "after ',' at offset 5 (found end of selector)"},
        ErrorCase{"!", "expected a label key (a letter or digit first) "
                       "after '!' at offset 1 (found end of selector)"},
        ErrorCase{"a!b", "expected '=' after 'a!' at offset 2 (found 'b')"},
        ErrorCase{"a >1", "expected '=', '==', '!=', 'in', 'notin', ',' or "
                          "end of selector after 'a' at offset 2 (found '>')"},
        ErrorCase{"a inn (x)", "after 'a' at offset 2 (found 'i')"},
        ErrorCase{"a in x", "expected '(' after 'a in' at offset 5 "
                            "(found 'x')"},
        ErrorCase{"a notin", "expected '(' after 'a notin' at offset 7 "
                             "(found end of selector)"},
        ErrorCase{"a in ()", "expected a value after '(' at offset 6 "
                             "(found ')')"},
        ErrorCase{"a in (x,)", "expected a value after ',' at offset 8 "
                               "(found ')')"},
        ErrorCase{"env in (a, b", "expected ')' after 'a,b' at offset 12"},
        ErrorCase{"a in (x y)", "expected ',' or ')' after 'x' at offset 8 "
                                "(found 'y')"},
        ErrorCase{"a=b c=d", "expected ',' or end of selector after 'a=b' at "
                             "offset 4 (found 'c')"},
        ErrorCase{"a=(b)", "after 'a=' at offset 2 (found '(')"},
        ErrorCase{"a=b)", "after 'a=b' at offset 3 (found ')')"},
        ErrorCase{"!a=b", "expected ',' or end of selector after '!a' at "
                          "offset 2 (found '=')"},
        ErrorCase{"a in (x) y", "after 'a in (x)' at offset 9 (found 'y')"},
        ErrorCase{"a=b\x01", "at offset 3 (found byte 0x01)"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      return absl::StrCat("Case", info.index);
    });

TEST(LabelSelectorTest, TooLongKeyIsRejected) {
  EXPECT_THAT(
      LabelSelector::Parse(absl::StrCat(std::string(64, 'k'), "=v")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "at offset 0 is 64 characters long; at most 63 are allowed"));
}

TEST(LabelSelectorTest, TooLongValueIsRejected) {
  EXPECT_THAT(
      LabelSelector::Parse(absl::StrCat("k=", std::string(257, 'v'))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "at offset 2 is 257 bytes long; at most 256 are allowed"));
  EXPECT_THAT(
      LabelSelector::Parse(absl::StrCat("k in (", std::string(257, 'v'), ")")),
      StatusIs(absl::StatusCode::kInvalidArgument, "257 bytes long"));
}

TEST(LabelSelectorTest, SelectorLongerThanTheLimitIsRejected) {
  LabelSelector::Limits limits;
  limits.max_bytes = 20;
  const std::string at_limit = "a=123456789012345678";  // 20 bytes
  EXPECT_THAT(LabelSelector::Parse(at_limit, limits), IsOk());
  EXPECT_THAT(LabelSelector::Parse(at_limit + "9", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is 21 bytes long; at most 20 bytes are allowed"));
}

TEST(LabelSelectorTest, MoreRequirementsThanTheLimitAreRejected) {
  LabelSelector::Limits limits;
  limits.max_requirements = 3;
  EXPECT_THAT(LabelSelector::Parse("a,b,c", limits), IsOk());
  EXPECT_THAT(LabelSelector::Parse("a,b,c,d", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "has more than 3 requirements"));
}

TEST(LabelSelectorTest, DefaultLimitsAllow32Requirements) {
  std::vector<std::string> requirements;
  for (int i = 0; i < 32; ++i) requirements.push_back(absl::StrCat("k", i));
  EXPECT_THAT(LabelSelector::Parse(absl::StrJoin(requirements, ",")), IsOk());
  requirements.push_back("k32");
  EXPECT_THAT(LabelSelector::Parse(absl::StrJoin(requirements, ",")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "has more than 32 requirements"));
}

TEST(LabelSelectorTest, SetsLargerThanTheLimitAreRejected) {
  LabelSelector::Limits limits;
  limits.max_values_per_set = 2;
  EXPECT_THAT(LabelSelector::Parse("k in (a,b)", limits), IsOk());
  EXPECT_THAT(LabelSelector::Parse("k notin (a,b,c)", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the set of 'k' has more than 2 values"));
}

// Found by tests/fuzz: the quoted part of an error was cut inside a
// two-byte character.
TEST(LabelSelectorTest, ErrorSnippetsStayValidUtf8) {
  std::string selector = "k in (a";
  for (int i = 0; i < 40; ++i) selector += "\xC3\xAB";  // ë
  absl::StatusOr<LabelSelector> parsed = LabelSelector::Parse(selector);
  ASSERT_FALSE(parsed.ok());
  const std::string message(parsed.status().message());
  EXPECT_THAT(message, ::testing::HasSubstr("..."));
  // Every lead byte is followed by its continuation byte.
  for (size_t i = 0; i < message.size(); ++i) {
    const auto byte = static_cast<unsigned char>(message[i]);
    if (byte == 0xC3) {
      ASSERT_LT(i + 1, message.size());
      EXPECT_EQ(static_cast<unsigned char>(message[i + 1]) & 0xC0, 0x80) << i;
    } else if ((byte & 0xC0) == 0x80) {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(static_cast<unsigned char>(message[i - 1]), 0xC3) << i;
    }
  }
}

}  // namespace
}  // namespace sitrep
