// `sitrep incident`: an incident's thread (GetIncident's IncidentThread) as a
// timeline a duty officer reads top to bottom — one line per update with
// what it changed in the chain ("KP asks EULEX", "EULEX acknowledged after
// 4m12s", "EULEX takes the lead", "handed back to Kosovo Police", "CHAIN
// EXCEPTION (rule): reason") — then a summary: who leads since when, the
// requests and how long each waited or is waiting, exceptions, location.
#ifndef SITREP_CLIENT_INCIDENT_TIMELINE_H_
#define SITREP_CLIENT_INCIDENT_TIMELINE_H_

#include <string>
#include <vector>

#include "client/output.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

// What `step` changed compared with the incident before it (`before`: the
// previous step's state; empty for the first step or a truncated history).
// Each entry is one phrase; empty when the update changed nothing in the
// chain (a plain UPDATE).
std::vector<std::string> ChainChanges(const sitrep::v1::Incident& before,
                                      const sitrep::v1::IncidentStep& step);

// The whole rendering (header, timeline, summary), ending in a newline.
std::string IncidentTimeline(const sitrep::v1::IncidentThread& thread,
                             const RenderOptions& options);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_INCIDENT_TIMELINE_H_
