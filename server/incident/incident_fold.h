#ifndef SITREP_SERVER_INCIDENT_INCIDENT_FOLD_H_
#define SITREP_SERVER_INCIDENT_INCIDENT_FOLD_H_

// The incident as a state: what one stored update does to its incident.
// Every EventLog backend, the situation index and GetIncident fold a thread
// with this one function, so none of them can disagree about who leads,
// which requests are open or where the incident is.
//
//   v1::Incident state;                          // before the thread
//   for (const v1::SituationUpdate& u : thread) FoldIntoIncident(u, &state);
//   state.lead().tier();                         // who leads now
//
// The fold applies each kind's effect even where the update broke a chain
// rule (CheckChainRules): the log admits such an update only with a chain
// exception, and history stored before the rules were enforced is kept as
// it happened. Either way the update is recorded in state.exceptions, so a
// broken chain is never drawn as a normal one.

#include "sitrep/v1/situation_feed.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// Folds the stored `update` (sequence, received_at and publisher set) into
// `state`, the incident before it (a default Incident for the first update).
// Sets lead, support_requests, location, category, peak_severity, the
// opened_* fields, exceptions, participants, closed and the deprecated
// current_tier / support_requested / support_acknowledged. Leaves
// incident_id, version and latest to the caller.
void FoldIntoIncident(const v1::SituationUpdate& update, v1::Incident* state);

// True for the kinds that close a thread: RESOLVE, CANCEL, EXPIRED.
bool IsClosingKind(v1::Kind kind);

// True when an update gives no location at all (no municipality, place or
// point): its incident's location is carried forward into it.
bool LeavesLocationOut(const v1::SituationUpdate& update);
// The same for a location.
bool IsEmptyLocation(const v1::Location& location);

}  // namespace sitrep

#endif  // SITREP_SERVER_INCIDENT_INCIDENT_FOLD_H_
