// A gRPC Subscribe stream of the fan-out, verified (VerifyingSubscriber).
// It reads raw ByteBuffers and decodes only what it checks
// (bench/update_decoder.h), so that thousands of them fit on the load
// generator's share of the machine.
#ifndef SITREP_BENCH_GRPC_SUBSCRIBER_H_
#define SITREP_BENCH_GRPC_SUBSCRIBER_H_

#include "bench/grpc_channels.h"
#include "bench/verifying_subscriber.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::bench {

// One gRPC Subscribe stream. Callbacks of one reactor never run
// concurrently.
class Subscriber final : public VerifyingSubscriber,
                         public grpc::ClientReadReactor<grpc::ByteBuffer> {
 public:
  // `stall`: stop reading after the first message (isolation runs);
  // `publishers`: how many publishers share the updates (PublisherOf).
  Subscriber(int mission_index, bool stall = false, int publishers = 1)
      : VerifyingSubscriber(mission_index, publishers), stall_(stall) {}

  // Starts the call on `channel` (borrowed; must outlive the stream).
  void Start(Channel* channel, const v1::SubscribeRequest& request);

  void Cancel() override { context_.TryCancel(); }

  // Verifies one message: a batch of updates or exactly one marker, with
  // the cursor.
  void OnReadDone(bool ok) override;

  void OnDone(const grpc::Status& status) override {
    status_ = status;
    SetDone();
  }

  const grpc::Status& status() const { return status_; }

 private:
  const bool stall_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status status_;
};

// A from-now Subscribe to one mission (mission_index 0..2).
v1::SubscribeRequest MissionRequest(int mission_index, int heartbeat_s);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_GRPC_SUBSCRIBER_H_
