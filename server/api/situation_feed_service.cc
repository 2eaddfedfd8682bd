#include "server/api/situation_feed_service.h"

#include <utility>

#include "server/api/grpc_status.h"
#include "server/api/publish_stream_reactor.h"
#include "server/api/raw_messages.h"
#include "server/auth/audit.h"

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

SituationFeedService::Options WithSubscribeMetrics(
    SituationFeedService::Options options) {
  options.subscribe.metrics = options.metrics;
  return options;
}

// The labels of a publish request, taken before the request moves on.
struct PublishLabels {
  int mission = 0;
  int role = 0;
  int severity = 0;

  explicit PublishLabels(const v1::PublishRequest& request)
      : mission(request.update().mission()),
        role(request.update().role()),
        severity(request.update().severity()) {}
};

// Counts one publish request's outcome: stored or duplicate (with its
// duration), or rejected (with the refusal's reason when it is one).
void CountPublish(Metrics* metrics, const PublishLabels& labels,
                  const absl::StatusOr<PublishResult>& result,
                  absl::Time received, RejectReason when_exhausted) {
  if (metrics == nullptr) return;
  if (result.ok()) {
    metrics->RecordPublish(labels.mission, labels.role, labels.severity,
                           result->duplicate ? PublishOutcome::kDuplicate
                                             : PublishOutcome::kStored);
    if (!result->duplicate &&
        result->entry->update.has_chain_exception()) {
      metrics->RecordChainException(labels.mission);
    }
    metrics->ObservePublishDuration(absl::Now() - received);
    return;
  }
  metrics->RecordPublish(labels.mission, labels.role, labels.severity,
                         PublishOutcome::kRejected);
  metrics->RecordRefusal(result.status(), when_exhausted);
}

}  // namespace

SituationFeedService::SituationFeedService(
    Publisher* publisher, Feed* feed, SituationIndex* situation,
    SubscriptionRegistry* subscriptions, Clock* clock, Guards guards,
    Options options)
    : publisher_(publisher),
      feed_(feed),
      guards_(guards),
      options_(WithSubscribeMetrics(std::move(options))),
      reads_(FeedReads::Parts{feed, situation, subscriptions, clock,
                              guards.streams, guards.grants},
             options_.subscribe, options_.list) {}

void SituationFeedService::CountRefusal(const absl::Status& status,
                                        RejectReason when_exhausted) const {
  if (options_.metrics != nullptr) {
    options_.metrics->RecordRefusal(status, when_exhausted);
  }
}

void SituationFeedService::PublishAs(const CallIdentity& caller,
                                     absl::string_view rpc,
                                     std::vector<v1::PublishRequest> requests,
                                     absl::Time received,
                                     PublishCallback done) {
  std::vector<PublishLabels> labels;
  labels.reserve(requests.size());
  for (const v1::PublishRequest& request : requests) {
    labels.emplace_back(request);
  }
  // Requests over the rate limit are answered here; admitted[k] is the
  // position of the k-th request handed to the publisher.
  PublishResults refused(requests.size());
  std::vector<size_t> admitted;
  admitted.reserve(requests.size());
  std::vector<v1::PublishRequest> admitted_requests;
  admitted_requests.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::Status admission =
        guards_.publish_rate->Admit(caller.principal.name);
    if (!admission.ok()) {
      CountPublish(options_.metrics, labels[i], admission, received,
                   RejectReason::kRateLimited);
      refused[i] = std::move(admission);
      continue;
    }
    admitted.push_back(i);
    admitted_requests.push_back(std::move(requests[i]));
  }
  if (admitted.empty()) {
    done(std::move(refused));
    return;
  }
  publisher_->Publish(
      std::move(admitted_requests), caller.principal,
      [caller_name = caller.principal.name, peer = caller.peer,
       rpc = std::string(rpc), metrics = options_.metrics,
       labels = std::move(labels), received, results = std::move(refused),
       admitted = std::move(admitted),
       done = std::move(done)](PublishResults published) mutable {
        for (size_t k = 0; k < admitted.size() && k < published.size(); ++k) {
          absl::StatusOr<PublishResult>& result = published[k];
          if (result.status().code() == absl::StatusCode::kPermissionDenied) {
            AuditDenied(rpc, caller_name, peer, result.status());
          } else if (result.ok() && !result->duplicate &&
                     result->entry->update.has_chain_exception()) {
            AuditChainException(rpc, caller_name, peer, result->entry->update);
          }
          CountPublish(metrics, labels[admitted[k]], result, received,
                       RejectReason::kOther);
          results[admitted[k]] = std::move(result);
        }
        done(std::move(results));
      });
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
    CountPublish(options_.metrics, PublishLabels(requests.front()),
                 caller.status(), received, RejectReason::kOther);
    return FinishWith(context, caller.status());
  }
  if (!parsed.ok()) {
    CountPublish(options_.metrics, PublishLabels(requests.front()), parsed,
                 received, RejectReason::kOther);
    return FinishWith(context, parsed);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::string& log_id = feed_->log_id();
  PublishAs(
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
        PublishAs(caller, "PublishStream", std::move(requests), absl::Now(),
                  std::move(done));
      },
      [metrics = options_.metrics](const absl::Status& refused,
                                   size_t requests) {
        const v1::PublishRequest none;
        for (size_t i = 0; i < requests; ++i) {
          CountPublish(metrics, PublishLabels(none), refused, absl::Now(),
                       RejectReason::kOther);
        }
      },
      *std::move(lease), options_.publish_stream_window);
  if (guards_.grants != nullptr) {
    reactor->HoldGrant(guards_.grants,
                       StreamGrant{caller->credentials, caller->principal.name,
                                   0, caller->principal.publish_missions});
  }
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* SituationFeedService::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  absl::StatusOr<CallIdentity> caller = Identify(*context, "Subscribe");
  if (!caller.ok()) return NewFailedSubscribeReactor(caller.status());
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
