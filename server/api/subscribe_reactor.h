#ifndef SITREP_SERVER_API_SUBSCRIBE_REACTOR_H_
#define SITREP_SERVER_API_SUBSCRIBE_REACTOR_H_

#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/api/subscription_registry.h"
#include "server/auth/principal.h"
#include "server/auth/stream_quota.h"
#include "server/fanout/feed.h"
#include "server/fanout/subscriber_cursor.h"
#include "server/filter/filter_matcher.h"
#include "server/metrics/metrics.h"
#include "server/runtime/clock.h"

namespace sitrep {

struct SubscribeOptions {
  absl::Duration default_heartbeat = absl::Seconds(5);
  absl::Duration min_heartbeat = absl::Seconds(1);
  absl::Duration max_heartbeat = absl::Hours(1);
  FilterLimits filter_limits;
  SubscriberCursor::Limits cursor_limits;
  // Borrowed; null: no metrics.
  Metrics* metrics = nullptr;
};

// One Subscribe stream: drives its SubscriberCursor and writes what it
// yields, batch by batch, with at most one write in flight (gRPC flow
// control does the rest, so a slow client only slows itself). Pumping runs
// on gRPC's callback threads (after a write) and on the executor (wake-ups,
// store reads, heartbeat timers), never on the publish path.
//
// Lifetime: shared by its reactor (until OnDone), the Feed's waiter list and
// pending executor tasks; the reactor deletes itself in OnDone.
//
// Thread safety: all state below is guarded by mu_; gRPC calls are made
// outside mu_ but only by the thread that set write_in_flight_ / finished_.
class Subscription final : public FeedWaiter,
                           public std::enable_shared_from_this<Subscription> {
 public:
  // `lease` counts the stream against its principal until OnDone.
  // `metrics` (borrowed, nullable) counts what is written.
  Subscription(Feed* feed, Clock* clock, SubscriptionRegistry* registry,
               std::unique_ptr<const FilterMatcher> filter,
               std::unique_ptr<SubscriberCursor> cursor,
               absl::Duration heartbeat_interval, StreamLease lease,
               Metrics* metrics);

  // Starts writing to `reactor` (borrowed until OnDone).
  void Start(grpc::ServerWriteReactor<grpc::ByteBuffer>* reactor);

  // Ends the stream with `status` (shutdown: UNAVAILABLE).
  void End(const absl::Status& status);

  // FeedWaiter.
  void OnNewData() override;

  // From the reactor.
  void OnWriteDone(bool ok);
  void OnCancel();
  void OnDone();

  // For metrics: the missions the stream's filter (and its caller's
  // rights) let through, as a mask (bit 1 << Mission).
  uint32_t mission_mask() const { return mission_mask_; }
  // Updates between `head` and the cursor; 0 while the stream waits at the
  // head for its missions (updates of other missions do not concern it),
  // sends a snapshot, or has ended.
  uint64_t Lag(uint64_t head);

 private:
  void Pump();
  void HeartbeatTick();
  void ScheduleHeartbeat(absl::Duration delay);
  // Encodes into buffer_. REQUIRES: mu_ held, a write may start.
  void EncodeLocked(const CursorMessage& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EncodeHeartbeatLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  Feed* const feed_;
  Clock* const clock_;
  SubscriptionRegistry* const registry_;
  const std::unique_ptr<const FilterMatcher> filter_;
  const absl::Duration heartbeat_interval_;
  Metrics* const metrics_;
  const uint32_t mission_mask_;

  absl::Mutex mu_;
  StreamLease lease_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<SubscriberCursor> cursor_ ABSL_PT_GUARDED_BY(mu_);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* reactor_ ABSL_GUARDED_BY(mu_) =
      nullptr;
  // The message being written; must live until OnWriteDone.
  // Touched only by the thread that set write_in_flight_.
  grpc::ByteBuffer buffer_;
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool store_read_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool pump_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  // Finish was requested with finish_status_; it is called once no write is
  // in flight. finished_: Finish was called.
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status finish_status_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_send_ ABSL_GUARDED_BY(mu_);
};

// What the caller of one Subscribe may read.
struct SubscribeAccess {
  // Missions the caller may read (bit 1 << Mission each).
  uint32_t read_missions = kAllMissions;
  // Refuses a filter that asks for more than the caller may read (and
  // audits it); null: every filter passes.
  std::function<absl::Status(const v1::Filter&)> check_filter;
  // The stream's place in its principal's quota.
  StreamLease lease;
};

// Creates the reactor for one Subscribe call: parses and checks the
// request, starts the cursor, registers the stream. A bad request gets a
// reactor that finishes at once with the error.
grpc::ServerWriteReactor<grpc::ByteBuffer>* NewSubscribeReactor(
    const grpc::ByteBuffer& request_bytes, Feed* feed, Clock* clock,
    SubscriptionRegistry* registry, const SubscribeOptions& options,
    SubscribeAccess access);

// A reactor that only finishes the call with `status`.
grpc::ServerWriteReactor<grpc::ByteBuffer>* NewFailedSubscribeReactor(
    const absl::Status& status);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SUBSCRIBE_REACTOR_H_
