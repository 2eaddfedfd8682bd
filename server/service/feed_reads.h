#ifndef SITREP_SERVER_SERVICE_FEED_READS_H_
#define SITREP_SERVER_SERVICE_FEED_READS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/service/call_identity.h"
#include "server/service/subscription.h"
#include "server/service/subscription_registry.h"
#include "server/auth/stream_quota.h"
#include "server/fanout/feed.h"
#include "server/query/compact_situation.h"
#include "server/query/list_updates.h"
#include "server/situation/situation_index.h"
#include "server/runtime/clock.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// The reads of the SituationFeed API for an authenticated caller, whatever
// the transport: gRPC (situation_feed_service.h) and HTTP/SSE
// (http/http_gateway.h) both call these, so the two cannot drift apart in
// rights, limits or results. Refusals of rights are audited under `rpc`,
// every refusal is counted (SubscribeOptions::metrics).
//
// Thread safety: every method may run concurrently; the borrowed parts are
// thread-safe and must outlive this object.
class FeedReads {
 public:
  struct Parts {
    Feed* feed;
    SituationIndex* situation;
    SubscriptionRegistry* subscriptions;
    Clock* clock;
    StreamQuota* streams;
    // Where streams keep their grants for policy reloads (nullable).
    StreamGrants* grants = nullptr;
  };

  FeedReads(Parts parts, SubscribeOptions subscribe, ListLimits list)
      : parts_(parts),
        subscribe_(std::move(subscribe)),
        list_(std::move(list)) {}

  // PERMISSION_DENIED (audited) when `filter` names a mission the caller may
  // not read.
  absl::Status CheckRead(const CallIdentity& caller, absl::string_view rpc,
                         const v1::Filter& filter) const;

  absl::StatusOr<v1::ListUpdatesResponse> ListUpdates(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::ListUpdatesRequest& request) const;

  absl::StatusOr<v1::Situation> GetSituation(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::GetSituationRequest& request) const;
  // The same answer already encoded (query/situation_encoding.h): what gRPC
  // sends, without building an Incident message per incident.
  absl::StatusOr<std::string> GetSituationEncoded(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::GetSituationRequest& request) const;
  // The same answer in protobuf's JSON mapping (what HTTP sends); in the
  // compact views, only what the dashboard's list and map show
  // (query/compact_situation.h).
  absl::StatusOr<std::string> GetSituationJson(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::GetSituationRequest& request,
      SituationJsonView view = SituationJsonView::kFull) const;

  // One incident's story (query/incident_story.h) as the caller may read it.
  absl::StatusOr<v1::IncidentThread> GetIncident(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::GetIncidentRequest& request) const;

  // Takes a place in the caller's stream quota and opens the subscription
  // (OpenSubscription); the caller Start()s it on its sink.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::SubscribeRequest& request) const;

  // Counts a refusal made by the transport (authentication, a request that
  // does not parse).
  void CountRefusal(const absl::Status& status,
                    RejectReason when_exhausted = RejectReason::kOther) const;

  const SubscribeOptions& subscribe_options() const { return subscribe_; }
  Feed* feed() const { return parts_.feed; }

 private:
  // What GetSituation shows, before it is built or encoded.
  struct TakenSituation {
    // Holds a situation rebuilt for as_of while the snapshot is read.
    std::unique_ptr<SituationIndex> past;
    SituationIndex::Snapshot snapshot;
    absl::Time as_of;
  };
  absl::StatusOr<TakenSituation> TakeSituation(
      const CallIdentity& caller, absl::string_view rpc,
      const v1::GetSituationRequest& request) const;

  const Parts parts_;
  const SubscribeOptions subscribe_;
  const ListLimits list_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVICE_FEED_READS_H_
