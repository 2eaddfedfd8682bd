#ifndef SITREP_SERVER_INCIDENT_UPDATE_STATUS_H_
#define SITREP_SERVER_INCIDENT_UPDATE_STATUS_H_

#include "sitrep/v1/situation_feed.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The status an update counts with: its `status`, or for one that says
// none, STATUS_EXERCISE when it carries the deprecated CATEGORY_EXERCISE (a
// row stored before the status existed and not upgraded yet) and
// STATUS_ACTUAL otherwise. Filters, the situation, the gauges and the CAP
// output all read the status through this, so a store that is upgraded
// lazily (JetStream) and one upgraded in place (SQLite) answer alike.
v1::Status EffectiveStatus(const v1::SituationUpdate& update);

// The certainty an update counts with: CERTAINTY_UNKNOWN when not said.
v1::Certainty EffectiveCertainty(const v1::SituationUpdate& update);

// True when the update counts as a real incident (EffectiveStatus is
// STATUS_ACTUAL).
inline bool IsActual(const v1::SituationUpdate& update) {
  return EffectiveStatus(update) == v1::STATUS_ACTUAL;
}

// Rewrites the deprecated CATEGORY_EXERCISE into status STATUS_EXERCISE and
// category CATEGORY_OTHER (the category that remains: the old value said
// nothing else about the update). Returns true when it changed `update`.
// Used by the validator on publish and by the stores on upgrade and read.
bool UpgradeExerciseCategory(v1::SituationUpdate* update);
// The same for an incident's folded state (its category and latest update).
bool UpgradeExerciseCategory(v1::Incident* incident);

}  // namespace sitrep

#endif  // SITREP_SERVER_INCIDENT_UPDATE_STATUS_H_
