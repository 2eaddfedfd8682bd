#include "server/api/subscribe_reactor.h"

#include <memory>
#include <string>
#include <utility>

#include "server/api/grpc_status.h"
#include "server/api/raw_messages.h"
#include "server/api/subscribe_batch.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {
namespace {

// What the call metrics interceptor counts for the other methods
// (call_metrics_interceptor.h): the status the call finishes with.
grpc::Status CountedStatus(const absl::Status& status, Metrics* metrics) {
  grpc::Status finished = ToGrpcStatus(status);
  if (metrics != nullptr) {
    metrics->RecordHandled(RpcMethod::kSubscribe, finished.error_code());
  }
  return finished;
}

// A reactor that only reports an error.
class FailedReactor final : public InlineWriteReactor {
 public:
  FailedReactor(const absl::Status& status, Metrics* metrics) {
    Finish(CountedStatus(status, metrics));
  }
  void OnDone() override { delete this; }
};

// Encodes a Subscription's messages as SubscribeResponse bytes.
class GrpcStreamSink final : public SubscriptionSink {
 public:
  GrpcStreamSink(InlineWriteReactor* reactor,
                 Metrics* metrics)
      : reactor_(reactor), metrics_(metrics) {}

  void Encode(const CursorMessage& message,
              const std::string& log_id) override {
    if (message.type == CursorMessage::Type::kUpdates) {
      // A repeated field on the wire is its elements one after another, so
      // the batch is the entries' pre-encoded bytes: nothing is serialised
      // per subscriber but the cursor (subscribe_batch.h).
      if (batches_ == nullptr || batches_->log_id() != log_id) {
        batches_ = std::make_unique<SubscribeBatchEncoder>(log_id);
      }
      buffer_.Set(batches_->Encode(message));
      return;
    }
    v1::SubscribeResponse response;
    switch (message.type) {
      case CursorMessage::Type::kCaughtUp:
        response.mutable_caught_up()->set_sequence(message.sequence);
        break;
      case CursorMessage::Type::kSnapshotEnd:
        response.mutable_snapshot_end()->set_sequence(message.sequence);
        break;
      case CursorMessage::Type::kGap:
        response.mutable_gap()->set_from_sequence(message.gap_from);
        response.mutable_gap()->set_to_sequence(message.gap_to);
        break;
      case CursorMessage::Type::kUpdates:
        break;
    }
    response.mutable_cursor()->set_log_id(log_id);
    response.mutable_cursor()->set_sequence(message.cursor);
    buffer_.Set(ToByteBuffer(response.SerializeAsString()));
  }

  void EncodeHeartbeat(const v1::Heartbeat& heartbeat,
                       const std::string& log_id, uint64_t cursor) override {
    v1::SubscribeResponse response;
    *response.mutable_heartbeat() = heartbeat;
    response.mutable_cursor()->set_log_id(log_id);
    response.mutable_cursor()->set_sequence(cursor);
    buffer_.Set(ToByteBuffer(response.SerializeAsString()));
  }

  // The completion may run inside this call, on this thread (no lock is
  // held: Subscription::Pump releases its own first), and may end the
  // stream: nothing of the sink is touched after it.
  void StartWrite() override { reactor_->StartInlineWrite(&buffer_); }
  void Finish(const absl::Status& status) override {
    reactor_->Finish(CountedStatus(status, metrics_));
  }

 private:
  InlineWriteReactor* const reactor_;
  Metrics* const metrics_;
  // The message being written; must live until OnWriteDone. Touched only by
  // the thread that started the write (the Subscription's rule), like
  // batches_ (made by the first batch: the log id is the Feed's).
  EncodedMessage buffer_;
  std::unique_ptr<SubscribeBatchEncoder> batches_;
};

// The reactor gRPC sees; the stream's state lives in the shared
// Subscription. Deletes itself in OnDone.
class SubscribeReactor final : public InlineWriteReactor {
 public:
  SubscribeReactor(std::shared_ptr<Subscription> subscription,
                   Metrics* metrics)
      : subscription_(std::move(subscription)), sink_(this, metrics) {}
  void Start() { subscription_->Start(&sink_); }
  void OnWriteDone(bool ok) override {
    subscription_->OnWriteDone(ok, Subscription::NextBatch::kOnExecutor);
  }
  void OnCancel() override { subscription_->OnCancel(); }
  void OnDone() override {
    subscription_->OnDone();
    delete this;
  }

 private:
  const std::shared_ptr<Subscription> subscription_;
  GrpcStreamSink sink_;
};

}  // namespace

InlineWriteReactor* NewSubscribeReactor(
    const grpc::ByteBuffer& request_bytes, const SubscriptionOpener& open,
    Metrics* metrics) {
  auto refuse = [metrics](const absl::Status& status) {
    if (metrics != nullptr) metrics->RecordRefusal(status, RejectReason::kOther);
    return new FailedReactor(status, metrics);
  };
  v1::SubscribeRequest request;
  if (absl::Status parsed = ParseRawRequest(request_bytes, &request);
      !parsed.ok()) {
    return refuse(parsed);
  }
  absl::StatusOr<std::shared_ptr<Subscription>> subscription = open(request);
  if (!subscription.ok()) {
    return new FailedReactor(subscription.status(), metrics);
  }
  auto* reactor = new SubscribeReactor(*std::move(subscription), metrics);
  reactor->Start();
  return reactor;
}

InlineWriteReactor* NewFailedSubscribeReactor(
    const absl::Status& status, Metrics* metrics) {
  return new FailedReactor(status, metrics);
}

}  // namespace sitrep
