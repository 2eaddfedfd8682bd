#include "client/chain_text.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/filter_flags.h"
#include "client/output.h"

namespace sitrep::cli {

namespace v1 = sitrep::v1;

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  ts.set_seconds(nanos / 1000000000);
  ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return ts;
}

std::string MissionAbbrev(v1::Mission mission) {
  switch (mission) {
    case v1::MISSION_KOSOVO_POLICE: return "KP";
    case v1::MISSION_EULEX: return "EULEX";
    case v1::MISSION_KFOR: return "KFOR";
    default: return "?";
  }
}

std::string MissionFullName(v1::Mission mission) {
  return mission == v1::MISSION_KOSOVO_POLICE ? "Kosovo Police" : MissionAbbrev(mission);
}

v1::Role TierOfMission(v1::Mission mission) {
  switch (mission) {
    case v1::MISSION_KOSOVO_POLICE: return v1::ROLE_FIRST_RESPONDER;
    case v1::MISSION_EULEX: return v1::ROLE_SECOND_RESPONDER;
    case v1::MISSION_KFOR: return v1::ROLE_THIRD_RESPONDER;
    default: return v1::ROLE_UNSPECIFIED;
  }
}

v1::Mission MissionOfTier(v1::Role tier) {
  switch (tier) {
    case v1::ROLE_FIRST_RESPONDER: return v1::MISSION_KOSOVO_POLICE;
    case v1::ROLE_SECOND_RESPONDER: return v1::MISSION_EULEX;
    case v1::ROLE_THIRD_RESPONDER: return v1::MISSION_KFOR;
    default: return v1::MISSION_UNSPECIFIED;
  }
}

std::string ActorText(v1::Mission mission, v1::Role role) {
  return absl::StrCat(MissionAbbrev(mission), " (", ShortName(role), ")");
}

std::string LeadText(const v1::IncidentLead& lead) {
  if (lead.tier() == v1::ROLE_UNSPECIFIED) return "-";
  const v1::Mission mission =
      lead.mission() != v1::MISSION_UNSPECIFIED ? lead.mission() : MissionOfTier(lead.tier());
  return absl::StrCat(MissionFullName(mission), " (", ShortName(lead.tier()), " tier)");
}

namespace {

v1::Mission AskedMission(const v1::SupportRequest& request) {
  return request.to_mission() != v1::MISSION_UNSPECIFIED ? request.to_mission()
                                                          : MissionOfTier(request.to_tier());
}

}  // namespace

std::string SupportSummary(const v1::Incident& incident, absl::Time now) {
  // Waiting requests first: they are what a duty officer must chase.
  std::vector<std::string> parts;
  for (const v1::SupportRequest& request : incident.support_requests()) {
    if (request.state() != v1::SupportRequest::STATE_OPEN) continue;
    parts.push_back(absl::StrCat(MissionAbbrev(AskedMission(request)), " asked ",
                                 FormatAge(now - ToTime(request.requested_at()))));
  }
  for (const v1::SupportRequest& request : incident.support_requests()) {
    if (request.state() != v1::SupportRequest::STATE_ACKNOWLEDGED) continue;
    parts.push_back(absl::StrCat(MissionAbbrev(AskedMission(request)), " acked"));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

absl::Duration LongestOpenRequestWait(const v1::Incident& incident, absl::Time now,
                                      const v1::SupportRequest** longest) {
  absl::Duration wait = absl::ZeroDuration();
  if (longest != nullptr) *longest = nullptr;
  for (const v1::SupportRequest& request : incident.support_requests()) {
    if (request.state() != v1::SupportRequest::STATE_OPEN) continue;
    const absl::Duration d = std::max(absl::ZeroDuration(), now - ToTime(request.requested_at()));
    if (longest != nullptr && (*longest == nullptr || d > wait)) *longest = &request;
    wait = std::max(wait, d);
  }
  return wait;
}

std::string FormatWait(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  if (s < 86400) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  return absl::StrFormat("%dd%dh", s / 86400, (s % 86400) / 3600);
}

}  // namespace sitrep::cli
