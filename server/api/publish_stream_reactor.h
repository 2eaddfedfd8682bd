#ifndef SITREP_SERVER_API_PUBLISH_STREAM_REACTOR_H_
#define SITREP_SERVER_API_PUBLISH_STREAM_REACTOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "server/service/stream_grants.h"
#include "server/auth/stream_quota.h"
#include "server/api/publish_window.h"
#include "server/ingest/publisher.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// PublishStream: one ack per request, in request order, each with the
// sequence or that request's error; a bad request does not end the stream.
// A message with a batch of requests is answered by one message with their
// acks. Keeps reading while earlier requests are being committed (up to
// `window` outstanding requests and kMaxOutstandingBytes of their messages:
// publish_window.h) so that group commit sees many of them at once; ack
// messages are written one at a time, in order.
//
// Messages arrive as bytes and are parsed here (the parse step at the edge,
// raw_messages.h). A message protobuf refuses is answered like any bad
// request and the stream goes on: a batch's entries are parsed one by one,
// so that each entry that does not parse gets an INVALID_ARGUMENT ack
// naming its field and the others are published; any other such message
// gets one INVALID_ARGUMENT ack per request, and nothing of it is stored. Only a message whose top level cannot be framed (so its
// number of requests, and every later index, is unknown) ends the stream,
// with INVALID_ARGUMENT, after the acks of the requests before it. The
// stream never ends OK with a request unanswered.
//
// Lifetime: owned by gRPC; deletes itself in OnDone. Finish waits for every
// outstanding append, so no callback can outlive the reactor.
//
// Thread safety: state guarded by mu_; gRPC operations are started outside
// mu_ by the thread that claimed them through the in-flight flags.
class PublishStreamReactor final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  // Publishes the requests of one message on behalf of the stream's caller
  // (rights and rate limit included); `done` runs exactly once, with a
  // result per request.
  using PublishFunction = std::function<void(
      std::vector<v1::PublishRequest> requests, PublishCallback done)>;

  // Counts `requests` requests refused before they reached `publish` (a
  // message that does not parse).
  using RefuseFunction =
      std::function<void(const absl::Status& refused, size_t requests)>;

  // `lease` counts the stream against its principal until OnDone.
  PublishStreamReactor(PublishFunction publish, RefuseFunction refuse,
                       StreamLease lease, size_t window);

  // Keeps the stream's grant in `grants` (borrowed, outlives the stream)
  // until OnDone, so that a policy reload that takes the stream's rights
  // away ends it (Revoke). Call once, right after construction.
  void HoldGrant(StreamGrants* grants, StreamGrant grant);

  // Ends the stream with `status` (UNAUTHENTICATED, PERMISSION_DENIED):
  // nothing read after this is published, acks not yet written are dropped,
  // and Finish follows once the appends in flight completed. Any thread;
  // later calls do nothing.
  void Revoke(const absl::Status& status);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // The answer to one message of the stream.
  struct Slot {
    uint64_t first_index = 0;  // of the message's first request
    size_t requests = 1;
    size_t bytes = 0;          // of the message, for window_
    bool completed = false;
    bool batched = false;
    v1::PublishAck ack;        // the ack, or the batch's acks in ack.batch
  };

  // Hands the requests of the message in request_ on.
  void PublishMessage();
  // Answers a message protobuf refused (`parsed` says why): the entries of
  // a well-framed batch one by one, any other message as a whole.
  void PublishUnparsed(absl::string_view bytes, const absl::Status& parsed);
  // Adds the slot of the next message (`bytes` long); returns its number.
  uint64_t AddSlot(size_t requests, bool batched, size_t bytes);
  // Stops reading after a message that cannot be framed; the stream ends
  // with `parsed` once the acks before it are written.
  void EndUnframed(const absl::Status& parsed);
  // Fills in the acks of message number `message`.
  void Complete(uint64_t message, PublishResults results);
  // Starts the next read, write or Finish if one is due.
  void Drive();

  // Lets Revoke reach the reactor only while it exists: OnDone clears it
  // (waiting for a Revoke that runs) before deleting the reactor.
  struct RevokeTarget {
    absl::Mutex mu;
    PublishStreamReactor* reactor ABSL_GUARDED_BY(mu);
  };

  const PublishFunction publish_;
  const RefuseFunction refuse_;
  StreamLease lease_;
  const std::shared_ptr<RevokeTarget> revoke_target_;
  StreamGrants::Registration grant_;
  // The bytes of read and unanswered messages one stream may hold.
  static constexpr size_t kMaxOutstandingBytes = size_t{4} << 20;

  absl::Mutex mu_;
  // The read target; only touched by the one read in flight.
  grpc::ByteBuffer request_;
  // Answers not yet written, from message number slots_base_ on.
  std::deque<Slot> slots_ ABSL_GUARDED_BY(mu_);
  uint64_t slots_base_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_index_ ABSL_GUARDED_BY(mu_) = 0;
  // The requests and bytes in slots_.
  PublishWindow window_ ABSL_GUARDED_BY(mu_);
  // The ack being written; must live until OnWriteDone. Touched only by
  // the thread that set write_in_flight_.
  grpc::ByteBuffer writing_;
  // Why the stream ends early (a message that cannot be framed); OK
  // otherwise. Reads stop when it is set.
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  bool read_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // The grant was revoked: end with revoked_status_.
  bool revoked_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status revoked_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_API_PUBLISH_STREAM_REACTOR_H_
