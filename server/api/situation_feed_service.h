#ifndef SITREP_SERVER_API_SITUATION_FEED_SERVICE_H_
#define SITREP_SERVER_API_SITUATION_FEED_SERVICE_H_

#include "grpcpp/grpcpp.h"
#include "server/api/call_identity.h"
#include "server/service/feed_reads.h"
#include "server/service/publish_service.h"
#include "server/api/subscribe_reactor.h"
#include "server/service/subscription_registry.h"
#include "server/fanout/feed.h"
#include "server/auth/authenticator.h"
#include "server/auth/stream_quota.h"
#include "server/metrics/metrics.h"
#include "server/query/list_updates.h"
#include "server/situation/situation_index.h"
#include "server/runtime/clock.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep {

// sitrep.v1.SituationFeed on gRPC's callback API: no thread per call. A thin
// adapter: calls are authenticated and parsed here, then answered by the
// transport-neutral core the HTTP gateway uses too (service/: FeedReads,
// PublishService, Subscription).
// Every method is raw (ByteBuffer): requests go through the parse step at
// the edge (raw_messages.h), so that bytes protobuf refuses are
// INVALID_ARGUMENT naming the field and unknown fields are dropped before
// anything sees the request; and Subscribe writes each batch from the
// entries' pre-encoded bytes, handed to gRPC without a copy (so Subscribe
// is registered by hand, not by the generated mix-in: encoded_message.h),
// with a handler whose writes complete on the writing thread
// (inline_write_reactor.h).
// An unauthenticated call is answered UNAUTHENTICATED whatever its bytes:
// the caller learns nothing from them.
//
// Every call is authenticated first (UNAUTHENTICATED otherwise) and then
// held to its principal's rights: publishing as another mission is
// PERMISSION_DENIED with nothing stored, and reads only ever see the
// missions the principal may read. Refusals are audited.
//
// Thread safety: every method may run concurrently; the borrowed parts are
// thread-safe. Everything borrowed must outlive the service.
class SituationFeedService final
    : public v1::SituationFeed::WithRawCallbackMethod_Publish<
          v1::SituationFeed::WithRawCallbackMethod_PublishStream<
              v1::SituationFeed::WithRawCallbackMethod_ListUpdates<
                  v1::SituationFeed::WithRawCallbackMethod_GetSituation<
                      v1::SituationFeed::WithRawCallbackMethod_GetIncident<
                          v1::SituationFeed::Service>>>>> {
 public:
  struct Options {
    SubscribeOptions subscribe;
    ListLimits list;
    size_t publish_stream_window = 4096;
    // Borrowed; null: no metrics. Subscribe streams get it too.
    Metrics* metrics = nullptr;
  };

  // The access-control parts, borrowed.
  struct Guards {
    const Authenticator* authenticator;
    StreamQuota* streams;
    // Open streams' grants, checked again on a policy reload (nullable).
    StreamGrants* grants = nullptr;
  };

  // `publishing` (borrowed) publishes for Publish and PublishStream.
  SituationFeedService(PublishService* publishing, Feed* feed,
                       SituationIndex* situation,
                       SubscriptionRegistry* subscriptions, Clock* clock,
                       Guards guards, Options options);

  // Each takes the request's bytes and answers the response's bytes.
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* PublishStream(
      grpc::CallbackServerContext* context) override;
  // Subscribe (not an override: its responses are EncodedMessages, its
  // writes complete inline: inline_write_reactor.h).
  InlineWriteReactor* SubscribeStream(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request);
  grpc::ServerUnaryReactor* ListUpdates(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetSituation(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetIncident(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;

 private:
  // Counts a refused request or call (see Metrics::RecordRefusal).
  void CountRefusal(const absl::Status& status,
                    RejectReason when_exhausted = RejectReason::kOther) const;

  // Authenticates a call (audited and counted when refused).
  absl::StatusOr<CallIdentity> Identify(
      const grpc::CallbackServerContext& context, absl::string_view rpc) const;

  PublishService* const publishing_;
  Feed* const feed_;
  const Guards guards_;
  const Options options_;
  const FeedReads reads_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SITUATION_FEED_SERVICE_H_
