// The "alertmanager" webhook format: the body of Alertmanager's
// POST /api/v2/alerts, a JSON array of alerts, so sitrep can feed an
// Alertmanager (and anything that accepts its API) without glue.
//
// One alert per update:
//   labels       alertname="SitrepUpdate", mission ("kfor", "eulex",
//                "kosovo-police"), severity ("minor" ... "extreme"),
//                category ("freedom-of-movement" ...), municipality (the
//                canonical id, e.g. "mitrovice-e-veriut"), incident_id; a
//                stand-alone report (no incident) has sequence=<n> instead,
//                so two similar reports stay two alerts. Empty values are
//                left out (Alertmanager drops them anyway).
//   annotations  headline, description, kind ("new", "resolve" ...),
//                sequence, place, publisher (non-empty ones).
//   startsAt     occurred_at.
//   endsAt       for RESOLVE, CANCEL and EXPIRED: occurred_at (the alert is
//                resolved); otherwise expires_at when set, else absent
//                (Alertmanager then resolves it after its resolve_timeout,
//                because sitrep posts each update once and does not re-send
//                firing alerts).
// Labels identify an alert in Alertmanager, so an incident whose mission,
// severity, category or municipality changed (an escalation) would leave its
// old alert firing. The update therefore also carries the previous label
// set's alert with endsAt = occurred_at: the old alert resolves as the new
// one fires.
#ifndef SITREP_SERVER_SINKS_ALERTMANAGER_BODY_H_
#define SITREP_SERVER_SINKS_ALERTMANAGER_BODY_H_

#include <string>
#include <vector>

#include "server/log/log_entry.h"

namespace sitrep {

std::string EncodeAlertmanagerAlerts(const std::vector<LogEntryPtr>& updates);

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_ALERTMANAGER_BODY_H_
