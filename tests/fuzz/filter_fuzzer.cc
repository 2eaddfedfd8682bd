// Subscribe / ListUpdates / GetSituation as a hostile subscriber sees them:
// arbitrary bytes parsed as a v1::Filter, compiled by FilterMatcher::Compile
// (server/filter/filter_matcher.h; municipalities through
// NormalizeMunicipality, the label selector through LabelSelector), and a
// compiled filter matched against fixed stored updates, including ones with
// enum values unknown to this build and a NaN point.
//
// Checks: an error is INVALID_ARGUMENT naming a field under "filter.", short
// and valid UTF-8; tighter limits never accept what the defaults reject and
// never change a match; MatchesEverything() means every update matches;
// Missions() never excludes a matching update's mission.
//
// Seeds: corpus/filter/*.txtpb, encoded to the wire format when the ctest
// copies them (see run_fuzzer.sh).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "server/filter/filter_matcher.h"
#include "sitrep/v1/filter.pb.h"
#include "sitrep/v1/situation_update.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using sitrep::FilterMatcher;
using sitrep::v1::SituationUpdate;

SituationUpdate Parse(const std::string& text) {
  SituationUpdate update;
  if (!google::protobuf::TextFormat::ParseFromString(text, &update)) {
    std::abort();  // a broken fixture, not a finding
  }
  return update;
}

// Stored updates (municipality already canonical, as the validator leaves
// it), plus what a newer server or a damaged row could hold.
const std::vector<SituationUpdate>& Updates() {
  static const auto* const updates = [] {
    const std::string base = R"pb(
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
    auto* v = new std::vector<SituationUpdate>;
    v->push_back(Parse(base));
    v->push_back(Parse(R"pb(
      sequence: 8
      mission: MISSION_KFOR
      role: ROLE_THIRD_RESPONDER
      severity: SEVERITY_SEVERE
      category: CATEGORY_BORDER_CROSSING
      headline: "Jarinje crossing closed"
      location { municipality: "leposaviq" place: "Jarinje" }
      labels { key: "env" value: "a" }
    )pb"));
    v->push_back(Parse(R"pb(
      sequence: 9
      mission: MISSION_EULEX
      role: ROLE_SUPPORT
      severity: SEVERITY_EXTREME
      category: CATEGORY_EXPLOSIVE_HAZARD
      incident_id: "EU:7"
      kind: KIND_EXPIRED
      headline: "Device found"
      location {
        municipality: "prishtine"
        point { latitude: 42.8 longitude: 20.8 }
      }
    )pb"));
    v->push_back(Parse("sequence: 10 headline: \"bare\""));
    SituationUpdate unknown = Parse(base);
    unknown.set_mission(static_cast<sitrep::v1::Mission>(40));
    unknown.set_role(static_cast<sitrep::v1::Role>(-3));
    unknown.set_severity(static_cast<sitrep::v1::Severity>(9));
    unknown.set_category(static_cast<sitrep::v1::Category>(31));
    unknown.set_kind(static_cast<sitrep::v1::Kind>(1 << 20));
    v->push_back(unknown);
    SituationUpdate nan = Parse(base);
    nan.mutable_location()->mutable_point()->set_latitude(std::nan(""));
    nan.mutable_location()->mutable_point()->set_longitude(-INFINITY);
    v->push_back(nan);
    return v;
  }();
  return *updates;
}

void CheckError(const absl::Status& s, const sitrep::v1::Filter& filter) {
  SITREP_FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument,
                    "unexpected code: ", s.ToString());
  SITREP_FUZZ_CHECK(absl::StartsWith(s.message(), "filter."),
                    "error does not name a field: ", s.ToString());
  SITREP_FUZZ_CHECK(s.message().size() <= 1024, "message of ",
                    s.message().size(), " bytes: ", s.ToString());
  // Every string of a parsed proto3 message is valid UTF-8, so the error
  // about it must be too: it travels in a BadRequest detail.
  SITREP_FUZZ_CHECK(sitrep::fuzz::IsValidUtf8(s.message()),
                    "invalid UTF-8 in the error: ", s.ToString(), " for ",
                    filter.ShortDebugString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sitrep::v1::Filter filter;
  if (!filter.ParseFromArray(data, static_cast<int>(size))) return 0;

  absl::StatusOr<std::unique_ptr<const FilterMatcher>> matcher =
      FilterMatcher::Compile(filter);
  sitrep::FilterLimits tight;
  tight.max_values_per_field = 2;
  tight.max_label_requirements = 2;
  tight.max_label_selector_bytes = 64;
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> tightly =
      FilterMatcher::Compile(filter, tight);
  // The bare field names, as a caller with its own prefix uses them.
  (void)FilterMatcher::Compile(filter, {}, "");

  if (!matcher.ok()) {
    CheckError(matcher.status(), filter);
    SITREP_FUZZ_CHECK(!tightly.ok(),
                      "tighter limits accept what the "
                      "defaults reject: ",
                      matcher.status().ToString());
    return 0;
  }
  if (!tightly.ok()) CheckError(tightly.status(), filter);

  // Read rights narrow, never widen: compiled for a KFOR-only reader, the
  // filter matches what it matched anyway, of KFOR only.
  const sitrep::MissionSet kfor_only =
      sitrep::MissionSet::Of(sitrep::v1::MISSION_KFOR);
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> narrowed =
      FilterMatcher::Compile(filter, {}, "filter", kfor_only);
  SITREP_FUZZ_CHECK(narrowed.ok(), "read rights make a valid filter fail: ",
                    narrowed.status().ToString());
  SITREP_FUZZ_CHECK(((*narrowed)->Missions().bits() & ~kfor_only.bits()) == 0,
                    "Missions() beyond the readable missions for ",
                    filter.ShortDebugString());

  const FilterMatcher& m = **matcher;
  for (const SituationUpdate& update : Updates()) {
    const bool matches = m.Matches(update);
    const bool kfor = update.mission() == sitrep::v1::MISSION_KFOR;
    SITREP_FUZZ_CHECK((*narrowed)->Readable(update) == kfor,
                      "Readable() wrong for update ", update.sequence());
    SITREP_FUZZ_CHECK((*narrowed)->Matches(update) == (matches && kfor),
                      "read rights change the match of update ",
                      update.sequence(), " for ", filter.ShortDebugString());
    if (m.MatchesEverything()) {
      SITREP_FUZZ_CHECK(matches, "MatchesEverything() but not update ",
                        update.sequence(), " for ", filter.ShortDebugString());
    }
    if (matches) {
      SITREP_FUZZ_CHECK(m.Missions().Contains(update.mission()),
                        "Missions() excludes matching update ",
                        update.sequence(), " for ", filter.ShortDebugString());
    }
    if (tightly.ok()) {
      SITREP_FUZZ_CHECK((*tightly)->Matches(update) == matches,
                        "the limits change the match of update ",
                        update.sequence(), " for ", filter.ShortDebugString());
    }
  }
  return 0;
}
