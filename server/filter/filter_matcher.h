#ifndef SITREP_SERVER_FILTER_FILTER_MATCHER_H_
#define SITREP_SERVER_FILTER_FILTER_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/filter/wake_keys.h"
#include "server/incident/mission_set.h"
#include "sitrep/v1/filter.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// Limits on the size of a filter, so that a hostile subscriber cannot make
// every publish expensive. Exceeding one is INVALID_ARGUMENT naming the field.
struct FilterLimits {
  // Values of each repeated field (missions, roles, categories,
  // municipalities, incident_ids, kinds), and of each "in (...)" set of the
  // label selector.
  int max_values_per_field = 64;
  // Comma-separated requirements of label_selector.
  int max_label_requirements = 32;
  // Length of label_selector in bytes.
  size_t max_label_selector_bytes = 4096;
};

// A v1::Filter compiled once (enums into bitsets, municipalities normalised
// to their ids, the label selector parsed) and then matched against many
// updates.
//
// Thread safety: immutable after Compile; Matches may be called concurrently.
class FilterMatcher {
 public:
  virtual ~FilterMatcher() = default;

  // True when `update` satisfies every set field of the filter (AND across
  // fields, OR within a repeated field). Runs for every (update, subscriber)
  // pair: cheapest checks first, and it never allocates.
  //
  // `update` is a stored update: location.municipality is compared with the
  // canonical ids as the publisher's validator left it (no re-normalising
  // here). A restricted min_severity does not match SEVERITY_UNSPECIFIED or
  // a value above EXTREME; a bounding box does not match an update without
  // location.point.
  // An update of a mission outside the reader's rights never matches.
  virtual bool Matches(const v1::SituationUpdate& update) const = 0;

  // True when the reader may see `update` at all (its mission is among the
  // readable missions given to Compile). Matches() implies it; callers that
  // admit an update for another reason (its incident's previous update
  // matched) must check it themselves.
  virtual bool Readable(const v1::SituationUpdate& update) const = 0;

  // True when the filter restricts nothing (every update matches).
  virtual bool MatchesEverything() const = 0;

  // True when the filter selects by `kinds`: it asks for events of those
  // kinds, not for a view of incidents, so an incident "leaving" it means
  // nothing (see SubscriberCursor).
  virtual bool RestrictsKinds() const = 0;

  // True when the filter selects by `statuses`. The situation counts
  // STATUS_ACTUAL only unless it does (SituationIndex::Take).
  virtual bool RestrictsStatuses() const = 0;

  // If the filter or the reader's rights restrict missions, the allowed
  // missions; otherwise MissionSet::All(). Lets the fan-out skip cursors
  // and the log skip rows cheaply.
  virtual MissionSet Missions() const = 0;

  // The keys under which a subscriber with this filter waits for new
  // updates (wake_keys.h): every update it matches carries one of them.
  // They come from the most selective field the filter restricts
  // (incident ids, a label requirement, municipalities, categories, kinds,
  // roles, min_severity, missions, in that order); AnyUpdateWakeKey() when
  // it restricts none of these (a bounding box alone, `!key`). The default
  // follows missions only.
  virtual std::vector<WakeKey> WakeKeys() const {
    return MissionWakeKeys(Missions());
  }

  // Compiles `filter`. INVALID_ARGUMENT names the offending field with
  // `field_prefix` ("filter") in front: "filter.municipalities[2]: 'Foo' is
  // not a municipality of Kosovo", "filter.label_selector: ...",
  // "filter.missions[0]: unknown mission 17", "filter.missions[1]:
  // MISSION_UNSPECIFIED ...", "filter.bounding_box: ...", "filter.kinds: has
  // 65 values; ...". An empty `field_prefix` names the bare field.
  //
  // `readable_missions` are the missions the reader may read; updates of other missions never match, whatever the filter
  // says (auth/read_rights.h rejects a filter naming them beforehand).
  static absl::StatusOr<std::unique_ptr<const FilterMatcher>> Compile(
      const v1::Filter& filter, const FilterLimits& limits = {},
      absl::string_view field_prefix = "filter",
      MissionSet readable_missions = MissionSet::All());
};

}  // namespace sitrep

#endif  // SITREP_SERVER_FILTER_FILTER_MATCHER_H_
