#include "server/service/subscription.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

// Entries behind the head a woken stream may be and still pump in its light
// task (one full batch's worth).
constexpr uint64_t kLightLag = 256;

absl::StatusOr<absl::Duration> HeartbeatInterval(
    const v1::SubscribeRequest& request, const SubscribeOptions& options) {
  if (!request.has_heartbeat_interval()) return options.default_heartbeat;
  const auto& d = request.heartbeat_interval();
  if (!IsValidDuration(d)) {
    return absl::InvalidArgumentError(
        "heartbeat_interval: not a valid duration");
  }
  const absl::Duration interval = FromProtoDuration(d);
  if (interval < options.min_heartbeat || interval > options.max_heartbeat) {
    return absl::InvalidArgumentError(absl::StrCat(
        "heartbeat_interval: ", absl::FormatDuration(interval),
        " is outside ", absl::FormatDuration(options.min_heartbeat), "..",
        absl::FormatDuration(options.max_heartbeat)));
  }
  return interval;
}

}  // namespace

Subscription::Subscription(Feed* feed, Clock* clock,
                           SubscriptionRegistry* registry,
                           std::unique_ptr<const FilterMatcher> filter,
                           std::unique_ptr<SubscriberCursor> cursor,
                           absl::Duration heartbeat_interval,
                           StreamLease lease, Metrics* metrics,
                           const std::string& principal,
                           uint32_t read_missions, uint64_t connection)
    : feed_(feed),
      clock_(clock),
      registry_(registry),
      filter_(std::move(filter)),
      heartbeat_interval_(heartbeat_interval),
      metrics_(metrics),
      mission_mask_(cursor->missions().bits()),
      read_missions_(read_missions),
      wake_keys_(filter_ != nullptr ? filter_->WakeKeys()
                                    : std::vector<WakeKey>{AnyUpdateWakeKey()}),
      lane_(feed->scheduler().LaneFor(principal)),
      connection_(connection),
      start_cursor_(cursor->cursor()),
      starts_with_snapshot_(cursor->in_snapshot()),
      lease_(std::move(lease)),
      cursor_(std::move(cursor)) {}

void Subscription::Start(SubscriptionSink* sink) {
  {
    absl::MutexLock lock(&mu_);
    sink_ = sink;
    last_send_ = clock_->Now();
  }
  ScheduleHeartbeat(heartbeat_interval_);
  Pump();
}

void Subscription::End(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finish_requested_) return;
    finish_requested_ = true;
    finish_status_ = status;
  }
  Pump();
}

void Subscription::EndAfter(absl::Duration age) {
  if (age == absl::InfiniteDuration()) return;
  thread_local std::mt19937 random{std::random_device{}()};
  age *= std::uniform_real_distribution<double>(0.9, 1.0)(random);
  std::weak_ptr<Subscription> weak = weak_from_this();
  feed_->executor().ScheduleAfter(age, [weak] {
    if (std::shared_ptr<Subscription> self = weak.lock()) {
      self->End(absl::OkStatus());
    }
  });
}

void Subscription::HoldGrant(StreamGrants::Registration registration) {
  absl::MutexLock lock(&mu_);
  if (done_) return;  // registration leaves as it is destroyed
  grant_ = std::move(registration);
}

// The Feed runs this in the stream's lane as a light task (feed.h): it is
// the pump's turn already, so it pumps here instead of queueing a pump for
// a later turn. Light as promised: the stream was parked at the head and is
// at most kLightLag entries behind it (else Pump queues an ordinary turn),
// so the pump scans little, encodes one batch from the ring and starts one
// write.
void Subscription::OnNewData() { Pump(PumpCause::kWoken); }

void Subscription::SchedulePump() {
  {
    absl::MutexLock lock(&mu_);
    if (pump_scheduled_) return;
    pump_scheduled_ = true;
  }
  EnqueuePump();
}

void Subscription::EnqueuePump() {
  std::shared_ptr<Subscription> self = shared_from_this();
  feed_->scheduler().Schedule(
      lane_, [self] { self->Pump(PumpCause::kScheduled); });
}

void Subscription::OnWriteDone(bool ok, NextBatch next) {
  {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    if (!ok && !finish_requested_) {
      // The client is gone; Finish is still owed to gRPC.
      finish_requested_ = true;
      finish_status_ = absl::CancelledError("the client went away");
    }
    if (ParkLocked()) return;
  }
  (void)next;  // Both go to the lane (subscription.h).
  SchedulePump();
}

// Most writes of a live stream leave it at the head: the pump that would
// follow only finds nothing and files the stream with the Feed. Filing it
// here saves that pump, its turn in the lane and, for gRPC, the hop from
// gRPC's thread to the executor: at 200 updates/s to 1,000 streams that
// was one of the two pumps of every delivery (issue 24). Cheap enough for
// any thread: no entry is read, no batch made, so the lanes stay fair.
bool Subscription::ParkLocked() {
  if (finish_requested_ || finished_ || done_ || sink_ == nullptr ||
      store_read_in_flight_ || waiting_) {
    return false;
  }
  // A pump already queued (a wake-up during the write) does the rest.
  if (pump_scheduled_) return true;
  if (!cursor_->Idle() || clock_->Now() - last_send_ >= heartbeat_interval_) {
    return false;
  }
  if (!feed_->WaitForNew(shared_from_this(), cursor_->cursor(), wake_keys_,
                         lane_, connection_)) {
    return false;  // The head moved meanwhile: pump.
  }
  waiting_ = true;
  return true;
}

void Subscription::OnCancel() {
  End(absl::CancelledError("the client cancelled the stream"));
}

void Subscription::OnDone() {
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    sink_ = nullptr;
    // Now, not when the last executor task lets go of the subscription: a
    // client that closes one stream may open the next at once.
    lease_.Release();
    grant_.Reset();
  }
  feed_->CancelWait(this);
  registry_->Remove(this);
}

uint64_t Subscription::Lag(uint64_t head) {
  absl::MutexLock lock(&mu_);
  if (waiting_ || finished_ || done_ || cursor_->in_snapshot()) return 0;
  const uint64_t cursor = cursor_->cursor();
  return head > cursor ? head - cursor : 0;
}

void Subscription::ScheduleHeartbeat(absl::Duration delay) {
  std::weak_ptr<Subscription> weak = weak_from_this();
  feed_->executor().ScheduleAfter(delay, [weak] {
    if (std::shared_ptr<Subscription> self = weak.lock()) {
      self->HeartbeatTick();
    }
  });
}

void Subscription::HeartbeatTick() {
  absl::Duration next;
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || done_) return;
    const absl::Duration quiet = clock_->Now() - last_send_;
    next = quiet >= heartbeat_interval_ ? heartbeat_interval_
                                        : heartbeat_interval_ - quiet;
    if (waiting_) {
      // Still filed with the Feed: nothing it appended since carried one of
      // our wake keys, so the cursor moves to the head without reading
      // those updates (they may have left the ring long ago).
      if (std::optional<uint64_t> head = feed_->EndWait(this)) {
        waiting_ = false;
        cursor_->SkipTo(*head);
      }
    }
  }
  ScheduleHeartbeat(next);
  SchedulePump();
}

void Subscription::EncodeHeartbeatLocked() {
  v1::Heartbeat heartbeat;
  heartbeat.set_head_sequence(feed_->head());
  *heartbeat.mutable_server_time() = ToProtoTime(clock_->Now());
  // Only the missions the caller may read: it learns nothing of when a
  // mission it may not read last published (issue 17, M-2). Its filter does
  // not narrow them: the activity of every readable mission tells it the
  // feed is alive.
  for (v1::MissionActivity& activity : feed_->MissionActivity()) {
    if (!MissionInMask(read_missions_, activity.mission())) continue;
    *heartbeat.add_missions() = std::move(activity);
  }
  sink_->EncodeHeartbeat(heartbeat, feed_->log_id(), cursor_->cursor());
}

// Counted before the write starts, so that a client holding the batch
// always finds it counted. `live`: the subscriber had caught up before
// `message`, so received_at -> now is delivery latency.
void Subscription::CountDelivery(const CursorMessage& message, bool live,
                                 absl::Time now) {
  if (metrics_ == nullptr || message.type != CursorMessage::Type::kUpdates) {
    return;
  }
  metrics_->RecordDeliveries(message.updates, live && !message.snapshot, now);
  const uint64_t head = feed_->head();
  if (!message.snapshot && head >= message.cursor) {
    metrics_->ObserveSubscriberLag(head - message.cursor);
  }
}

// One turn of the stream's state machine: longer than 60 lines because its
// steps share the lock and the loop (a Finish owed, the cursor's next step,
// a store read, a heartbeat, waiting at the head) and read best together;
// each ends by starting at most one sink call outside the lock.
void Subscription::Pump(PumpCause cause) {
  std::shared_ptr<Subscription> self = shared_from_this();
  absl::ReleasableMutexLock lock(&mu_);
  // Under the same lock as the turn itself: a wake-up from now on queues
  // another pump.
  if (cause == PumpCause::kScheduled) pump_scheduled_ = false;
  if (cause == PumpCause::kWoken) {
    waiting_ = false;
    // A pump queued meanwhile (a heartbeat's) reads what woke us.
    if (pump_scheduled_) return;
    // Far behind (it waited while many updates of other keys went by): a
    // scan too long for a light task, so an ordinary turn.
    if (feed_->head() > cursor_->cursor() + kLightLag) {
      lock.Release();
      SchedulePump();
      return;
    }
  }
  for (;;) {
    if (finished_ || done_ || sink_ == nullptr || write_in_flight_ ||
        store_read_in_flight_) {
      return;
    }
    SubscriptionSink* const sink = sink_;
    if (finish_requested_) {
      finished_ = true;
      const absl::Status status = finish_status_;
      lock.Release();
      sink->Finish(status);
      return;
    }
    absl::Status failure;
    // Live: the subscriber had caught up before this message, so its
    // updates are new ones and received_at -> now is delivery latency.
    const bool live = cursor_->caught_up();
    const absl::Time now = clock_->Now();
    switch (cursor_->Next(&message_, &failure)) {
      case SubscriberCursor::Step::kMessage:
        sink->Encode(message_, feed_->log_id());
        CountDelivery(message_, live, now);
        // The entries are in the encoded message now; the vector stays.
        message_.updates.clear();
        break;
      case SubscriberCursor::Step::kReadStore: {
        store_read_in_flight_ = true;
        const SubscriberCursor::StoreRead read = cursor_->ReadStore();
        if (metrics_ != nullptr) metrics_->RecordCatchupRead();
        lock.Release();
        feed_->scheduler().Schedule(lane_, [self, read] {
          absl::StatusOr<EventLog::MissionRead> entries = read();
          {
            absl::MutexLock relock(&self->mu_);
            self->store_read_in_flight_ = false;
            self->cursor_->AcceptStoreRead(std::move(entries));
          }
          self->Pump();
        });
        return;
      }
      case SubscriberCursor::Step::kYield:
        lock.Release();
        SchedulePump();
        return;
      case SubscriberCursor::Step::kIdle:
        if (now - last_send_ >= heartbeat_interval_) {
          EncodeHeartbeatLocked();
          break;
        }
        if (waiting_) return;
        if (!feed_->WaitForNew(self, cursor_->cursor(), wake_keys_, lane_,
                               connection_)) {
          continue;  // The head moved meanwhile: read it.
        }
        waiting_ = true;
        return;
      case SubscriberCursor::Step::kFail:
        message_.updates.clear();  // a lagging stream's full batch
        finish_requested_ = true;
        finish_status_ = failure;
        continue;
    }
    // The sink holds an encoded message: write it.
    write_in_flight_ = true;
    last_send_ = now;
    lock.Release();
    sink->StartWrite();
    return;
  }
}

absl::StatusOr<std::shared_ptr<Subscription>> OpenSubscription(
    const v1::SubscribeRequest& request, Feed* feed, Clock* clock,
    SubscriptionRegistry* registry, const SubscribeOptions& options,
    SubscribeAccess access) {
  // Every refusal below is the request's (or its caller's): counted.
  auto refuse = [&options](const absl::Status& status) {
    if (options.metrics != nullptr) {
      options.metrics->RecordRefusal(status, RejectReason::kStreamQuota);
    }
    return status;
  };
  absl::StatusOr<absl::Duration> heartbeat =
      HeartbeatInterval(request, options);
  if (!heartbeat.ok()) return refuse(heartbeat.status());
  if (access.check_filter) {
    absl::Status allowed = access.check_filter(request.filter());
    if (!allowed.ok()) return refuse(allowed);
  }
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(request.filter(), options.filter_limits, "filter",
                             MissionSet::FromBits(access.read_missions));
  if (!filter.ok()) return refuse(filter.status());
  if ((*filter)->MatchesEverything()) filter->reset();
  absl::StatusOr<std::unique_ptr<SubscriberCursor>> cursor =
      SubscriberCursor::Start(feed, request, filter->get(),
                              options.cursor_limits);
  if (!cursor.ok()) return refuse(cursor.status());
  auto subscription = std::make_shared<Subscription>(
      feed, clock, registry, *std::move(filter), *std::move(cursor),
      *heartbeat, std::move(access.lease), options.metrics, access.principal,
      access.read_missions, access.connection);
  absl::Status added = registry->Add(subscription);
  if (!added.ok()) return refuse(added);
  if (access.grants != nullptr) {
    access.grant.read_missions = subscription->mission_mask();
    std::weak_ptr<Subscription> weak = subscription;
    subscription->HoldGrant(access.grants->Add(
        std::move(access.grant), [weak](const absl::Status& status) {
          if (std::shared_ptr<Subscription> live = weak.lock()) {
            live->End(status);
          }
        }));
  }
  return subscription;
}

}  // namespace sitrep
