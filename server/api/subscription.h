#ifndef SITREP_SERVER_API_SUBSCRIPTION_H_
#define SITREP_SERVER_API_SUBSCRIPTION_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/api/subscription_registry.h"
#include "server/auth/principal.h"
#include "server/auth/stream_quota.h"
#include "server/fanout/feed.h"
#include "server/fanout/subscriber_cursor.h"
#include "server/filter/filter_matcher.h"
#include "server/metrics/metrics.h"
#include "server/runtime/clock.h"
#include "sitrep/v1/situation_feed.pb.h"

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

// Where a Subscription's messages go: a gRPC stream (subscribe_reactor.h)
// or a Server-Sent Events response (http/sse_stream.h). The subscription
// decides what to send and when; the sink only encodes and writes.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  // Encodes the next message to write. Called with the subscription's lock
  // held and only while no write is in flight, so it must not do I/O or call
  // back into the subscription.
  virtual void Encode(const CursorMessage& message,
                      const std::string& log_id) = 0;
  virtual void EncodeHeartbeat(const v1::Heartbeat& heartbeat,
                               const std::string& log_id, uint64_t cursor) = 0;
  // Writes what Encode made; Subscription::OnWriteDone follows (from any
  // thread, possibly before StartWrite returns).
  virtual void StartWrite() = 0;
  // Ends the stream, once; Subscription::OnDone follows.
  virtual void Finish(const absl::Status& status) = 0;
};

// One subscriber stream: drives its SubscriberCursor and writes what it
// yields, batch by batch, with at most one write in flight (the transport's
// flow control does the rest, so a slow client only slows itself). Pumping
// runs on the transport's threads (after a write) and on the executor
// (wake-ups, store reads, heartbeat timers), never on the publish path.
//
// Lifetime: shared by its transport (until OnDone), the Feed's waiter list
// and pending executor tasks.
//
// Thread safety: all state below is guarded by mu_; sink calls that do I/O
// (StartWrite, Finish) are made outside mu_ but only by the thread that set
// write_in_flight_ / finished_.
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

  // Starts writing to `sink` (borrowed until OnDone).
  void Start(SubscriptionSink* sink);

  // Ends the stream with `status` (shutdown: UNAVAILABLE).
  void End(const absl::Status& status);

  // FeedWaiter.
  void OnNewData() override;

  // From the transport.
  // Where the next batch is made after a write: kOnExecutor when the caller
  // is one of gRPC's few callback threads, which also read every
  // PublishStream (pumping a thousand subscribers there held publishers'
  // acks back ~0.4 s); kInline when the caller is on the executor already
  // (SseStream hands its write completions there).
  enum class NextBatch { kInline, kOnExecutor };
  void OnWriteDone(bool ok, NextBatch next = NextBatch::kInline);
  void OnCancel();
  void OnDone();

  // Where the stream starts: every update <= this was sent or skipped.
  uint64_t start_cursor() const { return start_cursor_; }
  // The stream starts with a situation snapshot (a `situation` start).
  bool starts_with_snapshot() const { return starts_with_snapshot_; }
  const std::string& log_id() const { return feed_->log_id(); }
  uint64_t head() const { return feed_->head(); }

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
  void EncodeHeartbeatLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  Feed* const feed_;
  Clock* const clock_;
  SubscriptionRegistry* const registry_;
  const std::unique_ptr<const FilterMatcher> filter_;
  const absl::Duration heartbeat_interval_;
  Metrics* const metrics_;
  const uint32_t mission_mask_;
  const uint64_t start_cursor_;
  const bool starts_with_snapshot_;

  absl::Mutex mu_;
  StreamLease lease_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<SubscriberCursor> cursor_ ABSL_PT_GUARDED_BY(mu_);
  SubscriptionSink* sink_ ABSL_GUARDED_BY(mu_) = nullptr;
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

// What the caller of one subscription may read.
struct SubscribeAccess {
  // Missions the caller may read (bit 1 << Mission each).
  uint32_t read_missions = kAllMissions;
  // Refuses a filter that asks for more than the caller may read (and
  // audits it); null: every filter passes.
  std::function<absl::Status(const v1::Filter&)> check_filter;
  // The stream's place in its principal's quota.
  StreamLease lease;
};

// Checks `request` (heartbeat, rights, filter, start position), starts its
// cursor and registers the subscription; the caller then Start()s it on a
// sink. Errors are the request's (INVALID_ARGUMENT, PERMISSION_DENIED,
// OUT_OF_RANGE, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, UNAVAILABLE) and
// are counted as refusals.
absl::StatusOr<std::shared_ptr<Subscription>> OpenSubscription(
    const v1::SubscribeRequest& request, Feed* feed, Clock* clock,
    SubscriptionRegistry* registry, const SubscribeOptions& options,
    SubscribeAccess access);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SUBSCRIPTION_H_
