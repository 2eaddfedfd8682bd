#ifndef SITREP_SERVER_SERVICE_SUBSCRIPTION_H_
#define SITREP_SERVER_SERVICE_SUBSCRIPTION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/service/stream_grants.h"
#include "server/service/subscription_registry.h"
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
// Example (a transport's side; subscribe_reactor.cc and http/sse_stream.cc
// are the real ones):
//
//   absl::StatusOr<std::shared_ptr<Subscription>> subscription =
//       reads.Subscribe(caller, "Subscribe", request);  // FeedReads
//   if (!subscription.ok()) return Refuse(subscription.status());
//   (*subscription)->Start(&sink);      // sink.StartWrite() follows
//   ...
//   // The transport's callbacks, from any thread:
//   (*subscription)->OnWriteDone(ok);   // a write completed: the next batch
//   (*subscription)->OnCancel();        // the client went away
//   (*subscription)->OnDone();          // after sink.Finish(): let go
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
  // `principal` names the executor lane (FairScheduler) the stream's work
  // runs in; `read_missions` are its rights (bit 1 << Mission);
  // `connection` identifies the transport connection the stream shares with
  // others (0: its own), so that a wake-up pumps a connection's streams one
  // after another (Feed::WaitForNew).
  Subscription(Feed* feed, Clock* clock, SubscriptionRegistry* registry,
               std::unique_ptr<const FilterMatcher> filter,
               std::unique_ptr<SubscriberCursor> cursor,
               absl::Duration heartbeat_interval, StreamLease lease,
               Metrics* metrics, const std::string& principal = "",
               uint32_t read_missions = kAllMissions,
               uint64_t connection = 0);

  // Starts writing to `sink` (borrowed until OnDone).
  void Start(SubscriptionSink* sink);

  // Ends the stream with `status` (shutdown: UNAVAILABLE; a revoked grant:
  // UNAUTHENTICATED or PERMISSION_DENIED; OK: a clean end, e.g. an SSE
  // stream's maximum age). Later calls do nothing.
  void End(const absl::Status& status);

  // Ends the stream with OK after a random time between 0.9 and 1 times
  // `age` (the SSE gateway's maximum stream age, after which EventSource
  // reconnects and authenticates again; spread so that dashboards opened
  // together do not all reconnect together). Infinite: never.
  void EndAfter(absl::Duration age);

  // Keeps the stream's place among the grants until OnDone.
  void HoldGrant(StreamGrants::Registration registration);

  // FeedWaiter.
  void OnNewData() override;

  // From the transport.
  // Where the next batch is made after a write. Both now go to the
  // principal's lane on the executor (FairScheduler), so that one
  // principal's many fast streams take turns with other principals' work
  // (issue 17, M-5): never on gRPC's few callback threads, which also read
  // every PublishStream (pumping a thousand subscribers there held
  // publishers' acks back ~0.4 s), and not inline on the executor task that
  // SseStream hands its write completions to either. A write that leaves
  // the stream with nothing to send files it with the Feed right here, on
  // the caller's thread, without a pump (cheap: no entry is read).
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
  enum class PumpCause {
    kDirect,     // a caller's own thread (Start, End, a store read's task)
    kScheduled,  // the pump SchedulePump queued (it clears pump_scheduled_)
    kWoken,      // the Feed's wake-up, in the lane (it clears waiting_)
  };
  void Pump(PumpCause cause = PumpCause::kDirect);
  // After a write: files the stream with the Feed when it has nothing more
  // to send, instead of a pump that would find that out. True: nothing
  // more to do now.
  bool ParkLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs Pump() in the stream's lane, once however often it is asked
  // before it runs.
  void SchedulePump();
  // Queues the pump SchedulePump marked (pump_scheduled_).
  void EnqueuePump();
  void HeartbeatTick();
  void ScheduleHeartbeat(absl::Duration delay);
  void EncodeHeartbeatLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The delivery metrics of a message encoded at `now` (Pump).
  void CountDelivery(const CursorMessage& message, bool live, absl::Time now);

  // Constant after construction.
  Feed* const feed_;
  Clock* const clock_;
  SubscriptionRegistry* const registry_;
  const std::unique_ptr<const FilterMatcher> filter_;
  const absl::Duration heartbeat_interval_;
  Metrics* const metrics_;
  const uint32_t mission_mask_;
  // The missions the caller may read: heartbeats name only those (M-2).
  const uint32_t read_missions_;
  // The Feed wakes the stream only for updates carrying one of these.
  const std::vector<WakeKey> wake_keys_;
  const std::shared_ptr<FairScheduler::Lane> lane_;
  const uint64_t connection_;
  const uint64_t start_cursor_;
  const bool starts_with_snapshot_;

  absl::Mutex mu_;
  StreamLease lease_ ABSL_GUARDED_BY(mu_);
  StreamGrants::Registration grant_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<SubscriberCursor> cursor_ ABSL_PT_GUARDED_BY(mu_);
  // The message Pump asks the cursor for, kept between pumps so that its
  // vectors keep their capacity (a live stream makes one per delivery);
  // emptied of entries once encoded.
  CursorMessage message_ ABSL_GUARDED_BY(mu_);
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
  // Whose executor lane the stream's work runs in (FairScheduler).
  std::string principal;
  // The transport connection, e.g. a hash of the peer address (0: none
  // shared); see Subscription's constructor.
  uint64_t connection = 0;
  // Where the stream's grant is kept for policy reloads (null: nowhere);
  // its read_missions are filled in from the compiled filter.
  StreamGrants* grants = nullptr;
  StreamGrant grant;
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

#endif  // SITREP_SERVER_SERVICE_SUBSCRIPTION_H_
