// How the security chain's facts of an incident read (Incident.lead,
// support_requests, exceptions; proto/sitrep/v1/situation_feed.proto),
// shared by the situation and the incident view.
import {
  durationText, kindLabel, missionShort, roleShort, shortTime, timeMs,
} from './format.js';
import { waitingTimer } from './wait-timer.js';

export const REQUEST_OPEN = 'STATE_OPEN';
export const REQUEST_ACKNOWLEDGED = 'STATE_ACKNOWLEDGED';
export const REQUEST_CLOSED = 'STATE_CLOSED';

// "KP → EULEX": who asked whom, by mission where known, else by tier.
export function requestParties(request) {
  return `${requestSide(request.fromMission, request.fromTier)} → ${requestAsked(request)}`;
}

// "EULEX": the tier a request asks.
export function requestAsked(request) {
  return requestSide(request.toMission, request.toTier);
}

function requestSide(mission, tier) {
  return mission ? missionShort(mission) : `${roleShort(tier)} tier`;
}

// The requests still in force (waiting or acknowledged), oldest first.
export function requestsInForce(incident) {
  return (incident.supportRequests ?? []).filter((request) => request.state !== REQUEST_CLOSED);
}

// How long the asked tier took to acknowledge, when it did.
export function acknowledgeDelay(request) {
  if (!request.acknowledgedAt) return null;
  return timeMs(request.acknowledgedAt) - timeMs(request.requestedAt);
}

// The state of one request as an element: a running "waiting …" timer, or
// "acknowledged 14:05 after 1 min 04 s", or how it was closed.
export function requestStateNode(request) {
  const node = document.createElement('span');
  node.className = `request-state ${stateClass(request.state)}`;
  if (request.state === REQUEST_OPEN) {
    node.append(waitingTimer(request.requestedAt));
    return node;
  }
  const parts = [];
  const delay = acknowledgeDelay(request);
  if (delay !== null) {
    parts.push(`acknowledged ${shortTime(request.acknowledgedAt)} after ${durationText(delay)}`);
  } else if (request.state === REQUEST_CLOSED) {
    parts.push('never acknowledged');
  }
  if (request.state === REQUEST_CLOSED) {
    const by = request.closedByKind ? ` by ${kindLabel(request.closedByKind)}` : '';
    parts.push(`closed ${shortTime(request.closedAt)}${by}`);
  }
  node.textContent = parts.join(' · ');
  return node;
}

function stateClass(state) {
  switch (state) {
    case REQUEST_OPEN: return 'open';
    case REQUEST_ACKNOWLEDGED: return 'acknowledged';
    case REQUEST_CLOSED: return 'closed';
    default: return 'unknown';
  }
}

// One line about a chain exception: "escalate-after-acknowledge bypassed:
// lives at risk" / "stored before the chain's rules (close-by-lead)".
export function exceptionText(record) {
  const who = `${kindLabel(record.kind)} by ${missionShort(record.mission)}`;
  if (record.beforeRules) {
    return `${who}: stored before the chain's rules${record.rule ? ` (broke ${record.rule})` : ''}`;
  }
  const rule = record.rule ? `bypassed ${record.rule}` : 'in turn after all';
  const reason = record.reason ? `: “${record.reason}”` : '';
  return `${who} ${rule}${reason}`;
}
