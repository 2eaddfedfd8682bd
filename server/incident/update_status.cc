#include "server/incident/update_status.h"

namespace sitrep {

v1::Status EffectiveStatus(const v1::SituationUpdate& update) {
  if (update.status() != v1::STATUS_UNSPECIFIED) return update.status();
  // The deprecated value is read on purpose: it is what old rows say.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return update.category() == v1::CATEGORY_EXERCISE ? v1::STATUS_EXERCISE
                                                     : v1::STATUS_ACTUAL;
#pragma GCC diagnostic pop
}

v1::Certainty EffectiveCertainty(const v1::SituationUpdate& update) {
  return update.certainty() == v1::CERTAINTY_UNSPECIFIED ? v1::CERTAINTY_UNKNOWN
                                                         : update.certainty();
}

bool UpgradeExerciseCategory(v1::SituationUpdate* update) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (update->category() != v1::CATEGORY_EXERCISE) return false;
#pragma GCC diagnostic pop
  update->set_category(v1::CATEGORY_OTHER);
  if (update->status() == v1::STATUS_UNSPECIFIED) {
    update->set_status(v1::STATUS_EXERCISE);
  }
  return true;
}

bool UpgradeExerciseCategory(v1::Incident* incident) {
  bool changed = false;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (incident->category() == v1::CATEGORY_EXERCISE) {
    incident->set_category(v1::CATEGORY_OTHER);
    changed = true;
  }
#pragma GCC diagnostic pop
  if (incident->has_latest()) {
    changed = UpgradeExerciseCategory(incident->mutable_latest()) || changed;
  }
  return changed;
}

}  // namespace sitrep
