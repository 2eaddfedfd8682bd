#ifndef SITREP_SERVER_FANOUT_LEFT_VIEW_H_
#define SITREP_SERVER_FANOUT_LEFT_VIEW_H_

// Why an incident update that no longer matches a subscriber's filter is
// sent all the same: its incident's previous update matched, and this is
// the update by which the incident leaves the view. The reason reaches the
// subscriber (SubscribeResponse.left_view, the SSE `left_view` event) so
// that a tail or a dashboard marks the row instead of showing an update that
// seems to contradict its filter.

#include <string>

#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// A short phrase: "acknowledged by EULEX", "escalated to KFOR", "resolved by
// EULEX", "expired",
// "severity lowered to minor", "moved to Zubin Potok", or "no longer matches
// the filter". `previous` is the incident's previous update (FilterView).
std::string LeftViewReason(const v1::SituationUpdate& update,
                           const v1::SituationUpdate& previous);

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_LEFT_VIEW_H_
