#include "server/ingest/validator.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNowSeconds = 1'700'000'000;
const absl::Time kNow = absl::FromUnixSeconds(kNowSeconds) + absl::Milliseconds(250);

// A complete, valid update; each test breaks one thing.
constexpr char kValid[] = R"pb(
  event_id: "kp-ops-0001"
  mission: MISSION_KOSOVO_POLICE
  role: ROLE_FIRST_RESPONDER
  severity: SEVERITY_MODERATE
  category: CATEGORY_PUBLIC_ORDER
  incident_id: "KP-2024.08:15_a-b"
  kind: KIND_NEW
  occurred_at { seconds: 1699999940 }
  expires_at { seconds: 1700003600 }
  headline: "Crowd gathering at the Ibar bridge"
  description: "About 200 people.\n\tRoad closed."
  location {
    municipality: "Kosovska Mitrovica"
    place: "Ibar bridge, south end"
    point { latitude: 42.8914 longitude: 20.8660 }
  }
  labels { key: "unit" value: "ROSU" }
  labels { key: "source/link" value: "https://kosovopolice.com/1" }
)pb";

v1::SituationUpdate Valid() {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kValid, &update));
  return update;
}

absl::Status Validate(v1::SituationUpdate& update) {
  return ValidateAndNormalizeUpdate(update, kNow);
}

// Validates kValid with `text` merged into it (repeated fields append,
// singular fields replace).
absl::Status ValidateWith(const std::string& text) {
  v1::SituationUpdate update = Valid();
  EXPECT_TRUE(google::protobuf::TextFormat::MergeFromString(text, &update))
      << text;
  return Validate(update);
}

// Validates kValid after `edit`.
template <typename Edit>
absl::Status ValidateEdited(Edit edit) {
  v1::SituationUpdate update = Valid();
  edit(update);
  return Validate(update);
}

auto Invalid(const std::string& message) {
  return StatusIs(absl::StatusCode::kInvalidArgument, message);
}

// --- Accepted input and normalisation ---------------------------------------

TEST(ValidatorTest, CompleteUpdateIsAccepted) {
  v1::SituationUpdate update = Valid();
  EXPECT_THAT(Validate(update), IsOk());
}

TEST(ValidatorTest, MinimalStandAloneReportIsAccepted) {
  v1::SituationUpdate update;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(mission: MISSION_KFOR role: ROLE_LIAISON severity: SEVERITY_MINOR
           category: CATEGORY_DIPLOMATIC headline: "Meeting with the mayor")pb",
      &update));
  EXPECT_THAT(Validate(update), IsOk());
}

TEST(ValidatorTest, ServerSetFieldsAreCleared) {
  v1::SituationUpdate update = Valid();
  update.set_sequence(42);
  update.mutable_received_at()->set_seconds(5);
  update.set_publisher("someone-else");
  update.set_incident_version(7);
  ASSERT_THAT(Validate(update), IsOk());
  EXPECT_EQ(update.sequence(), 0u);
  EXPECT_FALSE(update.has_received_at());
  EXPECT_EQ(update.publisher(), "");
  EXPECT_EQ(update.incident_version(), 0u);
}

TEST(ValidatorTest, MissingOccurredAtIsLeftForTheLogToFillIn) {
  // The log sets it to received_at; leaving it unset here keeps a retry of
  // the same request recognisable as a duplicate.
  v1::SituationUpdate update = Valid();
  update.clear_occurred_at();
  ASSERT_THAT(Validate(update), IsOk());
  EXPECT_FALSE(update.has_occurred_at());
}

TEST(ValidatorTest, MunicipalityIsReplacedByItsCanonicalId) {
  v1::SituationUpdate update = Valid();
  ASSERT_THAT(Validate(update), IsOk());
  EXPECT_EQ(update.location().municipality(), "mitrovice");
}

TEST(ValidatorTest, FieldPrefixIsConfigurable) {
  v1::SituationUpdate update = Valid();
  update.clear_headline();
  EXPECT_THAT(ValidateAndNormalizeUpdate(update, kNow, {}, "updates[3]"),
              Invalid("updates[3].headline: is required"));
}

// --- Enums ------------------------------------------------------------------

TEST(ValidatorTest, RequiredEnumsMustBeSet) {
  EXPECT_THAT(
      ValidateEdited([](auto& u) { u.clear_mission(); }),
      Invalid("update.mission: is required; use one of MISSION_KFOR, "
              "MISSION_EULEX, MISSION_KOSOVO_POLICE"));
  EXPECT_THAT(ValidateEdited([](auto& u) { u.clear_role(); }),
              Invalid("update.role: is required; use one of "
                      "ROLE_FIRST_RESPONDER"));
  EXPECT_THAT(ValidateEdited([](auto& u) { u.clear_severity(); }),
              Invalid("update.severity: is required; use one of "
                      "SEVERITY_UNKNOWN, SEVERITY_MINOR"));
  EXPECT_THAT(ValidateEdited([](auto& u) { u.clear_category(); }),
              Invalid("update.category: is required; use one of "
                      "CATEGORY_PUBLIC_ORDER"));
}

TEST(ValidatorTest, UnknownEnumValuesAreRejected) {
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.set_mission(static_cast<v1::Mission>(17));
              }),
              Invalid("update.mission: unknown value 17; use one of "
                      "MISSION_KFOR"));
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.set_role(static_cast<v1::Role>(-1));
              }),
              Invalid("update.role: unknown value -1"));
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.set_severity(static_cast<v1::Severity>(6));
              }),
              Invalid("update.severity: unknown value 6"));
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.set_category(static_cast<v1::Category>(99));
              }),
              Invalid("update.category: unknown value 99"));
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.set_kind(static_cast<v1::Kind>(10));
              }),
              Invalid("update.kind: unknown value 10; use one of KIND_NEW"));
}

// --- Identifiers ------------------------------------------------------------

TEST(ValidatorTest, EventIdIsPrintableAsciiWithoutSpaces) {
  EXPECT_THAT(ValidateWith("event_id: 'has space'"),
              Invalid("update.event_id: contains the byte 0x20 at position 3; "
                      "use printable ASCII without spaces"));
  EXPECT_THAT(ValidateWith("event_id: 'tab\\there'"),
              Invalid("update.event_id: contains the byte 0x09 at position 3"));
  EXPECT_THAT(ValidateWith("event_id: 'caf\\303\\251'"),
              Invalid("update.event_id: contains the byte 0xC3"));
  EXPECT_THAT(ValidateWith("event_id: '" + std::string(128, 'x') + "'"),
              IsOk());
  EXPECT_THAT(ValidateWith("event_id: '" + std::string(129, 'x') + "'"),
              Invalid("update.event_id: is 129 characters long; at most 128"));
  EXPECT_THAT(ValidateWith("event_id: ''"), IsOk());
}

TEST(ValidatorTest, IncidentIdUsesItsCharacterSet) {
  EXPECT_THAT(ValidateWith("incident_id: 'KP 1'"),
              Invalid("update.incident_id: contains ' ' at position 2; use "
                      "letters, digits and . _ : - only"));
  EXPECT_THAT(ValidateWith("incident_id: 'KP/1'"),
              Invalid("update.incident_id: contains '/' at position 2"));
  EXPECT_THAT(ValidateWith("incident_id: '" + std::string(128, 'a') + "'"),
              IsOk());
  EXPECT_THAT(ValidateWith("incident_id: '" + std::string(129, 'a') + "'"),
              Invalid("update.incident_id: is 129 characters long; at most "
                      "128"));
}

// --- Kind -------------------------------------------------------------------

TEST(ValidatorTest, ExpiredKindIsServerOnly) {
  EXPECT_THAT(ValidateWith("kind: KIND_EXPIRED"),
              Invalid("update.kind: KIND_EXPIRED is set by the server only"));
}

TEST(ValidatorTest, StandAloneReportHasNoKind) {
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.clear_incident_id();
                u.clear_expires_at();
              }),
              Invalid("update.kind: must be unset for a stand-alone report "
                      "(incident_id is empty); set update.incident_id to "
                      "publish KIND_NEW into an incident thread"));
}

TEST(ValidatorTest, IncidentUpdateNeedsAKind) {
  EXPECT_THAT(ValidateEdited([](auto& u) { u.clear_kind(); }),
              Invalid("update.kind: is required with an incident_id; use "
                      "KIND_NEW to open incident 'KP-2024.08:15_a-b'"));
}

TEST(ValidatorTest, EveryPublishableKindIsAccepted) {
  for (const char* kind :
       {"KIND_NEW", "KIND_UPDATE", "KIND_REQUEST_SUPPORT", "KIND_ACKNOWLEDGE",
        "KIND_ESCALATE", "KIND_DEESCALATE", "KIND_RESOLVE", "KIND_CANCEL"}) {
    EXPECT_THAT(ValidateWith(absl::StrCat("kind: ", kind)), IsOk()) << kind;
  }
}

// --- Time -------------------------------------------------------------------

TEST(ValidatorTest, TimestampsMustBeInTheValidRange) {
  EXPECT_THAT(ValidateWith("occurred_at { seconds: -62135596801 }"),
              Invalid("update.occurred_at.seconds: -62135596801 is outside the "
                      "valid range (0001-01-01 to 9999-12-31 UTC"));
  EXPECT_THAT(ValidateWith("expires_at { seconds: 253402300800 }"),
              Invalid("update.expires_at.seconds: 253402300800 is outside"));
  EXPECT_THAT(ValidateWith("occurred_at { nanos: -1 }"),
              Invalid("update.occurred_at.nanos: -1 is outside 0..999999999"));
  EXPECT_THAT(ValidateWith("expires_at { nanos: 1000000000 }"),
              Invalid("update.expires_at.nanos: 1000000000 is outside"));
  EXPECT_THAT(ValidateWith("occurred_at { nanos: 999999999 }"), IsOk());
}

TEST(ValidatorTest, OccurredAtMayNotBeBeyondTheClockSkew) {
  const int64_t skew_edge = kNowSeconds + 300;
  EXPECT_THAT(ValidateWith(absl::StrCat("occurred_at { seconds: ", skew_edge,
                                        " } expires_at { seconds: ",
                                        skew_edge + 1, " }")),
              IsOk());
  EXPECT_THAT(
      ValidateWith(absl::StrCat("occurred_at { seconds: ", kNowSeconds + 3600,
                                " } expires_at { seconds: ",
                                kNowSeconds + 7200, " }")),
      Invalid("update.occurred_at: 2023-11-14T23:13:20Z is 1 h ahead of "
              "the server's clock (at most 5 min allowed)"));
}

TEST(ValidatorTest, ExpiresAtNeedsAnIncident) {
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.clear_incident_id();
                u.clear_kind();
              }),
              Invalid("update.expires_at: is only allowed with an incident_id; "
                      "set update.incident_id or remove expires_at"));
}

TEST(ValidatorTest, ExpiresAtMustBeAfterOccurredAt) {
  EXPECT_THAT(ValidateWith("expires_at { seconds: 1699999940 }"),
              Invalid("update.expires_at: 2023-11-14T22:12:20Z is not after "
                      "occurred_at (2023-11-14T22:12:20Z)"));
  // Without occurred_at it is compared with now.
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.clear_occurred_at();
                u.mutable_expires_at()->set_seconds(kNowSeconds);
              }),
              Invalid("update.expires_at: 2023-11-14T22:13:20Z is not after "
                      "occurred_at (2023-11-14T22:13:20.25Z)"));
}

// --- Headline, description, place -------------------------------------------

TEST(ValidatorTest, HeadlineIsRequiredAndNotBlank) {
  EXPECT_THAT(ValidateWith("headline: ''"),
              Invalid("update.headline: is required; give a short title of at "
                      "most 200 characters"));
  EXPECT_THAT(ValidateWith("headline: '   '"),
              Invalid("update.headline: is blank"));
}

TEST(ValidatorTest, HeadlineLengthCountsCodePointsNotBytes) {
  std::string two_hundred;
  for (int i = 0; i < 200; ++i) two_hundred += "\xC3\xAB";  // ë: 2 bytes
  EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_headline(two_hundred); }),
              IsOk());
  EXPECT_THAT(
      ValidateEdited([&](auto& u) { u.set_headline(two_hundred + "x"); }),
      Invalid("update.headline: is 201 characters long; at most 200 are "
              "allowed, shorten it"));
}

TEST(ValidatorTest, HeadlineRejectsEveryControlCharacter) {
  const struct {
    std::string text;
    const char* code;
  } kCases[] = {
      {std::string("a\0b", 3), "U+0000"}, {"a\nb", "U+000A"},
      {"a\tb", "U+0009"},                {"a\x1F", "U+001F"},
      {"a\x7F", "U+007F"},               {"a\xC2\x80", "U+0080"},
      {"a\xC2\x9F", "U+009F"},
  };
  for (const auto& c : kCases) {
    EXPECT_THAT(
        ValidateEdited([&](auto& u) { u.set_headline(c.text); }),
        Invalid(absl::StrCat("update.headline: contains the control character ",
                             c.code, " at character 2; remove it (a headline "
                                     "is one line; put details in description)")))
        << c.code;
  }
  // U+00A0 (no-break space) is just past C1.
  EXPECT_THAT(ValidateWith("headline: 'a\\302\\240b'"), IsOk());
}

// Issue 17, L-6: bidirectional overrides and isolates reorder what a reader
// sees; refused in every text field, naming the field and the character.
TEST(ValidatorTest, BidiControlsAreRefusedInEveryTextField) {
  const char* const kBidi[] = {"\xE2\x80\xAA", "\xE2\x80\xAE",
                               "\xE2\x81\xA6", "\xE2\x81\xA9"};
  const char* const kCodes[] = {"U+202A", "U+202E", "U+2066", "U+2069"};
  for (int i = 0; i < 4; ++i) {
    const std::string text = absl::StrCat("a", kBidi[i], "b");
    EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_headline(text); }),
                Invalid(absl::StrCat("update.headline: contains the "
                                     "bidirectional control ",
                                     kCodes[i], " at character 2")));
    EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_description(text); }),
                Invalid(absl::StrCat("update.description: contains the "
                                     "bidirectional control ",
                                     kCodes[i])));
    EXPECT_THAT(ValidateEdited([&](auto& u) {
                  u.mutable_location()->set_place(text);
                }),
                Invalid(absl::StrCat("update.location.place: contains the "
                                     "bidirectional control ",
                                     kCodes[i])));
    EXPECT_THAT(ValidateEdited([&](auto& u) {
                  (*u.mutable_labels())["unit"] = text;
                }),
                Invalid(absl::StrCat("update.labels[\"unit\"]: contains the "
                                     "bidirectional control ",
                                     kCodes[i])));
  }
  // The marks (U+200E, U+200F) are not overrides.
  EXPECT_THAT(ValidateWith("headline: 'a\\342\\200\\216b'"), IsOk());
}

TEST(ValidatorTest, LabelValuesRefuseControlCharacters) {
  EXPECT_THAT(ValidateEdited([](auto& u) {
                (*u.mutable_labels())["unit"] = "ROSU\x1B[31m";
              }),
              Invalid("update.labels[\"unit\"]: contains the control character "
                      "U+001B at character 5; remove it (a label value is one "
                      "line of text)"));
}

TEST(ValidatorTest, TextMustBeValidUtf8) {
  const struct {
    std::string bytes;
    const char* defect;
  } kCases[] = {
      {"\x80", "a continuation byte without a lead byte at byte 1"},
      {"\xC0\xAF", "an overlong encoding at byte 1"},
      {"\xC1\xBF", "an overlong encoding at byte 1"},
      {"\xE0\x80\xAF", "an overlong encoding at byte 1"},
      {"\xF0\x80\x80\xAF", "an overlong encoding at byte 1"},
      {"\xED\xA0\x80", "a UTF-16 surrogate at byte 1"},
      {"\xED\xBF\xBF", "a UTF-16 surrogate at byte 1"},
      {"\xF4\x90\x80\x80", "a code point above U+10FFFF at byte 1"},
      {"\xF5\x80\x80\x80", "a code point above U+10FFFF at byte 1"},
      {"\xF8\x88\x80\x80\x80", "a byte that never occurs in UTF-8 at byte 1"},
      {"\xFF", "a byte that never occurs in UTF-8 at byte 1"},
      {"\xE2\x82", "a truncated sequence at byte 1"},
      {"\xE2\x28\xA1", "a truncated sequence at byte 1"},
  };
  for (const auto& c : kCases) {
    const std::string text = "x" + c.bytes + "y";
    EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_headline(text); }),
                Invalid(absl::StrCat("update.headline: is not valid UTF-8 (",
                                     c.defect,
                                     "); send the text encoded as UTF-8")))
        << c.defect;
    EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_description(text); }),
                Invalid("update.description: is not valid UTF-8"))
        << c.defect;
    EXPECT_THAT(ValidateEdited([&](auto& u) {
                  u.mutable_location()->set_place(text);
                }),
                Invalid("update.location.place: is not valid UTF-8"))
        << c.defect;
  }
  // The largest code points of each length are fine.
  EXPECT_THAT(ValidateWith("headline: '\\177\\337\\277\\357\\277\\277"
                           "\\364\\217\\277\\277'"),
              Invalid("U+007F"));  // DEL is a control; the rest decode.
  EXPECT_THAT(ValidateWith("headline: 'A\\337\\277\\357\\277\\277"
                           "\\364\\217\\277\\277 Prishtin\\303\\253 "
                           "\\320\\237\\321\\200'"),
              IsOk());
}

// The text check skips printable ASCII eight bytes at a time: a defect at
// any position of a word is found and named exactly, with the characters
// before it (some of them two bytes long) counted one each.
TEST(ValidatorTest, TextDefectsAreFoundAtEveryPositionOfAWord) {
  for (int before = 0; before < 20; ++before) {
    for (const bool accented : {false, true}) {
      // `before` characters, the first of them an "ë" when `accented`.
      std::string prefix(before, 'a');
      if (accented && before > 0) prefix.replace(0, 1, "\xC3\xAB");
      const std::string after(19 - before, 'z');
      const std::string at = absl::StrCat(" at character ", before + 1);
      EXPECT_THAT(ValidateEdited([&](auto& u) {
                    u.set_headline(prefix + "\x7F" + after);
                  }),
                  Invalid(absl::StrCat("update.headline: contains the control "
                                       "character U+007F", at)))
          << before;
      EXPECT_THAT(ValidateEdited([&](auto& u) {
                    u.set_headline(prefix + "\x1F" + after);
                  }),
                  Invalid(absl::StrCat("update.headline: contains the control "
                                       "character U+001F", at)))
          << before;
      EXPECT_THAT(ValidateEdited([&](auto& u) {
                    u.set_description(prefix + "\xE2\x80\xAE" + after);
                  }),
                  Invalid(absl::StrCat("update.description: contains the "
                                       "bidirectional control U+202E", at)))
          << before;
      EXPECT_THAT(
          ValidateEdited([&](auto& u) { u.set_headline(prefix + "\x80"); }),
          Invalid(absl::StrCat("update.headline: is not valid UTF-8 (a "
                               "continuation byte without a lead byte at byte ",
                               prefix.size(), ")")))
          << before;
      // Line breaks and tabs pass where they are allowed, at any position.
      EXPECT_THAT(ValidateEdited([&](auto& u) {
                    u.set_description(prefix + "\n" + after + "\t");
                  }),
                  IsOk())
          << before;
    }
  }
  // Lengths count characters across the ASCII runs and the others.
  const std::string mixed = std::string(99, 'a') + "\xC3\xAB" +
                            std::string(99, 'b') + "\xC3\xAB";
  EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_headline(mixed); }), IsOk());
  EXPECT_THAT(ValidateEdited([&](auto& u) { u.set_headline(mixed + "c"); }),
              Invalid("update.headline: is 201 characters long"));
}

TEST(ValidatorTest, DescriptionAllowsLineBreaksAndTabsOnly) {
  EXPECT_THAT(ValidateWith("description: 'line 1\\nline 2\\tcol'"), IsOk());
  EXPECT_THAT(ValidateWith("description: 'line 1\\r\\nline 2'"), IsOk());
  EXPECT_THAT(ValidateWith("description: 'bell\\007'"),
              Invalid("update.description: contains the control character "
                      "U+0007 at character 5; remove it (only line breaks "
                      "and tabs are allowed)"));
}

TEST(ValidatorTest, DescriptionIsAtMost8KiB) {
  EXPECT_THAT(
      ValidateEdited([](auto& u) { u.set_description(std::string(8192, 'a')); }),
      IsOk());
  EXPECT_THAT(
      ValidateEdited([](auto& u) { u.set_description(std::string(8193, 'a')); }),
      Invalid("update.description: is 8193 bytes long; at most 8192 bytes are "
              "allowed, shorten it"));
}

TEST(ValidatorTest, PlaceIsOneLineOfAtMost200Characters) {
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.mutable_location()->set_place(std::string(201, 'p'));
              }),
              Invalid("update.location.place: is 201 characters long; at most "
                      "200"));
  EXPECT_THAT(ValidateWith("location { place: 'Bridge\\nNorth' }"),
              Invalid("update.location.place: contains the control character "
                      "U+000A at character 7; remove it (a place name is one "
                      "line of text)"));
}

// --- Location ---------------------------------------------------------------

TEST(ValidatorTest, UnknownMunicipalityIsRejected) {
  EXPECT_THAT(ValidateWith("location { municipality: 'Belgrade' }"),
              Invalid("update.location.municipality: 'Belgrade' is not a "
                      "municipality of Kosovo; use an Albanian, Serbian or "
                      "English name of one of the 38 municipalities"));
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.mutable_location()->set_municipality(std::string(500, 'x'));
              }),
              Invalid("update.location.municipality: is 500 bytes long"));
}

TEST(ValidatorTest, AMisspeltMunicipalityGetsASuggestion) {
  EXPECT_THAT(ValidateWith("location { municipality: 'Pristine' }"),
              Invalid("update.location.municipality: 'Pristine' is not a "
                      "municipality of Kosovo; did you mean Prishtinë? Use an "
                      "Albanian, Serbian or English name of one of the 38 "
                      "municipalities"));
}

TEST(ValidatorTest, PointMustBeInsideKosovo) {
  EXPECT_THAT(ValidateWith("location { point { latitude: 44.8 longitude: 20.4 } }"),
              Invalid("update.location.point.latitude: 44.8 is outside Kosovo "
                      "(41.5..43.5 N)"));
  EXPECT_THAT(ValidateWith("location { point { latitude: 42.6 longitude: 23.3 } }"),
              Invalid("update.location.point.longitude: 23.3 is outside Kosovo "
                      "(19.5..22 E)"));
  EXPECT_THAT(ValidateWith("location { point { latitude: 95 longitude: 21 } }"),
              Invalid("update.location.point.latitude: 95 is not a latitude"));
  EXPECT_THAT(ValidateWith("location { point { latitude: 42 longitude: 181 } }"),
              Invalid("update.location.point.longitude: 181 is not a "
                      "longitude"));
  EXPECT_THAT(ValidateWith("location { point { latitude: 0 longitude: 0 } }"),
              Invalid("update.location.point.latitude: 0 is outside Kosovo"));
}

TEST(ValidatorTest, SwappedCoordinatesAreNamedAsSuch) {
  EXPECT_THAT(
      ValidateWith("location { point { latitude: 21.16 longitude: 42.66 } }"),
      Invalid("update.location.point: (21.16, 42.66) is outside Kosovo but "
              "(42.66, 21.16) is inside; latitude and longitude look swapped"));
}

// The point of kValid (the Ibar bridge) with another municipality: Prizren's
// seat is 76 km away, farther than any point of Prizren can be.
TEST(ValidatorTest, APointFarFromItsMunicipalityIsRefused) {
  EXPECT_THAT(
      ValidateWith("location { municipality: 'Prizren' }"),
      Invalid("update.location.point: (42.8914, 20.866) is 76.0 km from "
              "Prizren, the seat of update.location.municipality Prizren; a "
              "point may lie at most 40 km from its municipality's seat. "
              "Check the point or the municipality, or leave one of them "
              "out"));
}

TEST(ValidatorTest, APointNearItsMunicipalitysSeatIsAccepted) {
  // Far corners of large municipalities: Rugova at the Montenegrin border
  // (Pejë, 22.6 km from its seat), the northern tip of Kosovo (Leposaviq).
  EXPECT_THAT(ValidateWith("location { municipality: 'Pejë' "
                           "point { latitude: 42.74 longitude: 20.035 } }"),
              IsOk());
  EXPECT_THAT(ValidateWith("location { municipality: 'Leposaviq' "
                           "point { latitude: 43.25 longitude: 20.80 } }"),
              IsOk());
  // Without a municipality, a point anywhere in Kosovo is fine.
  EXPECT_THAT(ValidateWith("location { municipality: '' "
                           "point { latitude: 42.2 longitude: 20.7 } }"),
              IsOk());
}

TEST(ValidatorTest, NonFiniteCoordinatesAreRejected) {
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.mutable_location()->mutable_point()->set_latitude(NAN);
              }),
              Invalid("update.location.point.latitude: nan is not a latitude"));
  EXPECT_THAT(ValidateEdited([](auto& u) {
                u.mutable_location()->mutable_point()->set_longitude(INFINITY);
              }),
              Invalid("update.location.point.longitude: inf is not a "
                      "longitude"));
}

// --- Labels -----------------------------------------------------------------

TEST(ValidatorTest, AtMost32Labels) {
  auto with_labels = [](int count) {
    return ValidateEdited([count](auto& u) {
      u.clear_labels();
      for (int i = 0; i < count; ++i) {
        (*u.mutable_labels())[absl::StrCat("k", i)] = "v";
      }
    });
  };
  EXPECT_THAT(with_labels(32), IsOk());
  EXPECT_THAT(with_labels(33),
              Invalid("update.labels: has 33 labels; at most 32 are allowed"));
}

TEST(ValidatorTest, LabelKeysFollowTheKeyRule) {
  EXPECT_THAT(ValidateWith("labels { key: 'bad key' value: 'v' }"),
              Invalid("update.labels[\"bad key\"]: key has a character outside "
                      "the set; label keys are 1..63 characters of letters, "
                      "digits and . _ / -, starting with a letter or digit"));
  EXPECT_THAT(ValidateWith("labels { key: '' value: 'v' }"),
              Invalid("update.labels[\"\"]: empty key"));
  EXPECT_THAT(ValidateWith("labels { key: '-unit' value: 'v' }"),
              Invalid("update.labels[\"-unit\"]: key must start with a letter "
                      "or digit"));
  EXPECT_THAT(ValidateWith("labels { key: '" + std::string(63, 'k') +
                           "' value: 'v' }"),
              IsOk());
  EXPECT_THAT(ValidateWith("labels { key: '" + std::string(64, 'k') +
                           "' value: 'v' }"),
              Invalid("update.labels[\"" + std::string(64, 'k') +
                      "\"]: key is 64 characters long"));
}

TEST(ValidatorTest, LabelKeysAreQuotedSafelyInThePath) {
  EXPECT_THAT(ValidateWith("labels { key: 'a\"b\\n' value: 'v' }"),
              Invalid("update.labels[\"a\\\"b\\n\"]: key has a character"));
  EXPECT_THAT(ValidateWith("labels { key: '" + std::string(100, '?') +
                           "' value: 'v' }"),
              Invalid("update.labels[\"" + std::string(64, '?') + "...\"]:"));
}

TEST(ValidatorTest, LabelValuesAreUtf8OfAtMost256Bytes) {
  EXPECT_THAT(ValidateWith("labels { key: 'unit' value: '" +
                           std::string(256, 'v') + "' }"),
              IsOk());
  EXPECT_THAT(ValidateWith("labels { key: 'unit' value: '" +
                           std::string(257, 'v') + "' }"),
              Invalid("update.labels[\"unit\"]: is 257 bytes long; at most "
                      "256 bytes"));
  EXPECT_THAT(ValidateWith("labels { key: 'unit' value: '\\300\\257' }"),
              Invalid("update.labels[\"unit\"]: is not valid UTF-8 (an "
                      "overlong encoding at byte 0)"));
}

TEST(ValidatorTest, FirstLabelErrorDoesNotDependOnMapOrder) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXPECT_THAT(ValidateWith("labels { key: 'z z' value: 'v' } "
                             "labels { key: 'a a' value: 'v' }"),
                Invalid("update.labels[\"a a\"]"));
  }
}

// --- Error messages ---------------------------------------------------------

TEST(ValidatorTest, EveryErrorStartsWithTheFieldPath) {
  for (const char* change :
       {"mission: 0", "headline: ''", "kind: KIND_EXPIRED",
        "location { point { latitude: 1 } }", "labels { key: '!' value: '' }"}) {
    const absl::Status status = ValidateWith(change);
    EXPECT_THAT(std::string(status.message()), StartsWith("update.")) << change;
    EXPECT_THAT(std::string(status.message()), HasSubstr(": ")) << change;
  }
}

// --- The security chain: what the validator checks alone ---------------------

TEST(ValidatorChainTest, AMissionActsAsItsOwnTierOrAsANonResponder) {
  EXPECT_THAT(ValidateWith("mission: MISSION_KFOR role: ROLE_FIRST_RESPONDER"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.role: ROLE_FIRST_RESPONDER is not KFOR's tier"));
  EXPECT_THAT(ValidateWith("mission: MISSION_KFOR role: ROLE_SECOND_RESPONDER "
                           "kind: KIND_DEESCALATE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "use ROLE_THIRD_RESPONDER"));
  EXPECT_THAT(ValidateWith("mission: MISSION_KFOR role: ROLE_THIRD_RESPONDER"),
              IsOk());
  EXPECT_THAT(ValidateWith("mission: MISSION_EULEX role: ROLE_LIAISON "
                           "kind: KIND_UPDATE"),
              IsOk());
}

TEST(ValidatorChainTest, ChainKindsAreResponderActions) {
  EXPECT_THAT(ValidateWith("role: ROLE_LIAISON kind: KIND_ESCALATE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.role: KIND_ESCALATE is an action of a "
                       "responder tier"));
  EXPECT_THAT(ValidateWith("role: ROLE_SUPPORT kind: KIND_NEW"),
              StatusIs(absl::StatusCode::kInvalidArgument, "update.role"));
}

TEST(ValidatorChainTest, TargetTierOnlyForRequestsAndHandBacks) {
  EXPECT_THAT(ValidateWith("kind: KIND_REQUEST_SUPPORT "
                           "target_tier: ROLE_THIRD_RESPONDER"),
              IsOk());
  EXPECT_THAT(ValidateWith("kind: KIND_UPDATE target_tier: ROLE_THIRD_RESPONDER"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.target_tier: only KIND_REQUEST_SUPPORT"));
  EXPECT_THAT(ValidateWith("kind: KIND_DEESCALATE target_tier: ROLE_LIAISON"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.target_tier: must be a responder tier"));
}

TEST(ValidatorChainTest, AChainExceptionNeedsAReasonAndAnIncident) {
  EXPECT_THAT(ValidateWith("chain_exception { reason: 'protecting life' }"),
              IsOk());
  EXPECT_THAT(ValidateWith("chain_exception { reason: '  ' }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.chain_exception.reason: is required"));
  EXPECT_THAT(ValidateWith("chain_exception { reason: 'x' } incident_id: '' "
                           "kind: KIND_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.chain_exception: only an incident update"));
  EXPECT_THAT(ValidateWith(absl::StrCat("chain_exception { reason: '",
                                        std::string(501, 'a'), "' }")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.chain_exception.reason: is 501 characters"));
}

TEST(ValidatorChainTest, TheCarriedLocationMarkIsTheServers) {
  v1::SituationUpdate update = Valid();
  update.set_location_carried(true);
  ASSERT_THAT(Validate(update), IsOk());
  EXPECT_FALSE(update.location_carried());
}

// --- CAP fields (issue 22) ---------------------------------------------------

TEST(ValidatorTest, CapFieldsAreAccepted) {
  v1::SituationUpdate update = Valid();
  ASSERT_TRUE(google::protobuf::TextFormat::MergeFromString(
      R"pb(status: STATUS_EXERCISE urgency: URGENCY_IMMEDIATE
           certainty: CERTAINTY_LIKELY
           response_types: [ RESPONSE_TYPE_AVOID, RESPONSE_TYPE_MONITOR ]
           instruction: "Avoid the bridge.\nUse the eastern crossing."
           language: "sr-Latn-RS"
           releasability { scope: SCOPE_RESTRICTED restriction: "EU and NATO staff" }
           area { description: "North bank"
                  circle { center { latitude: 42.89 longitude: 20.87 } radius_km: 2 } })pb",
      &update));
  EXPECT_THAT(Validate(update), IsOk());
}

TEST(ValidatorTest, DeprecatedExerciseCategoryBecomesTheExerciseStatus) {
  v1::SituationUpdate update = Valid();
  // The deprecated value is what old publishers send.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  update.set_category(v1::CATEGORY_EXERCISE);
#pragma GCC diagnostic pop
  ASSERT_THAT(Validate(update), IsOk());
  EXPECT_EQ(update.status(), v1::STATUS_EXERCISE);
  EXPECT_EQ(update.category(), v1::CATEGORY_OTHER);

  EXPECT_THAT(ValidateWith("category: CATEGORY_EXERCISE status: STATUS_EXERCISE"),
              IsOk());
  EXPECT_THAT(ValidateWith("category: CATEGORY_EXERCISE status: STATUS_ACTUAL"),
              Invalid("update.category: CATEGORY_EXERCISE (deprecated) says "
                      "status STATUS_EXERCISE, but status is STATUS_ACTUAL"));
}

TEST(ValidatorTest, UnknownCapEnumValuesAreRejected) {
  EXPECT_THAT(ValidateEdited([](v1::SituationUpdate& u) {
                u.set_status(static_cast<v1::Status>(4));
              }),
              Invalid("update.status: unknown value 4; use one of "
                      "STATUS_ACTUAL, STATUS_EXERCISE, STATUS_TEST"));
  EXPECT_THAT(ValidateEdited([](v1::SituationUpdate& u) {
                u.set_certainty(static_cast<v1::Certainty>(9));
              }),
              Invalid("update.certainty: unknown value 9"));
  EXPECT_THAT(ValidateEdited([](v1::SituationUpdate& u) {
                u.set_urgency(static_cast<v1::Urgency>(9));
              }),
              Invalid("update.urgency: unknown value 9"));
  EXPECT_THAT(ValidateEdited([](v1::SituationUpdate& u) {
                u.mutable_releasability()->set_scope(static_cast<v1::Scope>(3));
              }),
              Invalid("update.releasability.scope: unknown value 3"));
}

TEST(ValidatorTest, ResponseTypesAreKnownAndListedOnce) {
  EXPECT_THAT(ValidateWith("response_types: RESPONSE_TYPE_UNSPECIFIED"),
              Invalid("update.response_types[0]: RESPONSE_TYPE_UNSPECIFIED is "
                      "not a response"));
  EXPECT_THAT(ValidateWith("response_types: [RESPONSE_TYPE_AVOID, RESPONSE_TYPE_AVOID]"),
              Invalid("update.response_types[1]: RESPONSE_TYPE_AVOID is listed "
                      "twice"));
}

TEST(ValidatorTest, InstructionIsUtf8OfAtMost2KiB) {
  EXPECT_THAT(ValidateEdited([](v1::SituationUpdate& u) {
                u.set_instruction(std::string(2049, 'a'));
              }),
              Invalid("update.instruction: is 2049 bytes long; at most 2048"));
  EXPECT_THAT(ValidateWith(R"pb(instruction: "a\x01b")pb"),
              Invalid("update.instruction: contains the control character U+0001"));
}

TEST(ValidatorTest, LanguageIsABcp47Tag) {
  for (const char* tag : {"sq", "sr-Latn", "en-GB", "sr-Cyrl-RS", "de-CH-1996",
                          "zh-yue-HK", "en-a-bbb-x-ccc", "x-klingon", "es-419"}) {
    v1::SituationUpdate update = Valid();
    update.set_language(tag);
    EXPECT_THAT(Validate(update), IsOk()) << tag;
  }
  for (const char* tag : {"1en", "en_GB", "e", "en-", "-en", "en--GB",
                          "en-a", "toolongtag1", "en-GB-x"}) {
    v1::SituationUpdate update = Valid();
    update.set_language(tag);
    EXPECT_THAT(Validate(update),
                Invalid(absl::StrCat("update.language: '", tag,
                                     "' is not a BCP 47 language tag")))
        << tag;
  }
}

TEST(ValidatorTest, RestrictionNeedsTheRestrictedScope) {
  EXPECT_THAT(ValidateWith(R"pb(releasability { restriction: "staff" })pb"),
              Invalid("update.releasability.restriction: is only for "
                      "SCOPE_RESTRICTED"));
  EXPECT_THAT(ValidateWith(R"pb(releasability { scope: SCOPE_PUBLIC })pb"), IsOk());
}

TEST(ValidatorTest, AreaCircleLiesInKosovo) {
  EXPECT_THAT(ValidateWith(R"pb(area { circle { radius_km: 1 } })pb"),
              Invalid("update.area.circle.center: is required"));
  EXPECT_THAT(ValidateWith(R"pb(area { circle { center { latitude: 44 longitude: 21 }
                                                radius_km: 1 } })pb"),
              Invalid("update.area.circle.center.latitude: 44 is outside Kosovo"));
  EXPECT_THAT(ValidateWith(R"pb(area { circle { center { latitude: 21 longitude: 42.6 }
                                                radius_km: 1 } })pb"),
              Invalid("update.area.circle.center: (21, 42.6) is outside Kosovo "
                      "but (42.6, 21) is inside"));
  EXPECT_THAT(ValidateWith(R"pb(area { circle { center { latitude: 42.6 longitude: 21 }
                                                radius_km: 0 } })pb"),
              Invalid("update.area.circle.radius_km: 0 is not a radius"));
  EXPECT_THAT(ValidateWith(R"pb(area { circle { center { latitude: 43.4 longitude: 21 }
                                                radius_km: 50 } })pb"),
              Invalid("update.area.circle: a circle of 50 km around (43.4, 21) "
                      "reaches outside Kosovo"));
  EXPECT_THAT(ValidateWith(R"pb(area { description: "x" })pb"),
              Invalid("update.area: has no shape"));
}

TEST(ValidatorTest, AreaPolygonIsClosedAndLiesInKosovo) {
  v1::SituationUpdate update = Valid();
  ASSERT_TRUE(google::protobuf::TextFormat::MergeFromString(
      R"pb(area { polygon { points { latitude: 42.8 longitude: 20.8 }
                            points { latitude: 42.9 longitude: 20.8 }
                            points { latitude: 42.9 longitude: 20.9 } } })pb",
      &update));
  ASSERT_THAT(Validate(update), IsOk());
  ASSERT_EQ(update.area().polygon().points_size(), 4);
  EXPECT_EQ(update.area().polygon().points(3).latitude(), 42.8);

  EXPECT_THAT(ValidateWith(R"pb(area { polygon { points { latitude: 42.8 longitude: 20.8 }
                                                 points { latitude: 42.9 longitude: 20.8 } } })pb"),
              Invalid("update.area.polygon.points: has 3 points (closed); a "
                      "polygon needs 4 to 100"));
  EXPECT_THAT(ValidateWith(R"pb(area { polygon { points { latitude: 42.8 longitude: 20.8 }
                                                 points { latitude: 45.9 longitude: 20.8 }
                                                 points { latitude: 42.9 longitude: 20.9 } } })pb"),
              Invalid("update.area.polygon.points[1].latitude: 45.9 is outside "
                      "Kosovo"));
}

TEST(ValidatorTest, StatusCarriedIsServerSet) {
  v1::SituationUpdate update = Valid();
  update.set_status_carried(true);
  ASSERT_THAT(Validate(update), IsOk());
  EXPECT_FALSE(update.status_carried());
}

}  // namespace
}  // namespace sitrep
