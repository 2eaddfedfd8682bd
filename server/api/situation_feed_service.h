#ifndef SITREP_SERVER_API_SITUATION_FEED_SERVICE_H_
#define SITREP_SERVER_API_SITUATION_FEED_SERVICE_H_

#include "grpcpp/grpcpp.h"
#include "server/api/subscribe_reactor.h"
#include "server/api/subscription_registry.h"
#include "server/fanout/feed.h"
#include "server/ingest/publisher.h"
#include "server/query/situation_index.h"
#include "server/runtime/clock.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep {

// sitrep.v1.SituationFeed on gRPC's callback API: no thread per call.
// Subscribe is a raw method so that each batch is written from the
// entries' pre-encoded bytes.
//
// Thread safety: every method may run concurrently; the borrowed parts are
// thread-safe. Everything borrowed must outlive the service.
class SituationFeedService final
    : public v1::SituationFeed::WithRawCallbackMethod_Subscribe<
          v1::SituationFeed::CallbackService> {
 public:
  struct Options {
    SubscribeOptions subscribe;
    size_t publish_stream_window = 1024;
  };

  SituationFeedService(Publisher* publisher, Feed* feed,
                       SituationIndex* situation,
                       SubscriptionRegistry* subscriptions, Clock* clock,
                       Options options);

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override;
  grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishAck>* PublishStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* ListUpdates(
      grpc::CallbackServerContext* context,
      const v1::ListUpdatesRequest* request,
      v1::ListUpdatesResponse* response) override;
  grpc::ServerUnaryReactor* GetSituation(grpc::CallbackServerContext* context,
                                         const v1::GetSituationRequest* request,
                                         v1::Situation* response) override;

 private:
  // The principal of a call. Until authentication lands every call is the
  // anonymous development principal.
  Principal PrincipalOf(grpc::CallbackServerContext* context) const;

  Publisher* const publisher_;
  Feed* const feed_;
  SituationIndex* const situation_;
  SubscriptionRegistry* const subscriptions_;
  Clock* const clock_;
  const Options options_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SITUATION_FEED_SERVICE_H_
