// How the CLI names the security chain: missions and tiers ("KP", "EULEX
// (second)"), the support state of an incident ("EULEX asked 4m"), and how
// long its requests have waited. Shared by `situation`, `incident` and
// `check`, so the three say the same thing the same way.
#ifndef SITREP_CLIENT_CHAIN_TEXT_H_
#define SITREP_CLIENT_CHAIN_TEXT_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

// A proto timestamp as absl::Time (the epoch for an unset one), and back:
// the waits above are differences of the server's timestamps.
absl::Time ToTime(const google::protobuf::Timestamp& ts);
google::protobuf::Timestamp ToProtoTime(absl::Time t);

// "KP", "EULEX", "KFOR" ("?" when unspecified).
std::string MissionAbbrev(sitrep::v1::Mission mission);
// "Kosovo Police", "EULEX", "KFOR".
std::string MissionFullName(sitrep::v1::Mission mission);
// The tier a mission acts as (KP first, EULEX second, KFOR third).
sitrep::v1::Role TierOfMission(sitrep::v1::Mission mission);
// The mission holding a responder tier; MISSION_UNSPECIFIED otherwise.
sitrep::v1::Mission MissionOfTier(sitrep::v1::Role tier);
// "KP (first)", "EULEX (liaison)": who acted, and as what.
std::string ActorText(sitrep::v1::Mission mission, sitrep::v1::Role role);
// "EULEX (second tier)", or "-" when nobody leads.
std::string LeadText(const sitrep::v1::IncidentLead& lead);

// The support state of an incident in a few words, from its requests that
// are not closed: "EULEX asked 4m" (open, waiting since then), "EULEX acked"
// (acknowledged), joined by ", " when there are several, waiting ones first;
// "-" when none.
std::string SupportSummary(const sitrep::v1::Incident& incident, absl::Time now);

// The longest wait of a request that is still unacknowledged (STATE_OPEN),
// or zero when there is none; `*request` (if non-null) is set to it.
absl::Duration LongestOpenRequestWait(const sitrep::v1::Incident& incident, absl::Time now,
                                      const sitrep::v1::SupportRequest** request = nullptr);

// "4m12s", "1h02m", "45s", "3d4h": exact enough for a wait.
std::string FormatWait(absl::Duration d);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_CHAIN_TEXT_H_
