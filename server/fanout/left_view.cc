#include "server/fanout/left_view.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/incident/tiers.h"

namespace sitrep {
namespace {

std::string SeverityWord(v1::Severity severity) {
  std::string name = v1::Severity_Name(severity);
  absl::string_view word = name;
  word.remove_prefix(sizeof("SEVERITY_") - 1);
  return absl::AsciiStrToLower(word);
}

}  // namespace

std::string LeftViewReason(const v1::SituationUpdate& update,
                           const v1::SituationUpdate& previous) {
  const std::string by = MissionDisplayName(update.mission());
  switch (update.kind()) {
    case v1::KIND_RESOLVE:
      return absl::StrCat("resolved by ", by);
    case v1::KIND_CANCEL:
      return absl::StrCat("cancelled by ", by);
    case v1::KIND_EXPIRED:
      return "expired";
    case v1::KIND_ACKNOWLEDGE:
      return absl::StrCat("acknowledged by ", by);
    case v1::KIND_ESCALATE:
      return absl::StrCat("escalated to ", by);
    case v1::KIND_DEESCALATE:
      return absl::StrCat("handed back by ", by);
    default:
      break;
  }
  if (update.mission() != previous.mission()) {
    return absl::StrCat("updated by ", by);
  }
  if (update.severity() < previous.severity()) {
    return absl::StrCat("severity lowered to ", SeverityWord(update.severity()));
  }
  if (update.location().municipality() != previous.location().municipality()) {
    return update.location().municipality().empty()
               ? std::string("moved to Kosovo-wide")
               : absl::StrCat("moved to ", update.location().municipality());
  }
  return "no longer matches the filter";
}

}  // namespace sitrep
