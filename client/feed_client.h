// Typed calls to sitrep.v1.SituationFeed (and grpc.health.v1.Health) for the
// CLI: unary calls with the configured deadline, a PublishStream pump, and a
// Subscribe that survives server restarts by resuming from the last cursor.
#ifndef SITREP_CLIENT_FEED_CLIENT_H_
#define SITREP_CLIENT_FEED_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/backoff.h"
#include "client/channel.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::cli {

// grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };
const char* ServingStatusName(ServingStatus status);

// Receives the messages of a resuming Subscribe. Called on the thread that
// called FeedClient::Subscribe, one message at a time, in stream order.
class SubscribeHandler {
 public:
  struct Verdict {
    // End the subscription after this message (Subscribe returns OK).
    bool stop = false;
    // How many of response.updates were processed; -1: all. Less than all
    // only together with stop (e.g. `--count` reached mid-batch): the cursor
    // then points at the last processed update.
    int processed_updates = -1;
  };
  virtual ~SubscribeHandler() = default;
  virtual Verdict OnResponse(const sitrep::v1::SubscribeResponse& response) = 0;
  // After every processed message: the cursor a restarted client may resume
  // from (nullopt during a `situation` snapshot).
  virtual void OnCursor(const std::optional<sitrep::v1::Cursor>& /*cursor*/) {}
  // The stream broke with a retryable error; the next attempt starts after
  // `delay`.
  virtual void OnReconnecting(const grpc::Status& /*why*/, absl::Duration /*delay*/) {}
};

struct SubscribeOptions {
  BackoffOptions backoff;
  // Give up when no attempt succeeded for this long. Zero: never.
  absl::Duration give_up_after = absl::ZeroDuration();
  // A stream that delivered nothing (not even a heartbeat) for this long is
  // treated as dead and reconnected: the server sends a heartbeat at least
  // every request.heartbeat_interval (default 5 s). Zero: 3 x heartbeat + 5 s.
  absl::Duration dead_after = absl::ZeroDuration();
};

// Thread safety: the unary calls and Subscribe may be called from any thread;
// Cancel() may be called from any thread at any time (e.g. a signal thread).
class FeedClient {
 public:
  FeedClient(std::shared_ptr<grpc::Channel> channel, ChannelOptions options);

  grpc::Status Publish(const sitrep::v1::PublishRequest& request,
                       sitrep::v1::PublishResponse* response);
  grpc::Status ListUpdates(const sitrep::v1::ListUpdatesRequest& request,
                           sitrep::v1::ListUpdatesResponse* response);
  grpc::Status GetSituation(const sitrep::v1::GetSituationRequest& request,
                            sitrep::v1::Situation* response);
  // One incident's thread (NOT_FOUND: no such incident, or none of its
  // updates may be read by the caller).
  grpc::Status GetIncident(const sitrep::v1::GetIncidentRequest& request,
                           sitrep::v1::IncidentThread* response);
  // grpc.health.v1.Health/Check for `service` ("" = the whole server).
  grpc::Status CheckHealth(const std::string& service, ServingStatus* status);

  // Runs one PublishStream call. `next` is called on this thread and fills
  // the next request (returns false at the end of the input, or to stop);
  // `on_ack` is called on an internal reader thread for every ack, in order,
  // then `on_acks_end` (if set) once no more acks can come (the server ended
  // the stream or it broke), possibly while `next` still runs.
  // Returns the stream's final status (OK when every request was acked).
  grpc::Status PublishStream(
      const std::function<bool(sitrep::v1::PublishRequest*)>& next,
      const std::function<void(const sitrep::v1::PublishAck&)>& on_ack,
      const std::function<void()>& on_acks_end = nullptr);

  // Subscribes with `request` and hands every message to `handler`. On
  // UNAVAILABLE, a CANCELLED it did not cause (a server shutting down) or a
  // dead stream it reconnects with exponential backoff and
  // jitter and resumes from the last cursor (after_sequence + log_id), so the
  // handler sees every matching update exactly once, in order. Returns:
  //  - OK when the handler stopped;
  //  - CANCELLED after Cancel();
  //  - the first attempt's error when the server was never reached;
  //  - any non-retryable error (FAILED_PRECONDITION: the log changed;
  //    OUT_OF_RANGE; INVALID_ARGUMENT; ...), or the last error after
  //    options.give_up_after.
  grpc::Status Subscribe(const sitrep::v1::SubscribeRequest& request,
                         const SubscribeOptions& options,
                         SubscribeHandler* handler);

  // Ends a running Subscribe / PublishStream soon (it returns CANCELLED) and
  // makes later ones return at once. Idempotent.
  void Cancel();
  bool cancelled() const;

  const ChannelOptions& options() const { return options_; }

 private:
  // Registers the context of the call in progress so Cancel() can reach it.
  // Returns false when already cancelled.
  bool BeginCall(grpc::ClientContext* context);
  void EndCall();

  // Constant after construction.
  const std::shared_ptr<grpc::Channel> channel_;
  const ChannelOptions options_;
  const std::unique_ptr<sitrep::v1::SituationFeed::Stub> stub_;

  // State below is protected by mu_.
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* active_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_FEED_CLIENT_H_
