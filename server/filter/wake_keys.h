#ifndef SITREP_SERVER_FILTER_WAKE_KEYS_H_
#define SITREP_SERVER_FILTER_WAKE_KEYS_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/incident/mission_set.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// Keys that file a waiting subscriber with the Feed (fanout/wake_index.h)
// finer than by mission, so that an append wakes only the subscribers that
// may want it (issue 17, M-5: a thousand streams whose filters never match
// must cost nothing per append).
//
// The rule that keeps it sound: a filter's keys all come from ONE field it
// restricts (FilterMatcher::WakeKeys()), one key per value it allows, and an
// update carries the key of its value for every field. The filter ANDs its
// fields, so an update it matches has that field's value among the allowed
// ones and shares a key with it. Keys are 64-bit hashes; a collision only
// wakes a subscriber for nothing.
using WakeKey = uint64_t;

// Which field a key is about.
enum class WakeField : int {
  kAny = 0,  // every update carries it: the key of "matches everything"
  kMission,
  kRole,
  kCategory,
  kKind,
  kSeverity,
  kMunicipality,
  kIncident,
  kLabelPresent,  // the label exists, whatever its value
  kLabelValue,    // the label has this value
};

WakeKey MakeWakeKey(WakeField field, int value);
WakeKey MakeWakeKey(WakeField field, absl::string_view value);
WakeKey MakeLabelValueKey(absl::string_view key, absl::string_view value);
inline WakeKey AnyUpdateWakeKey() { return MakeWakeKey(WakeField::kAny, 0); }

// Appends the keys `update` carries: one per field value, two per label.
void AppendWakeKeys(const v1::SituationUpdate& update,
                    std::vector<WakeKey>* keys);

// The keys of the missions in `missions` (All(): AnyUpdateWakeKey()), for
// waiters that follow missions only.
std::vector<WakeKey> MissionWakeKeys(MissionSet missions);

}  // namespace sitrep

#endif  // SITREP_SERVER_FILTER_WAKE_KEYS_H_
