#include "server/incident/incident_readers.h"

#include <algorithm>
#include <cstdint>

namespace sitrep {
namespace {

uint32_t Bit(int mission) {
  const auto m = static_cast<uint32_t>(mission);
  return m < 32 ? uint32_t{1} << m : 0;
}

}  // namespace

MissionSet ThreadMissions(const v1::Incident& state,
                          v1::Mission latest_mission) {
  uint32_t missions = Bit(latest_mission);
  if (state.participants_size() > 0) {
    for (const v1::IncidentParticipant& p : state.participants()) {
      missions |= Bit(p.mission());
    }
    return MissionSet::FromBits(missions);
  }
  // Older state: every update of a thread under the chain's rules is the
  // opener's, an engaged tier's (a party to a support request, or the lead)
  // or recorded as an exception.
  missions |= Bit(state.opened_by()) | Bit(state.lead().mission());
  for (const v1::SupportRequest& request : state.support_requests()) {
    missions |= Bit(request.from_mission()) | Bit(request.to_mission());
  }
  for (const v1::ChainExceptionRecord& exception : state.exceptions()) {
    missions |= Bit(exception.mission());
  }
  return MissionSet::FromBits(missions);
}

bool ReaderMaySee(const v1::Incident& state, v1::Mission latest_mission,
                  MissionSet readable_missions) {
  if (readable_missions.IsAll()) return true;
  return ThreadMissions(state, latest_mission).Intersects(readable_missions);
}

void RedactForReader(MissionSet readable_missions, bool latest_replaced,
                     v1::Incident* incident) {
  if (readable_missions.IsAll()) return;
  auto readable = [readable_missions](int mission) {
    return readable_missions.Contains(mission);
  };
  if (latest_replaced) {
    *incident->mutable_location() = incident->latest().location();
    incident->set_category(incident->latest().category());
  }
  if (!readable(incident->opened_by())) {
    incident->clear_opened_at();
    incident->clear_opened_by_publisher();
    incident->clear_opened_sequence();
  }
  auto* participants = incident->mutable_participants();
  participants->erase(
      std::remove_if(participants->begin(), participants->end(),
                     [&](const v1::IncidentParticipant& p) {
                       return !readable(p.mission());
                     }),
      participants->end());
  if (!participants->empty()) {
    v1::Severity peak = v1::SEVERITY_UNSPECIFIED;
    for (const v1::IncidentParticipant& p : *participants) {
      peak = std::max(peak, p.peak_severity());
    }
    incident->set_peak_severity(peak);
  } else if (latest_replaced) {
    // A state without participants: the readable latest is all we know.
    incident->set_peak_severity(incident->latest().severity());
  }
  for (v1::SupportRequest& request : *incident->mutable_support_requests()) {
    if (!readable(request.from_mission())) request.clear_requested_by();
    if (!readable(request.to_mission())) request.clear_acknowledged_by();
    if (!readable(request.from_mission()) || !readable(request.to_mission())) {
      request.clear_closed_by();
    }
  }
  for (v1::ChainExceptionRecord& exception : *incident->mutable_exceptions()) {
    if (!readable(exception.mission())) {
      exception.clear_reason();
      exception.clear_publisher();
    }
  }
}

}  // namespace sitrep
