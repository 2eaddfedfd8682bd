#include "server/auth/read_rights.h"

#include "absl/strings/str_cat.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

absl::Status CheckReadRights(const Principal& principal,
                             const v1::Filter& filter,
                             absl::string_view field_prefix) {
  if (principal.read_missions == 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal '", principal.name, "' may not read any mission"));
  }
  for (int i = 0; i < filter.missions_size(); ++i) {
    const int mission = filter.missions(i);
    if (!principal.MayRead(mission)) {
      return absl::PermissionDeniedError(absl::StrCat(
          field_prefix, field_prefix.empty() ? "" : ".", "missions[", i,
          "]: principal '", principal.name, "' may not read ",
          v1::Mission_IsValid(mission) ? v1::Mission_Name(mission)
                                       : absl::StrCat("mission ", mission)));
    }
  }
  return absl::OkStatus();
}

}  // namespace sitrep
