#ifndef SITREP_SERVER_INCIDENT_INCIDENT_READERS_H_
#define SITREP_SERVER_INCIDENT_INCIDENT_READERS_H_

// Who may see what of an incident (issue 17: M-1, M-2, I-1). A reader's
// rights are a MissionSet (MissionSet::FromBits(Principal::read_missions)). The rule, in one place for the situation,
// GetIncident and the publish errors:
//
//   - a reader sees an incident when it may read one of the missions that
//     published on its thread (ThreadMissions);
//   - it then sees the incident through its newest readable update: that
//     update as `latest`, its location and category, the peak of the
//     readable updates' severities, only the readable participants;
//   - the chain facts (lead, support requests: which tier asked which, when,
//     in what state) are shown in full, because they are what the chain's
//     tiers share; the names of other missions' principals and the reasons
//     of their chain exceptions are not, nor who opened the incident and
//     when when the opening mission is unreadable.
//
//   if (!ReaderMaySee(record.state, latest.mission(), rights)) return NotFound();
//   v1::Incident shown = ...;                 // latest = newest readable
//   RedactForReader(rights, replaced_latest, &shown);

#include "server/incident/mission_set.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// The missions that published on the thread folded into
// `state`, whose latest update is of `latest_mission`. From
// state.participants; for a state stored before participants were kept,
// the missions its chain facts name (opener, lead, support requests,
// exceptions) and `latest_mission`.
MissionSet ThreadMissions(const v1::Incident& state,
                          v1::Mission latest_mission);

// True when a reader with `readable_missions` may see the incident at all.
bool ReaderMaySee(const v1::Incident& state, v1::Mission latest_mission,
                  MissionSet readable_missions);

// Cuts `incident` (a full Incident whose `latest` was already set to the
// newest update the reader may read) down to what a reader with
// `readable_missions` may see, as the header says. `latest_replaced`: the
// thread's true latest update is unreadable, so location and category are
// taken from the readable `latest` instead of the thread's.
void RedactForReader(MissionSet readable_missions, bool latest_replaced,
                     v1::Incident* incident);

}  // namespace sitrep

#endif  // SITREP_SERVER_INCIDENT_INCIDENT_READERS_H_
