#include "server/filter/filter_matcher.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/ingest/municipality.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;

template <typename Message>
Message Parse(absl::string_view text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text),
                                                            &message))
      << text;
  return message;
}

// A stored update (municipality already canonical); tests change one field.
constexpr char kUpdate[] = R"pb(
  sequence: 7
  mission: MISSION_KOSOVO_POLICE
  role: ROLE_FIRST_RESPONDER
  severity: SEVERITY_MODERATE
  category: CATEGORY_PUBLIC_ORDER
  incident_id: "KP-2024-0815"
  kind: KIND_NEW
  headline: "Crowd at the Ibar bridge"
  location {
    municipality: "mitrovice-e-veriut"
    point { latitude: 42.8914 longitude: 20.8660 }
  }
  labels { key: "crossing" value: "jarinje" }
  labels { key: "unit" value: "kp-north" }
)pb";

v1::SituationUpdate Update(absl::string_view change = "") {
  v1::SituationUpdate update = Parse<v1::SituationUpdate>(kUpdate);
  update.MergeFrom(Parse<v1::SituationUpdate>(change));
  return update;
}

std::unique_ptr<const FilterMatcher> MustCompile(absl::string_view filter_text,
                                                 const FilterLimits& limits = {}) {
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> matcher =
      FilterMatcher::Compile(Parse<v1::Filter>(filter_text), limits);
  EXPECT_THAT(matcher, IsOk()) << filter_text;
  return matcher.ok() ? *std::move(matcher) : nullptr;
}

absl::Status CompileStatus(const v1::Filter& filter,
                           const FilterLimits& limits = {},
                           absl::string_view prefix = "filter") {
  return FilterMatcher::Compile(filter, limits, prefix).status();
}
absl::Status CompileStatus(absl::string_view filter_text,
                           const FilterLimits& limits = {}) {
  return CompileStatus(Parse<v1::Filter>(filter_text), limits);
}

// --- What matches -----------------------------------------------------------

TEST(FilterMatcherTest, EmptyFilterMatchesEverything) {
  auto matcher = MustCompile("");
  ASSERT_NE(matcher, nullptr);
  EXPECT_TRUE(matcher->MatchesEverything());
  EXPECT_EQ(matcher->Missions(), MissionSet::All());
  EXPECT_TRUE(matcher->Matches(Update()));
  EXPECT_TRUE(matcher->Matches(v1::SituationUpdate()));
  v1::SituationUpdate odd;
  odd.set_mission(static_cast<v1::Mission>(40));  // unknown to this build
  odd.set_severity(static_cast<v1::Severity>(99));
  EXPECT_TRUE(matcher->Matches(odd));
}

TEST(FilterMatcherTest, MissionsMatchAnyListedMission) {
  auto matcher = MustCompile("missions: MISSION_KFOR missions: MISSION_EULEX");
  EXPECT_FALSE(matcher->MatchesEverything());
  EXPECT_TRUE(matcher->Matches(Update("mission: MISSION_KFOR")));
  EXPECT_TRUE(matcher->Matches(Update("mission: MISSION_EULEX")));
  EXPECT_FALSE(matcher->Matches(Update("mission: MISSION_KOSOVO_POLICE")));
  EXPECT_FALSE(matcher->Matches(v1::SituationUpdate()));
  v1::SituationUpdate unknown = Update();
  unknown.set_mission(static_cast<v1::Mission>(33));  // would alias bit 1
  EXPECT_FALSE(matcher->Matches(unknown));
  unknown.set_mission(static_cast<v1::Mission>(-1));
  EXPECT_FALSE(matcher->Matches(unknown));
}

TEST(FilterMatcherTest, MissionsAreTheListedMissions) {
  EXPECT_EQ(MustCompile("missions: MISSION_KFOR missions: MISSION_EULEX")
                ->Missions(),
            MissionSet::Of(v1::MISSION_KFOR) | MissionSet::Of(v1::MISSION_EULEX));
  EXPECT_EQ(MustCompile("missions: MISSION_KOSOVO_POLICE")->Missions(),
            MissionSet::Of(v1::MISSION_KOSOVO_POLICE));
  EXPECT_EQ(MustCompile("roles: ROLE_SUPPORT")->Missions(), MissionSet::All());
}

TEST(FilterMatcherTest, RolesMatchAnyListedRole) {
  auto matcher =
      MustCompile("roles: ROLE_SECOND_RESPONDER roles: ROLE_LIAISON");
  EXPECT_TRUE(matcher->Matches(Update("role: ROLE_SECOND_RESPONDER")));
  EXPECT_TRUE(matcher->Matches(Update("role: ROLE_LIAISON")));
  EXPECT_FALSE(matcher->Matches(Update("role: ROLE_FIRST_RESPONDER")));
}

TEST(FilterMatcherTest, CategoriesMatchAnyListedCategory) {
  auto matcher = MustCompile(
      "categories: CATEGORY_BORDER_CROSSING categories: CATEGORY_OTHER");
  EXPECT_TRUE(matcher->Matches(Update("category: CATEGORY_BORDER_CROSSING")));
  EXPECT_TRUE(matcher->Matches(Update("category: CATEGORY_OTHER")));
  EXPECT_FALSE(matcher->Matches(Update("category: CATEGORY_PUBLIC_ORDER")));
}

TEST(FilterMatcherTest, KindsMatchAnyListedKind) {
  auto matcher = MustCompile("kinds: KIND_RESOLVE kinds: KIND_EXPIRED");
  EXPECT_TRUE(matcher->Matches(Update("kind: KIND_RESOLVE")));
  EXPECT_TRUE(matcher->Matches(Update("kind: KIND_EXPIRED")));
  EXPECT_FALSE(matcher->Matches(Update("kind: KIND_NEW")));
  v1::SituationUpdate standalone = Update();
  standalone.clear_kind();
  EXPECT_FALSE(matcher->Matches(standalone));
}

TEST(FilterMatcherTest, MinSeverityFollowsUnknownMinorModerateSevereExtreme) {
  const std::vector<v1::Severity> order = {
      v1::SEVERITY_UNKNOWN, v1::SEVERITY_MINOR, v1::SEVERITY_MODERATE,
      v1::SEVERITY_SEVERE, v1::SEVERITY_EXTREME};
  for (size_t min = 0; min < order.size(); ++min) {
    v1::Filter filter;
    filter.set_min_severity(order[min]);
    auto matcher = FilterMatcher::Compile(filter);
    ASSERT_THAT(matcher, IsOk());
    for (size_t s = 0; s < order.size(); ++s) {
      v1::SituationUpdate update = Update();
      update.set_severity(order[s]);
      EXPECT_EQ((*matcher)->Matches(update), s >= min)
          << v1::Severity_Name(order[s]) << " vs min "
          << v1::Severity_Name(order[min]);
    }
    v1::SituationUpdate unspecified = Update();
    unspecified.clear_severity();
    EXPECT_FALSE((*matcher)->Matches(unspecified));
    unspecified.set_severity(static_cast<v1::Severity>(6));
    EXPECT_FALSE((*matcher)->Matches(unspecified)) << "unknown severity 6";
  }
}

TEST(FilterMatcherTest, UnspecifiedMinSeverityDoesNotRestrict) {
  auto matcher = MustCompile("min_severity: SEVERITY_UNSPECIFIED");
  EXPECT_TRUE(matcher->MatchesEverything());
  EXPECT_TRUE(matcher->Matches(Update("severity: SEVERITY_UNKNOWN")));
}

TEST(FilterMatcherTest, MunicipalitiesAreMatchedBySpellingNormalisedToId) {
  auto matcher = MustCompile(
      R"pb(municipalities: "North Mitrovica" municipalities: "Zvečan")pb");
  EXPECT_TRUE(matcher->Matches(Update()));  // mitrovice-e-veriut
  EXPECT_TRUE(matcher->Matches(
      Update(R"pb(location { municipality: "zvecan" })pb")));
  EXPECT_FALSE(matcher->Matches(
      Update(R"pb(location { municipality: "mitrovice" })pb")));
  v1::SituationUpdate nowhere = Update();
  nowhere.clear_location();
  EXPECT_FALSE(matcher->Matches(nowhere));
}

TEST(FilterMatcherTest, EveryMunicipalityIsSelectedByEachOfItsSpellings) {
  const std::vector<Municipality>& all = AllMunicipalities();
  ASSERT_EQ(all.size(), 38u);
  for (size_t i = 0; i < all.size(); ++i) {
    const Municipality& m = all[i];
    const Municipality& other = all[(i + 1) % all.size()];
    std::vector<std::string> spellings = {m.id, m.albanian, m.albanian_definite,
                                          m.serbian_latin, m.serbian_cyrillic};
    spellings.insert(spellings.end(), m.also.begin(), m.also.end());
    for (const std::string& spelling : spellings) {
      v1::Filter filter;
      filter.add_municipalities(spelling);
      auto matcher = FilterMatcher::Compile(filter);
      ASSERT_THAT(matcher, IsOk()) << spelling;
      v1::SituationUpdate update = Update();
      update.mutable_location()->set_municipality(m.id);
      EXPECT_TRUE((*matcher)->Matches(update)) << spelling;
      update.mutable_location()->set_municipality(other.id);
      EXPECT_FALSE((*matcher)->Matches(update)) << spelling;
    }
  }
}

TEST(FilterMatcherTest, IncidentIdsMatchAnyListedIncident) {
  auto matcher =
      MustCompile(R"pb(incident_ids: "KP-2024-0815" incident_ids: "EU:7")pb");
  EXPECT_TRUE(matcher->Matches(Update()));
  EXPECT_TRUE(matcher->Matches(Update(R"pb(incident_id: "EU:7")pb")));
  EXPECT_FALSE(matcher->Matches(Update(R"pb(incident_id: "EU:8")pb")));
  v1::SituationUpdate standalone = Update();
  standalone.clear_incident_id();
  EXPECT_FALSE(matcher->Matches(standalone));
}

TEST(FilterMatcherTest, ManyIncidentIdsAreAllFound) {
  v1::Filter filter;
  for (int i = 0; i < 40; ++i) filter.add_incident_ids(absl::StrCat("I-", i));
  filter.add_incident_ids("I-3");  // duplicates are harmless
  auto matcher = FilterMatcher::Compile(filter);
  ASSERT_THAT(matcher, IsOk());
  v1::SituationUpdate update = Update();
  for (int i = 0; i < 45; ++i) {
    update.set_incident_id(absl::StrCat("I-", i));
    EXPECT_EQ((*matcher)->Matches(update), i < 40) << i;
  }
}

TEST(FilterMatcherTest, LabelSelectorIsApplied) {
  auto matcher = MustCompile(
      R"pb(label_selector: "crossing in (jarinje, bernjak), !drill")pb");
  EXPECT_TRUE(matcher->Matches(Update()));
  EXPECT_FALSE(matcher->Matches(
      Update(R"pb(labels { key: "drill" value: "yes" })pb")));
  v1::SituationUpdate other = Update();
  (*other.mutable_labels())["crossing"] = "merdare";
  EXPECT_FALSE(matcher->Matches(other));
  other.clear_labels();
  EXPECT_FALSE(matcher->Matches(other));
}

TEST(FilterMatcherTest, BlankLabelSelectorDoesNotRestrict) {
  EXPECT_TRUE(MustCompile(R"pb(label_selector: "  ")pb")->MatchesEverything());
}

TEST(FilterMatcherTest, BoundingBoxMatchesPointsInsideAndOnTheEdge) {
  auto matcher = MustCompile(R"pb(
    bounding_box {
      min_latitude: 42.8
      max_latitude: 43.0
      min_longitude: 20.8
      max_longitude: 20.9
    }
  )pb");
  EXPECT_FALSE(matcher->MatchesEverything());
  EXPECT_TRUE(matcher->Matches(Update()));
  const char* kInside[] = {
      "location { point { latitude: 42.8 longitude: 20.8 } }",
      "location { point { latitude: 43.0 longitude: 20.9 } }"};
  for (const char* inside : kInside) {
    EXPECT_TRUE(matcher->Matches(Update(inside))) << inside;
  }
  const char* kOutside[] = {
      "location { point { latitude: 42.79 longitude: 20.85 } }",
      "location { point { latitude: 43.01 longitude: 20.85 } }",
      "location { point { latitude: 42.9 longitude: 20.79 } }",
      "location { point { latitude: 42.9 longitude: 20.91 } }"};
  for (const char* outside : kOutside) {
    EXPECT_FALSE(matcher->Matches(Update(outside))) << outside;
  }
  v1::SituationUpdate no_point = Update();
  no_point.mutable_location()->clear_point();
  EXPECT_FALSE(matcher->Matches(no_point));
  no_point.clear_location();
  EXPECT_FALSE(matcher->Matches(no_point));
  v1::SituationUpdate nan = Update();
  nan.mutable_location()->mutable_point()->set_latitude(std::nan(""));
  EXPECT_FALSE(matcher->Matches(nan));
}

TEST(FilterMatcherTest, FieldsCombineWithAnd) {
  auto matcher = MustCompile(R"pb(
    missions: MISSION_KOSOVO_POLICE
    roles: ROLE_FIRST_RESPONDER
    min_severity: SEVERITY_MODERATE
    categories: CATEGORY_PUBLIC_ORDER
    municipalities: "Mitrovica e Veriut"
    incident_ids: "KP-2024-0815"
    label_selector: "unit=kp-north"
    bounding_box {
      min_latitude: 42
      max_latitude: 43
      min_longitude: 20
      max_longitude: 21
    }
    kinds: KIND_NEW
  )pb");
  ASSERT_TRUE(matcher->Matches(Update()));
  // Each change fails exactly one field.
  const char* kFailOne[] = {
      "mission: MISSION_KFOR",
      "role: ROLE_SUPPORT",
      "severity: SEVERITY_MINOR",
      "category: CATEGORY_CRIME",
      R"pb(location { municipality: "zvecan" })pb",
      R"pb(incident_id: "KP-2024-0816")pb",
      R"pb(labels { key: "unit" value: "kp-south" })pb",
      "location { point { latitude: 41.9 } }",
      "kind: KIND_UPDATE",
  };
  for (const char* change : kFailOne) {
    EXPECT_FALSE(matcher->Matches(Update(change))) << change;
  }
}

// --- What is rejected -------------------------------------------------------

TEST(FilterMatcherTest, UnspecifiedInsideARepeatedEnumIsRejectedByIndex) {
  EXPECT_THAT(CompileStatus("missions: MISSION_KFOR missions: "
                            "MISSION_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.missions[1]: MISSION_UNSPECIFIED is not a "
                       "mission to select"));
  EXPECT_THAT(CompileStatus("roles: ROLE_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.roles[0]: ROLE_UNSPECIFIED is not a role"));
  EXPECT_THAT(CompileStatus("categories: CATEGORY_OTHER categories: "
                            "CATEGORY_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.categories[1]: CATEGORY_UNSPECIFIED is not a "
                       "category"));
  EXPECT_THAT(CompileStatus("kinds: KIND_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.kinds[0]: KIND_UNSPECIFIED is not a kind"));
}

TEST(FilterMatcherTest, AMisspeltMunicipalityGetsASuggestionAndTheKosovoWideHint) {
  EXPECT_THAT(CompileStatus(R"pb(municipalities: "Zveçan"
                                 municipalities: "Pristine")pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.municipalities[1]: 'Pristine' is not a "
                       "municipality of Kosovo; did you mean Prishtinë? Name "
                       "one of Kosovo's 38 municipalities, or leave "
                       "municipalities out: without them the filter is "
                       "Kosovo-wide"));
  EXPECT_THAT(CompileStatus(R"pb(municipalities: "Atlantis")pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "'Atlantis' is not a municipality of Kosovo; name one "
                       "of Kosovo's 38 municipalities, or leave "
                       "municipalities out: without them the filter is "
                       "Kosovo-wide"));
}

TEST(FilterMatcherTest, UnknownEnumValuesAreRejectedByIndex) {
  v1::Filter filter;
  filter.add_missions(v1::MISSION_KFOR);
  filter.add_missions(static_cast<v1::Mission>(17));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.missions[1]: unknown mission 17"));
  filter.Clear();
  filter.add_roles(static_cast<v1::Role>(6));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.roles[0]: unknown role 6"));
  filter.Clear();
  filter.add_categories(static_cast<v1::Category>(-3));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.categories[0]: unknown category -3"));
  filter.Clear();
  filter.add_kinds(static_cast<v1::Kind>(31));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.kinds[0]: unknown kind 31"));
  filter.Clear();
  filter.set_min_severity(static_cast<v1::Severity>(9));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.min_severity: unknown severity 9"));
}

TEST(FilterMatcherTest, UnknownMunicipalityIsInvalidArgument) {
  EXPECT_THAT(CompileStatus(R"pb(municipalities: "Foo")pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.municipalities[0]: 'Foo' is not a "
                       "municipality of Kosovo"));
  EXPECT_THAT(
      CompileStatus(R"pb(municipalities: "Peja" municipalities: "")pb"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "filter.municipalities[1]: is empty"));
}

TEST(FilterMatcherTest, MalformedIncidentIdsAreRejected) {
  EXPECT_THAT(CompileStatus(R"pb(incident_ids: "")pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.incident_ids[0]: is empty"));
  EXPECT_THAT(CompileStatus(R"pb(incident_ids: "a" incident_ids: "a b")pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.incident_ids[1]: has a character outside "
                       "[A-Za-z0-9._:-] at offset 1"));
  v1::Filter filter;
  filter.add_incident_ids(std::string(129, 'x'));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.incident_ids[0]: is 129 characters long"));
}

TEST(FilterMatcherTest, InvalidBoundingBoxesAreRejected) {
  struct Case {
    const char* box;
    const char* message;
  } cases[] = {
      {"min_latitude: 43 max_latitude: 42 max_longitude: 21",
       "filter.bounding_box: min_latitude 43 is greater than max_latitude 42"},
      {"max_latitude: 43 min_longitude: 21 max_longitude: 20",
       "filter.bounding_box: min_longitude 21 is greater than max_longitude "
       "20"},
      {"min_latitude: -91 max_latitude: 43",
       "filter.bounding_box.min_latitude: -91 is outside -90..90"},
      {"max_latitude: 90.5",
       "filter.bounding_box.max_latitude: 90.5 is outside -90..90"},
      {"min_longitude: -180.01",
       "filter.bounding_box.min_longitude: -180.01 is outside -180..180"},
      {"max_longitude: 181",
       "filter.bounding_box.max_longitude: 181 is outside -180..180"},
      {"max_latitude: nan", "filter.bounding_box.max_latitude: is not a "
                            "finite number"},
      {"max_longitude: inf", "filter.bounding_box.max_longitude: is not a "
                             "finite number"},
      {"min_latitude: -inf", "filter.bounding_box.min_latitude: is not a "
                             "finite number"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(CompileStatus(absl::StrCat("bounding_box { ", c.box, " }")),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.box;
  }
  // The whole globe and a single point are valid boxes.
  EXPECT_THAT(CompileStatus("bounding_box { min_latitude: -90 max_latitude: 90 "
                            "min_longitude: -180 max_longitude: 180 }"),
              IsOk());
  EXPECT_THAT(CompileStatus("bounding_box { }"), IsOk());
}

TEST(FilterMatcherTest, MalformedLabelSelectorNamesTheField) {
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "env in (a, b")pb"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.label_selector: expected ')' after 'a,b' at "
                       "offset 12"));
}

TEST(FilterMatcherTest, FieldPrefixIsPutInFrontOfTheFieldName) {
  v1::Filter filter;
  filter.add_missions(v1::MISSION_UNSPECIFIED);
  EXPECT_THAT(CompileStatus(filter, {}, "request.filter"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.filter.missions[0]: "));
  absl::Status bare = CompileStatus(filter, {}, "");
  EXPECT_THAT(bare, StatusIs(absl::StatusCode::kInvalidArgument,
                             "missions[0]: MISSION_UNSPECIFIED"));
  EXPECT_EQ(bare.message().substr(0, 12), "missions[0]:");
}

// --- Limits ------------------------------------------------------------------

TEST(FilterMatcherTest, EveryRepeatedFieldIsLimitedInValues) {
  FilterLimits limits;
  limits.max_values_per_field = 3;
  struct Case {
    const char* field;
    const char* value;  // text-format value of one element
  } cases[] = {
      {"missions", "MISSION_KFOR"},      {"roles", "ROLE_SUPPORT"},
      {"categories", "CATEGORY_CRIME"},  {"kinds", "KIND_NEW"},
      {"municipalities", "\"Peja\""},    {"incident_ids", "\"I-1\""},
  };
  for (const Case& c : cases) {
    std::string text;
    for (int i = 0; i < 3; ++i) absl::StrAppend(&text, c.field, ": ", c.value, " ");
    EXPECT_THAT(CompileStatus(text, limits), IsOk()) << text;
    absl::StrAppend(&text, c.field, ": ", c.value);
    EXPECT_THAT(CompileStatus(text, limits),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("filter.", c.field,
                                      ": has 4 values; at most 3 are "
                                      "allowed")))
        << text;
  }
}

TEST(FilterMatcherTest, DefaultLimitAllows64ValuesPerField) {
  v1::Filter filter;
  for (int i = 0; i < 64; ++i) filter.add_incident_ids(absl::StrCat("I-", i));
  EXPECT_THAT(CompileStatus(filter), IsOk());
  filter.add_incident_ids("I-64");
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.incident_ids: has 65 values; at most 64"));
}

TEST(FilterMatcherTest, LabelSelectorIsLimitedInBytesRequirementsAndSetSize) {
  FilterLimits limits;
  limits.max_label_selector_bytes = 10;
  limits.max_label_requirements = 2;
  limits.max_values_per_field = 2;
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "a,b")pb", limits), IsOk());
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "a=12345678")pb", limits),
              IsOk());
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "a=123456789")pb", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.label_selector: is 11 bytes long; at most 10"));
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "a,b,c")pb", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.label_selector: has more than 2 "
                       "requirements"));
  limits.max_label_selector_bytes = 4096;
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "k in (a,b)")pb", limits),
              IsOk());
  EXPECT_THAT(CompileStatus(R"pb(label_selector: "k in (a,b,c)")pb", limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.label_selector: the set of 'k' has more than "
                       "2 values"));
}

}  // namespace
}  // namespace sitrep

namespace sitrep {
namespace {

TEST(FilterMatcherKindsTest, RestrictsKindsOnlyWhenKindsAreGiven) {
  v1::Filter filter;
  filter.add_missions(v1::MISSION_KFOR);
  auto by_mission = FilterMatcher::Compile(filter);
  ASSERT_TRUE(by_mission.ok());
  EXPECT_FALSE((*by_mission)->RestrictsKinds());
  filter.add_kinds(v1::KIND_NEW);
  auto by_kind = FilterMatcher::Compile(filter);
  ASSERT_TRUE(by_kind.ok());
  EXPECT_TRUE((*by_kind)->RestrictsKinds());
}

TEST(FilterMatcherTest, StatusesMatchTheEffectiveStatus) {
  auto actual = MustCompile("statuses: STATUS_ACTUAL");
  auto exercise = MustCompile("statuses: STATUS_EXERCISE");
  // Unset reads as ACTUAL; the deprecated category reads as EXERCISE.
  EXPECT_TRUE(actual->Matches(Update()));
  EXPECT_FALSE(exercise->Matches(Update()));
  EXPECT_TRUE(exercise->Matches(Update("status: STATUS_EXERCISE")));
  EXPECT_TRUE(exercise->Matches(Update("category: CATEGORY_EXERCISE")));
  EXPECT_FALSE(actual->Matches(Update("category: CATEGORY_EXERCISE")));
  EXPECT_FALSE(actual->Matches(Update("status: STATUS_TEST")));
  EXPECT_TRUE(actual->RestrictsStatuses());
  EXPECT_FALSE(MustCompile("")->RestrictsStatuses());
  EXPECT_FALSE(actual->MatchesEverything());
}

TEST(FilterMatcherTest, CertaintiesMatchWithUnsetAsUnknown) {
  auto observed = MustCompile("certainties: [CERTAINTY_OBSERVED, CERTAINTY_LIKELY]");
  auto unknown = MustCompile("certainties: CERTAINTY_UNKNOWN");
  EXPECT_TRUE(observed->Matches(Update("certainty: CERTAINTY_OBSERVED")));
  EXPECT_FALSE(observed->Matches(Update("certainty: CERTAINTY_POSSIBLE")));
  EXPECT_FALSE(observed->Matches(Update()));
  EXPECT_TRUE(unknown->Matches(Update()));
}

TEST(FilterMatcherTest, StatusAndCertaintyValuesAreChecked) {
  EXPECT_THAT(CompileStatus("statuses: STATUS_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.statuses[0]: STATUS_UNSPECIFIED is not a status"));
  v1::Filter filter;
  filter.add_certainties(static_cast<v1::Certainty>(17));
  EXPECT_THAT(CompileStatus(filter),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter.certainties[0]: unknown certainty 17"));
}

}  // namespace
}  // namespace sitrep
