#include "server/service/feed_reads.h"

#include <functional>
#include <string>
#include <utility>

#include "server/ingest/validator.h"
#include "server/query/compact_situation.h"
#include "server/query/incident_story.h"
#include "server/query/situation_encoding.h"
#include "server/query/situation_as_of.h"

#include "server/auth/audit.h"
#include "server/auth/read_rights.h"
#include "server/runtime/proto_time.h"

namespace sitrep {

void FeedReads::CountRefusal(const absl::Status& status,
                             RejectReason when_exhausted) const {
  if (subscribe_.metrics != nullptr) {
    subscribe_.metrics->RecordRefusal(status, when_exhausted);
  }
}

namespace {

absl::Status AuditedCheckRead(const CallIdentity& caller,
                              absl::string_view rpc,
                              const v1::Filter& filter) {
  absl::Status allowed = CheckReadRights(caller.principal, filter);
  if (!allowed.ok()) {
    AuditDenied(rpc, caller.principal.name, caller.peer, allowed);
  }
  return allowed;
}

}  // namespace

absl::Status FeedReads::CheckRead(const CallIdentity& caller,
                                  absl::string_view rpc,
                                  const v1::Filter& filter) const {
  absl::Status allowed = AuditedCheckRead(caller, rpc, filter);
  if (!allowed.ok()) CountRefusal(allowed);
  return allowed;
}

absl::StatusOr<v1::ListUpdatesResponse> FeedReads::ListUpdates(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::ListUpdatesRequest& request) const {
  if (absl::Status allowed = CheckRead(caller, rpc, request.filter());
      !allowed.ok()) {
    return allowed;
  }
  // Reads the store on the calling thread: a page is bounded in rows
  // scanned, so this stays short.
  absl::StatusOr<v1::ListUpdatesResponse> page = sitrep::ListUpdates(
      parts_.feed->log(), request, subscribe_.filter_limits, list_,
      MissionSet::FromBits(caller.principal.read_missions));
  if (!page.ok()) CountRefusal(page.status());
  return page;
}

absl::StatusOr<FeedReads::TakenSituation> FeedReads::TakeSituation(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::GetSituationRequest& request) const {
  if (absl::Status allowed = CheckRead(caller, rpc, request.filter());
      !allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(request.filter(), subscribe_.filter_limits,
                             "filter", MissionSet::FromBits(caller.principal.read_missions));
  if (!filter.ok()) {
    CountRefusal(filter.status());
    return filter.status();
  }
  TakenSituation taken;
  taken.as_of = parts_.clock->Now();
  // as_of: a situation rebuilt from the store, then filtered and shown
  // exactly like the live one below.
  const SituationIndex* index = parts_.situation;
  if (request.as_of_case() != v1::GetSituationRequest::AS_OF_NOT_SET) {
    absl::StatusOr<PastSituation> rebuilt =
        RebuildSituationAsOf(parts_.feed->log(), request, taken.as_of);
    if (!rebuilt.ok()) {
      if (absl::IsInvalidArgument(rebuilt.status()) ||
          absl::IsOutOfRange(rebuilt.status())) {
        CountRefusal(rebuilt.status());
      }
      return rebuilt.status();
    }
    taken.past = std::move(rebuilt->index);
    index = taken.past.get();
    taken.as_of = rebuilt->at;
  }
  taken.snapshot = index->Take(filter->get(), taken.as_of);
  return taken;
}

absl::StatusOr<v1::Situation> FeedReads::GetSituation(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::GetSituationRequest& request) const {
  absl::StatusOr<TakenSituation> taken = TakeSituation(caller, rpc, request);
  if (!taken.ok()) return taken.status();
  v1::Situation situation;
  situation.mutable_incidents()->Reserve(
      static_cast<int>(taken->snapshot.incidents.size()));
  for (const SituationIndex::Shown& shown : taken->snapshot.incidents) {
    *situation.add_incidents() =
        ToIncidentProtoFor(shown, MissionSet::FromBits(caller.principal.read_missions));
  }
  situation.set_sequence(taken->snapshot.sequence);
  situation.set_log_id(parts_.feed->log_id());
  *situation.mutable_as_of() = ToProtoTime(taken->as_of);
  return situation;
}

absl::StatusOr<std::string> FeedReads::GetSituationEncoded(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::GetSituationRequest& request) const {
  absl::StatusOr<TakenSituation> taken = TakeSituation(caller, rpc, request);
  if (!taken.ok()) return taken.status();
  return EncodeSituation(taken->snapshot, MissionSet::FromBits(caller.principal.read_missions),
                         parts_.feed->log_id(), taken->as_of);
}

absl::StatusOr<std::string> FeedReads::GetSituationJson(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::GetSituationRequest& request, SituationJsonView view) const {
  absl::StatusOr<TakenSituation> taken = TakeSituation(caller, rpc, request);
  if (!taken.ok()) return taken.status();
  const MissionSet readable = MissionSet::FromBits(caller.principal.read_missions);
  switch (view) {
    case SituationJsonView::kCompact:
      return CompactSituationJson(taken->snapshot, readable,
                                  parts_.feed->log_id(), taken->as_of);
    case SituationJsonView::kRows:
      return CompactSituationRowsJson(taken->snapshot, readable,
                                      parts_.feed->log_id(), taken->as_of);
    case SituationJsonView::kFull:
      break;
  }
  return SituationJson(taken->snapshot, readable, parts_.feed->log_id(),
                       taken->as_of);
}

absl::StatusOr<v1::IncidentThread> FeedReads::GetIncident(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::GetIncidentRequest& request) const {
  (void)rpc;  // Nothing to audit: an unreadable incident is "not found".
  const std::string& id = request.incident_id();
  absl::Status valid =
      id.empty() ? absl::InvalidArgumentError(
                       "incident_id: is required; give the id of an incident "
                       "as `sitrep situation` shows it")
                 : ValidateIncidentId(id);
  if (!valid.ok()) {
    CountRefusal(valid);
    return valid;
  }
  return ReadIncidentStory(parts_.feed->log(), id,
                           MissionSet::FromBits(caller.principal.read_missions));
}

absl::StatusOr<std::shared_ptr<Subscription>> FeedReads::Subscribe(
    const CallIdentity& caller, absl::string_view rpc,
    const v1::SubscribeRequest& request) const {
  absl::StatusOr<StreamLease> lease =
      parts_.streams->Acquire(caller.principal.name);
  if (!lease.ok()) {
    CountRefusal(lease.status(), RejectReason::kStreamQuota);
    return lease.status();
  }
  SubscribeAccess access;
  access.read_missions = caller.principal.read_missions;
  // Counted by OpenSubscription with its other refusals.
  access.check_filter = [caller, rpc = std::string(rpc)](
                            const v1::Filter& filter) {
    return AuditedCheckRead(caller, rpc, filter);
  };
  access.lease = *std::move(lease);
  access.principal = caller.principal.name;
  // A gRPC peer address names its connection (address and port), which
  // every stream of one client channel shares.
  access.connection = std::hash<std::string>{}(caller.peer);
  access.grants = parts_.grants;
  access.grant.credentials = caller.credentials;
  access.grant.principal = caller.principal.name;
  return OpenSubscription(request, parts_.feed, parts_.clock,
                          parts_.subscriptions, subscribe_, std::move(access));
}

}  // namespace sitrep
