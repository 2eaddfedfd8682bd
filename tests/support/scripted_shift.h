#ifndef SITREP_TESTS_SUPPORT_SCRIPTED_SHIFT_H_
#define SITREP_TESTS_SUPPORT_SCRIPTED_SHIFT_H_

// A scripted shift for the as_of and handover report tests, and an
// independent replay of a log to compare GetSituation as_of with.
//
// The shift (one step every kShiftStep of the clock, all in dev mode or
// with rights for every mission):
//   crowd-1  KP opens (Mitrovicë e Veriut, severe), asks EULEX, EULEX
//            acknowledges and escalates, then hands back down; KP resolves
//   road-2   KP opens (Podujevë) with expires_at 25 minutes later: expires
//   border-3 KP opens (Zveçan), asks EULEX, nobody answers: still waiting
//   theft-4  KP opens (Pejë), then cancels
//   fire-5   KP opens (Prizren, extreme), asks EULEX, EULEX acknowledges,
//            escalates, asks KFOR, KFOR acknowledges and escalates: open,
//            led by KFOR
//   plus two KFOR and one EULEX patrol reports without an incident.
// Counts: 5 opened, 3 escalated, 1 de-escalated, 1 resolved, 1 cancelled,
// 1 expired (by the server's sweep), 2 open at the end, 1 request waiting.

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/incident/incident_fold.h"
#include "server/incident/tiers.h"
#include "server/runtime/proto_time.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/support/updates.h"

namespace sitrep::testing {

inline constexpr absl::Duration kShiftStep = absl::Minutes(5);

inline v1::SituationUpdate ShiftStep(const std::string& id, v1::Mission mission,
                                     v1::Kind kind, const std::string& headline,
                                     const std::string& municipality = "") {
  v1::SituationUpdate update = NewIncident(id, v1::MISSION_KOSOVO_POLICE);
  update.set_mission(mission);
  update.set_role(TierOfMission(mission));
  update.set_kind(kind);
  update.set_headline(headline);
  update.clear_labels();
  update.clear_event_id();
  update.clear_location();
  if (!municipality.empty()) {
    update.mutable_location()->set_municipality(municipality);
  }
  return update;
}

// The shift's updates in publish order; `start` is the clock at the first
// one (expires_at is set from it).
inline std::vector<v1::SituationUpdate> ScriptedShift(absl::Time start) {
  using v1::MISSION_EULEX;
  using v1::MISSION_KFOR;
  using v1::MISSION_KOSOVO_POLICE;
  std::vector<v1::SituationUpdate> s;
  auto add = [&s](v1::SituationUpdate u) { s.push_back(std::move(u)); };
  v1::SituationUpdate crowd = ShiftStep("crowd-1", MISSION_KOSOVO_POLICE,
                                        v1::KIND_NEW, "Crowd at the bridge",
                                        "Mitrovicë e Veriut");
  crowd.set_severity(v1::SEVERITY_SEVERE);
  add(crowd);
  v1::SituationUpdate road = ShiftStep("road-2", MISSION_KOSOVO_POLICE,
                                       v1::KIND_NEW, "Road blocked by a truck",
                                       "Podujevë");
  *road.mutable_expires_at() = ToProtoTime(start + absl::Minutes(25));
  add(road);
  add(ShiftStep("crowd-1", MISSION_KOSOVO_POLICE, v1::KIND_REQUEST_SUPPORT,
                "KP asks EULEX"));
  v1::SituationUpdate patrol = PatrolUpdate(MISSION_KFOR, "KFOR patrol north");
  add(patrol);
  add(ShiftStep("crowd-1", MISSION_EULEX, v1::KIND_ACKNOWLEDGE,
                "EULEX on its way"));
  add(ShiftStep("border-3", MISSION_KOSOVO_POLICE, v1::KIND_NEW,
                "Queue at the crossing", "Zveçan"));
  add(ShiftStep("crowd-1", MISSION_EULEX, v1::KIND_ESCALATE,
                "EULEX takes the lead"));
  add(ShiftStep("theft-4", MISSION_KOSOVO_POLICE, v1::KIND_NEW,
                "Cable theft reported", "Pejë"));
  add(ShiftStep("border-3", MISSION_KOSOVO_POLICE, v1::KIND_REQUEST_SUPPORT,
                "KP asks EULEX at the crossing"));
  v1::SituationUpdate fire = ShiftStep("fire-5", MISSION_KOSOVO_POLICE,
                                       v1::KIND_NEW, "Warehouse fire",
                                       "Prizren");
  fire.set_severity(v1::SEVERITY_EXTREME);
  add(fire);
  add(ShiftStep("theft-4", MISSION_KOSOVO_POLICE, v1::KIND_CANCEL,
                "False report"));
  add(ShiftStep("fire-5", MISSION_KOSOVO_POLICE, v1::KIND_REQUEST_SUPPORT,
                "KP asks EULEX for the fire"));
  add(PatrolUpdate(MISSION_EULEX, "EULEX liaison meeting"));
  add(ShiftStep("fire-5", MISSION_EULEX, v1::KIND_ACKNOWLEDGE,
                "EULEX acknowledges"));
  add(ShiftStep("crowd-1", MISSION_EULEX, v1::KIND_DEESCALATE,
                "Crowd thinning, back to KP"));
  add(ShiftStep("fire-5", MISSION_EULEX, v1::KIND_ESCALATE,
                "EULEX leads at the fire"));
  add(ShiftStep("fire-5", MISSION_EULEX, v1::KIND_REQUEST_SUPPORT,
                "EULEX asks KFOR"));
  add(ShiftStep("crowd-1", MISSION_KOSOVO_POLICE, v1::KIND_RESOLVE,
                "Crowd dispersed"));
  add(ShiftStep("fire-5", MISSION_KFOR, v1::KIND_ACKNOWLEDGE,
                "KFOR acknowledges"));
  add(ShiftStep("fire-5", MISSION_KFOR, v1::KIND_ESCALATE,
                "KFOR takes the lead"));
  add(PatrolUpdate(MISSION_KFOR, "KFOR patrol south"));
  return s;
}

// The situation after `log` (stored updates in sequence order, the whole
// log up to the point), with expiry judged at `at`: every incident whose
// thread is not closed and whose latest update has no expires_at at or
// before `at`, in the order of their latest update. Folded here, update by
// update, with FoldIntoIncident - not by the server's index.
inline std::vector<v1::Incident> ReplaySituation(
    const std::vector<v1::SituationUpdate>& log, absl::Time at) {
  std::map<std::string, v1::Incident> open;
  for (const v1::SituationUpdate& u : log) {
    if (u.incident_id().empty()) continue;
    v1::Incident& incident = open[u.incident_id()];
    FoldIntoIncident(u, &incident);
    incident.set_incident_id(u.incident_id());
    incident.set_version(incident.version() + 1);
    *incident.mutable_latest() = u;
    if (incident.closed()) open.erase(u.incident_id());
  }
  std::map<uint64_t, v1::Incident> by_latest;
  for (auto& [id, incident] : open) {
    const v1::SituationUpdate& latest = incident.latest();
    if (latest.has_expires_at() && FromProtoTime(latest.expires_at()) <= at) {
      continue;
    }
    by_latest[latest.sequence()] = incident;
  }
  std::vector<v1::Incident> result;
  for (auto& [sequence, incident] : by_latest) result.push_back(incident);
  return result;
}

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_SCRIPTED_SHIFT_H_
