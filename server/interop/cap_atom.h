#ifndef SITREP_SERVER_INTEROP_CAP_ATOM_H_
#define SITREP_SERVER_INTEROP_CAP_ATOM_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/interop/cap_alert.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The current alerts as an Atom 1.0 feed (RFC 4287), the way CAP alert
// hubs publish them: one <entry> per alert, its <id> the CAP identifier,
// its <link rel="alternate" type="application/cap+xml"> the alert's
// document at `base_url` + "/v1/cap/<sequence>.xml", its <category> the CAP
// status (an exercise says Exercise in its title too), and its <content>
// the CAP <alert> itself (type application/cap+xml, as alert hubs embed
// it). `updated` is the feed's time: the situation's latest change.
std::string RenderCapAtomFeed(
    const std::vector<const v1::SituationUpdate*>& alerts,
    absl::string_view base_url, absl::Time updated, const CapSender& sender);

}  // namespace sitrep

#endif  // SITREP_SERVER_INTEROP_CAP_ATOM_H_
