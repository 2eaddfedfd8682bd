#include "server/filter/wake_keys.h"

#include <tuple>

#include "absl/hash/hash.h"

namespace sitrep {

WakeKey MakeWakeKey(WakeField field, int value) {
  return absl::Hash<std::tuple<int, int>>{}(
      std::make_tuple(static_cast<int>(field), value));
}

WakeKey MakeWakeKey(WakeField field, absl::string_view value) {
  return absl::Hash<std::tuple<int, absl::string_view>>{}(
      std::make_tuple(static_cast<int>(field), value));
}

WakeKey MakeLabelValueKey(absl::string_view key, absl::string_view value) {
  return absl::Hash<std::tuple<int, absl::string_view, absl::string_view>>{}(
      std::make_tuple(static_cast<int>(WakeField::kLabelValue), key, value));
}

void AppendWakeKeys(const v1::SituationUpdate& update,
                    std::vector<WakeKey>* keys) {
  keys->push_back(AnyUpdateWakeKey());
  keys->push_back(MakeWakeKey(WakeField::kMission, update.mission()));
  keys->push_back(MakeWakeKey(WakeField::kRole, update.role()));
  keys->push_back(MakeWakeKey(WakeField::kCategory, update.category()));
  keys->push_back(MakeWakeKey(WakeField::kKind, update.kind()));
  keys->push_back(MakeWakeKey(WakeField::kSeverity, update.severity()));
  if (!update.location().municipality().empty()) {
    keys->push_back(MakeWakeKey(WakeField::kMunicipality,
                                update.location().municipality()));
  }
  if (!update.incident_id().empty()) {
    keys->push_back(MakeWakeKey(WakeField::kIncident, update.incident_id()));
  }
  for (const auto& [key, value] : update.labels()) {
    keys->push_back(MakeWakeKey(WakeField::kLabelPresent, key));
    keys->push_back(MakeLabelValueKey(key, value));
  }
}

std::vector<WakeKey> MissionWakeKeys(MissionSet missions) {
  if (missions.IsAll()) return {AnyUpdateWakeKey()};
  std::vector<WakeKey> keys;
  for (int mission = 0; mission < 32; ++mission) {
    if (missions.Contains(mission)) {
      keys.push_back(MakeWakeKey(WakeField::kMission, mission));
    }
  }
  return keys;
}

}  // namespace sitrep
