#include "server/api/situation_feed_service.h"

#include <utility>

#include "google/protobuf/descriptor.h"
#include "server/api/encoded_message.h"
#include "server/api/grpc_status.h"
#include "server/api/publish_stream_reactor.h"
#include "server/api/raw_messages.h"

namespace sitrep {
namespace {

// A PublishStream refused before it started (authentication, stream quota).
class RefusedPublishStream final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit RefusedPublishStream(const absl::Status& status) {
    Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context,
                                     const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Subscribe's index among the service's methods (the generated code's
// order is the proto's), from the descriptor rather than a literal.
int SubscribeMethodIndex() {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::SituationFeed::service_full_name());
  return service->FindMethodByName("Subscribe")->index();
}

SituationFeedService::Options WithSubscribeMetrics(
    SituationFeedService::Options options) {
  options.subscribe.metrics = options.metrics;
  return options;
}

}  // namespace

SituationFeedService::SituationFeedService(
    PublishService* publishing, Feed* feed, SituationIndex* situation,
    SubscriptionRegistry* subscriptions, Clock* clock, Guards guards,
    Options options)
    : publishing_(publishing),
      feed_(feed),
      guards_(guards),
      options_(WithSubscribeMetrics(std::move(options))),
      reads_(FeedReads::Parts{feed, situation, subscriptions, clock,
                              guards.streams, guards.grants},
             options_.subscribe, options_.list) {
  MarkMethodRawCallback(
      SubscribeMethodIndex(),
      new InlineStreamHandler([this](grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request) {
        return SubscribeStream(context, request);
      }));
}

void SituationFeedService::CountRefusal(const absl::Status& status,
                                        RejectReason when_exhausted) const {
  if (options_.metrics != nullptr) {
    options_.metrics->RecordRefusal(status, when_exhausted);
  }
}

absl::StatusOr<CallIdentity> SituationFeedService::Identify(
    const grpc::CallbackServerContext& context, absl::string_view rpc) const {
  absl::StatusOr<CallIdentity> caller =
      IdentifyCall(*guards_.authenticator, context, rpc);
  if (!caller.ok()) CountRefusal(caller.status());
  return caller;
}

grpc::ServerUnaryReactor* SituationFeedService::Publish(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  const absl::Time received = absl::Now();
  // Parsed first only for the labels a refused publish is counted under;
  // the caller hears about its bytes only once it is authenticated.
  std::vector<v1::PublishRequest> requests(1);
  const absl::Status parsed =
      ParseRawRequest(*request_bytes, &requests.front());
  absl::StatusOr<CallIdentity> caller =
      IdentifyCall(*guards_.authenticator, *context, "Publish");
  if (!caller.ok()) {
    publishing_->CountRejected(caller.status(), received, requests.front());
    return FinishWith(context, caller.status());
  }
  if (!parsed.ok()) {
    publishing_->CountRejected(parsed, received, requests.front());
    return FinishWith(context, parsed);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::string& log_id = feed_->log_id();
  // `done` runs on the publish service's completion thread, never on the
  // store's writer thread (publish_service.h).
  publishing_->Publish(
      *caller, "Publish", std::move(requests), received,
      [reactor, response_bytes, &log_id](PublishResults results) {
        if (results.size() != 1) {
          reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                                       "the publisher lost the result"));
          return;
        }
        absl::StatusOr<PublishResult>& result = results.front();
        if (!result.ok()) {
          reactor->Finish(ToGrpcStatus(result.status()));
          return;
        }
        const v1::SituationUpdate& update = result->entry->update;
        v1::PublishResponse response;
        response.set_sequence(update.sequence());
        response.set_duplicate(result->duplicate);
        response.set_event_id(update.event_id());
        response.set_incident_version(update.incident_version());
        *response.mutable_received_at() = update.received_at();
        response.set_log_id(log_id);
        *response_bytes = SerializeToByteBuffer(response);
        reactor->Finish(grpc::Status::OK);
      });
  return reactor;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
SituationFeedService::PublishStream(grpc::CallbackServerContext* context) {
  absl::StatusOr<CallIdentity> caller = Identify(*context, "PublishStream");
  if (!caller.ok()) return new RefusedPublishStream(caller.status());
  absl::StatusOr<StreamLease> lease =
      guards_.streams->Acquire(caller->principal.name);
  if (!lease.ok()) {
    CountRefusal(lease.status(), RejectReason::kStreamQuota);
    return new RefusedPublishStream(lease.status());
  }
  auto* reactor = new PublishStreamReactor(
      [this, caller = *caller](std::vector<v1::PublishRequest> requests,
                               PublishCallback done) {
        publishing_->Publish(caller, "PublishStream", std::move(requests),
                             absl::Now(), std::move(done));
      },
      [publishing = publishing_](const absl::Status& refused,
                                 size_t requests) {
        publishing->CountRejected(refused, absl::Now(),
                                  v1::PublishRequest(), requests);
      },
      *std::move(lease), options_.publish_stream_window);
  if (guards_.grants != nullptr) {
    reactor->HoldGrant(guards_.grants,
                       StreamGrant{caller->credentials, caller->principal.name,
                                   0, caller->principal.publish_missions});
  }
  return reactor;
}

InlineWriteReactor* SituationFeedService::SubscribeStream(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  absl::StatusOr<CallIdentity> caller = Identify(*context, "Subscribe");
  if (!caller.ok()) {
    return NewFailedSubscribeReactor(caller.status(), options_.metrics);
  }
  return NewSubscribeReactor(
      *request,
      [this, &caller](const v1::SubscribeRequest& parsed) {
        return reads_.Subscribe(*caller, "Subscribe", parsed);
      },
      options_.metrics);
}

grpc::ServerUnaryReactor* SituationFeedService::ListUpdates(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  absl::StatusOr<CallIdentity> caller = Identify(*context, "ListUpdates");
  if (!caller.ok()) return FinishWith(context, caller.status());
  v1::ListUpdatesRequest request;
  if (absl::Status parsed = ParseRawRequest(*request_bytes, &request);
      !parsed.ok()) {
    CountRefusal(parsed);
    return FinishWith(context, parsed);
  }
  absl::StatusOr<v1::ListUpdatesResponse> page =
      reads_.ListUpdates(*caller, "ListUpdates", request);
  if (!page.ok()) return FinishWith(context, page.status());
  *response_bytes = SerializeToByteBuffer(*page);
  return FinishWith(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* SituationFeedService::GetSituation(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  absl::StatusOr<CallIdentity> caller = Identify(*context, "GetSituation");
  if (!caller.ok()) return FinishWith(context, caller.status());
  v1::GetSituationRequest request;
  if (absl::Status parsed = ParseRawRequest(*request_bytes, &request);
      !parsed.ok()) {
    CountRefusal(parsed);
    return FinishWith(context, parsed);
  }
  absl::StatusOr<std::string> situation =
      reads_.GetSituationEncoded(*caller, "GetSituation", request);
  if (!situation.ok()) return FinishWith(context, situation.status());
  *response_bytes = ToByteBuffer(*std::move(situation));
  return FinishWith(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* SituationFeedService::GetIncident(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  absl::StatusOr<CallIdentity> caller = Identify(*context, "GetIncident");
  if (!caller.ok()) return FinishWith(context, caller.status());
  v1::GetIncidentRequest request;
  if (absl::Status parsed = ParseRawRequest(*request_bytes, &request);
      !parsed.ok()) {
    CountRefusal(parsed);
    return FinishWith(context, parsed);
  }
  absl::StatusOr<v1::IncidentThread> thread =
      reads_.GetIncident(*caller, "GetIncident", request);
  if (!thread.ok()) return FinishWith(context, thread.status());
  *response_bytes = SerializeToByteBuffer(*thread);
  return FinishWith(context, absl::OkStatus());
}

}  // namespace sitrep
