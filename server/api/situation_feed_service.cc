#include "server/api/situation_feed_service.h"

#include <utility>

#include "server/runtime/proto_time.h"
#include "server/api/grpc_status.h"
#include "server/api/publish_stream_reactor.h"
#include "server/query/list_updates.h"

namespace sitrep {

SituationFeedService::SituationFeedService(
    Publisher* publisher, Feed* feed, SituationIndex* situation,
    SubscriptionRegistry* subscriptions, Clock* clock, Options options)
    : publisher_(publisher),
      feed_(feed),
      situation_(situation),
      subscriptions_(subscriptions),
      clock_(clock),
      options_(std::move(options)) {}

Principal SituationFeedService::PrincipalOf(
    grpc::CallbackServerContext* /*context*/) const {
  return AnonymousPrincipal();
}

grpc::ServerUnaryReactor* SituationFeedService::Publish(
    grpc::CallbackServerContext* context, const v1::PublishRequest* request,
    v1::PublishResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::string& log_id = feed_->log_id();
  publisher_->Publish(
      *request, PrincipalOf(context),
      [reactor, response, &log_id](absl::StatusOr<PublishResult> result) {
        if (!result.ok()) {
          reactor->Finish(ToGrpcStatus(result.status()));
          return;
        }
        const v1::SituationUpdate& update = result->entry->update;
        response->set_sequence(update.sequence());
        response->set_duplicate(result->duplicate);
        response->set_event_id(update.event_id());
        response->set_incident_version(update.incident_version());
        *response->mutable_received_at() = update.received_at();
        response->set_log_id(log_id);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerBidiReactor<v1::PublishRequest, v1::PublishAck>*
SituationFeedService::PublishStream(grpc::CallbackServerContext* context) {
  return new PublishStreamReactor(publisher_, PrincipalOf(context),
                                  options_.publish_stream_window);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SituationFeedService::Subscribe(
    grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* request) {
  return NewSubscribeReactor(*request, feed_, clock_, subscriptions_,
                             options_.subscribe);
}

grpc::ServerUnaryReactor* SituationFeedService::ListUpdates(
    grpc::CallbackServerContext* context, const v1::ListUpdatesRequest* request,
    v1::ListUpdatesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Reads the store on the calling callback thread: a page is bounded in
  // rows scanned, so this stays short.
  absl::StatusOr<v1::ListUpdatesResponse> page = sitrep::ListUpdates(
      feed_->log(), *request, options_.subscribe.filter_limits);
  if (!page.ok()) {
    reactor->Finish(ToGrpcStatus(page.status()));
  } else {
    *response = *std::move(page);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerUnaryReactor* SituationFeedService::GetSituation(
    grpc::CallbackServerContext* context,
    const v1::GetSituationRequest* request, v1::Situation* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(request->filter(),
                             options_.subscribe.filter_limits);
  if (!filter.ok()) {
    reactor->Finish(ToGrpcStatus(filter.status()));
    return reactor;
  }
  const absl::Time now = clock_->Now();
  SituationIndex::Snapshot snapshot = situation_->Take(filter->get(), now);
  for (const IncidentRecordPtr& record : snapshot.incidents) {
    *response->add_incidents() = ToIncidentProto(*record);
  }
  response->set_sequence(snapshot.sequence);
  response->set_log_id(feed_->log_id());
  *response->mutable_as_of() = ToProtoTime(now);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace sitrep
