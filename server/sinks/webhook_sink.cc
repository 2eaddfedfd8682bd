#include "server/sinks/webhook_sink.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/runtime/logging.h"
#include "server/sinks/alertmanager_body.h"
#include "server/sinks/interop_body.h"
#include "server/sinks/json_batch_body.h"
#include "server/sinks/response_excerpt.h"
#include "server/sinks/sink_cursor_file.h"

namespace sitrep {
namespace {

constexpr char kComponent[] = "webhook";
// Cursor steps per Advance(), so that one sink catching up over a long
// history does not starve the others on the shared thread.
constexpr int kMaxStepsPerAdvance = 8;
// Stored (protobuf) bytes per batch; the JSON body is a small multiple.
constexpr size_t kMaxBatchBytes = 1 << 20;

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

WebhookSink::WebhookSink(WebhookSinkConfig config, Feed* feed,
                         Options options, std::shared_ptr<SinksWakeup> wakeup)
    : config_(std::move(config)),
      feed_(feed),
      options_(std::move(options)),
      waker_(std::make_shared<SinkWaker>(std::move(wakeup))),
      backoff_(config_.backoff_initial, config_.backoff_max) {
  request_template_.url = config_.url;
  request_template_.timeout = config_.timeout;
  request_template_.ca_file = config_.ca_file;
  request_template_.proxy = config_.proxy;
  if (!config_.bearer_token.empty()) {
    request_template_.headers.push_back(
        absl::StrCat("Authorization: Bearer ", config_.bearer_token));
    secrets_.push_back(config_.bearer_token);
  }
  for (const auto& [name, value] : config_.headers) {
    request_template_.headers.push_back(absl::StrCat(name, ": ", value));
    secrets_.push_back(value);
  }
  absl::MutexLock lock(&mu_);
  status_.name = config_.name;
}

absl::StatusOr<std::unique_ptr<WebhookSink>> WebhookSink::Open(
    WebhookSinkConfig config, Feed* feed, Options options,
    std::shared_ptr<SinksWakeup> wakeup) {
  std::unique_ptr<WebhookSink> sink(new WebhookSink(
      std::move(config), feed, std::move(options), std::move(wakeup)));
  const WebhookSinkConfig& c = sink->config_;

  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(c.filter, FilterLimits{},
                             absl::StrCat("webhook ", c.name, ": filter"));
  if (!filter.ok()) return filter.status();
  sink->filter_ = *std::move(filter);
  if (sink->filter_->MatchesEverything()) sink->filter_.reset();

  absl::StatusOr<std::optional<v1::Cursor>> saved =
      LoadSinkCursor(sink->options_.cursor_path);
  if (!saved.ok()) return saved.status();
  const uint64_t head = feed->head();
  uint64_t start;
  if (!saved->has_value()) {
    start = c.start_at_beginning ? feed->oldest() - 1 : head;
  } else if ((*saved)->log_id() != feed->log_id()) {
    // Another store (wiped, restored, replaced): its sequences mean nothing
    // here. At least once wins: deliver everything this log retains.
    LogWarning(kComponent,
               "the sink's cursor belongs to another log; starting over at "
               "the oldest retained update",
               {{"sink", c.name},
                {"cursor_log_id", (*saved)->log_id()},
                {"log_id", feed->log_id()}});
    start = feed->oldest() - 1;
  } else if ((*saved)->sequence() > head) {
    LogWarning(kComponent,
               "the sink's cursor is beyond the log's head (a restored "
               "store?); starting at the head",
               {{"sink", c.name},
                {"cursor", absl::StrCat((*saved)->sequence())},
                {"head", absl::StrCat(head)}});
    start = head;
  } else {
    start = (*saved)->sequence();
  }
  if (absl::Status started = sink->StartCursor(start); !started.ok()) {
    return started;
  }
  sink->SetAcked(start);
  if (absl::Status saved_now = sink->Persist(); !saved_now.ok()) {
    return saved_now;
  }
  LogInfo(kComponent, "sink started",
          {{"sink", c.name},
           {"format", WebhookFormatName(c.format)},
           {"cursor", absl::StrCat(start)},
           {"head", absl::StrCat(head)}});
  return sink;
}

absl::Status WebhookSink::StartCursor(uint64_t after) {
  v1::SubscribeRequest request;
  request.set_log_id(feed_->log_id());
  request.set_after_sequence(after);
  request.set_on_gap(v1::GAP_POLICY_GAP);
  SubscriberCursor::Limits limits;
  limits.max_batch_updates = config_.max_batch;
  limits.max_batch_bytes = kMaxBatchBytes;
  absl::StatusOr<std::unique_ptr<SubscriberCursor>> cursor =
      SubscriberCursor::Start(feed_, request, filter_.get(), limits);
  if (!cursor.ok()) return cursor.status();
  cursor_ = *std::move(cursor);
  return absl::OkStatus();
}

bool WebhookSink::ready() const {
  return state_ == State::kReading ||
         (state_ == State::kWaiting && waker_->woken());
}

absl::Time WebhookSink::next_due() const {
  switch (state_) {
    case State::kReading:
      return absl::InfinitePast();
    case State::kWaiting:
      return recheck_at_;
    case State::kPosting:
      return absl::InfiniteFuture();
    case State::kBackoff:
      return retry_at_;
  }
  return absl::InfiniteFuture();
}

void WebhookSink::Advance(absl::Time now, HttpPoster* poster) {
  switch (state_) {
    case State::kPosting:
      return;
    case State::kBackoff:
      if (now < retry_at_) return;
      if (pending_.has_value()) {
        StartPost(poster);
        return;
      }
      if (cursor_failed_) {
        if (absl::Status restarted = StartCursor(acked_); !restarted.ok()) {
          retry_at_ = now + backoff_.Next(std::nullopt);
          return;
        }
        cursor_failed_ = false;
      }
      state_ = State::kReading;
      break;
    case State::kWaiting:
      if (!waker_->TakeWoken()) {
        if (now < recheck_at_) return;
        // Nothing of our missions arrived for a while: move the cursor past
        // the others' updates anyway, so the lag shows what is really owed.
        // (A woken waiter was already taken off the Feed's list.)
        feed_->CancelWait(waker_.get());
      }
      state_ = State::kReading;
      break;
    case State::kReading:
      break;
  }
  Read(now, poster);
}

void WebhookSink::Read(absl::Time now, HttpPoster* poster) {
  for (int step = 0; step < kMaxStepsPerAdvance; ++step) {
    CursorMessage message;
    absl::Status failure;
    switch (cursor_->Next(&message, &failure)) {
      case SubscriberCursor::Step::kMessage:
        if (message.type == CursorMessage::Type::kUpdates &&
            !message.updates.empty()) {
          pending_ = EncodeBatch(message);
          StartPost(poster);
          return;
        }
        if (message.type == CursorMessage::Type::kGap) SkipGap(message);
        continue;  // CaughtUp and the rest mean nothing to a sink.
      case SubscriberCursor::Step::kReadStore: {
        // On this thread: a store read takes milliseconds, and the other
        // sinks' POSTs go on in the background meanwhile.
        cursor_->AcceptStoreRead(cursor_->ReadStore()());
        continue;
      }
      case SubscriberCursor::Step::kYield:
        SetAcked(cursor_->cursor());
        return;  // Still kReading: the other sinks get a turn first.
      case SubscriberCursor::Step::kIdle:
        if (IdleAtHead(now)) return;
        continue;  // The head moved meanwhile.
      case SubscriberCursor::Step::kFail:
        ReadFailed(now, failure);
        return;
    }
  }
}

WebhookSink::Batch WebhookSink::EncodeBatch(const CursorMessage& message) const {
  Batch batch;
  batch.cursor = message.cursor;
  batch.updates = message.updates.size();
  batch.first = message.updates.front()->sequence();
  batch.last = message.updates.back()->sequence();
  switch (config_.format) {
    case WebhookFormat::kJson:
      batch.body = EncodeJsonBatch(message.updates, feed_->log_id(),
                                   message.cursor);
      break;
    case WebhookFormat::kAlertmanager:
      batch.body = EncodeAlertmanagerAlerts(message.updates);
      break;
    default: {
      // One update per batch (max_batch is 1 for these formats).
      InteropBody body = EncodeInteropBody(
          config_.format, *message.updates.front(), feed_->log_id());
      batch.body = std::move(body.body);
      batch.content_type = std::move(body.content_type);
      batch.headers = std::move(body.headers);
    }
  }
  return batch;
}

void WebhookSink::SkipGap(const CursorMessage& message) {
  const uint64_t missed = message.gap_to - message.gap_from + 1;
  LogWarning(kComponent,
             "retention removed updates before the sink delivered "
             "them; they are lost for this sink",
             {{"sink", config_.name},
              {"from", absl::StrCat(message.gap_from)},
              {"to", absl::StrCat(message.gap_to)}});
  {
    absl::MutexLock lock(&mu_);
    status_.updates_missed += missed;
  }
  SetAcked(message.cursor);
  PersistOrLog();
}

bool WebhookSink::IdleAtHead(absl::Time now) {
  SetAcked(cursor_->cursor());
  if (acked_ != persisted_ &&
      now - last_persist_ >= options_.idle_interval) {
    PersistOrLog();
  }
  // A wake-up left over from before (it may land after a re-check
  // cancelled the registration) must not count for this one. Nothing
  // is lost: WaitForNew refuses when the head moved past the cursor.
  waker_->TakeWoken();
  if (!feed_->WaitForNew(waker_, cursor_->cursor(), cursor_->missions())) {
    return false;
  }
  state_ = State::kWaiting;
  recheck_at_ = now + options_.idle_interval;
  return true;
}

void WebhookSink::ReadFailed(absl::Time now, const absl::Status& failure) {
  LogError(kComponent, "reading the log failed; retrying",
           {{"sink", config_.name},
            {"error", std::string(failure.message())}});
  {
    absl::MutexLock lock(&mu_);
    status_.last_error = std::string(failure.message());
  }
  cursor_failed_ = true;
  state_ = State::kBackoff;
  retry_at_ = now + backoff_.Next(std::nullopt);
}

void WebhookSink::StartPost(HttpPoster* poster) {
  state_ = State::kPosting;
  HttpPostRequest request = request_template_;
  request.body = pending_->body;
  request.content_type = pending_->content_type;
  request.headers.insert(request.headers.end(), pending_->headers.begin(),
                         pending_->headers.end());
  poster->Post(std::move(request),
               [this](HttpPostResult result) { OnPostDone(std::move(result)); });
}

void WebhookSink::OnPostDone(HttpPostResult result) {
  const absl::Time now = absl::Now();
  const Batch& batch = *pending_;
  const DeliveryOutcome outcome = result.status == 0
                                      ? DeliveryOutcome::kRetry
                                      : ClassifyHttpStatus(result.status);
  const std::string error =
      result.status == 0 ? result.error : absl::StrCat("HTTP ", result.status);
  switch (outcome) {
    case DeliveryOutcome::kDelivered:
      CountDelivered(batch);
      break;
    case DeliveryOutcome::kRejected:
      CountRejected(result, batch, error);
      break;
    case DeliveryOutcome::kRetry:
      RetryLater(now, result, batch, error);
      return;
  }
  SetAcked(batch.cursor);
  pending_.reset();
  backoff_.Reset();
  state_ = State::kReading;
  PersistOrLog();
}

void WebhookSink::CountDelivered(const Batch& batch) {
  uint64_t failures;
  {
    absl::MutexLock lock(&mu_);
    failures = status_.consecutive_failures;
    ++status_.deliveries_ok;
    status_.updates_delivered += batch.updates;
    status_.consecutive_failures = 0;
    status_.last_success = options_.clock->Now();
  }
  if (failures > 0) {
    LogInfo(kComponent, "the endpoint acknowledges again",
            {{"sink", config_.name},
             {"failed_attempts", absl::StrCat(failures)}});
  }
}

void WebhookSink::CountRejected(const HttpPostResult& result, const Batch& batch,
                                const std::string& error) {
  // The body of a refusal says why. It is the endpoint's text, which
  // may echo our request: cut, one line, our secrets redacted.
  LogError(kComponent,
           "the endpoint refused a batch for good; it is skipped",
           {{"sink", config_.name},
            {"status", absl::StrCat(result.status)},
            {"first", absl::StrCat(batch.first)},
            {"last", absl::StrCat(batch.last)},
            {"response", ResponseExcerpt(result.body_prefix, secrets_)}});
  absl::MutexLock lock(&mu_);
  ++status_.deliveries_rejected;
  status_.updates_rejected += batch.updates;
  status_.consecutive_failures = 0;
  status_.last_error = error;
}

void WebhookSink::RetryLater(absl::Time now, const HttpPostResult& result,
                             const Batch& batch, const std::string& error) {
  const absl::Duration delay = backoff_.Next(result.retry_after);
  retry_at_ = now + delay;
  state_ = State::kBackoff;
  uint64_t failures;
  {
    absl::MutexLock lock(&mu_);
    ++status_.deliveries_failed;
    failures = ++status_.consecutive_failures;
    status_.last_error = error;
  }
  // The 1st, 2nd, 4th, 8th ... failure in a row: a down endpoint is
  // visible in the log without flooding it.
  if (IsPowerOfTwo(failures)) {
    LogWarning(kComponent, "POST failed; retrying the same batch",
               {{"sink", config_.name},
                {"error", error},
                {"attempt", absl::StrCat(failures)},
                {"retry_in", absl::FormatDuration(delay)},
                {"first", absl::StrCat(batch.first)},
                {"last", absl::StrCat(batch.last)}});
  }
}

void WebhookSink::SetAcked(uint64_t cursor) {
  acked_ = cursor;
  absl::MutexLock lock(&mu_);
  status_.cursor = cursor;
}

absl::Status WebhookSink::Persist() {
  v1::Cursor cursor;
  cursor.set_log_id(feed_->log_id());
  cursor.set_sequence(acked_);
  absl::Status saved =
      SaveSinkCursor(options_.cursor_path, cursor, options_.sync);
  if (saved.ok()) {
    persisted_ = acked_;
    last_persist_ = absl::Now();
  }
  return saved;
}

void WebhookSink::PersistOrLog() {
  if (absl::Status saved = Persist(); !saved.ok()) {
    // Delivery goes on; a restart would re-post from the older cursor.
    LogError(kComponent, "cannot save the sink's cursor",
             {{"sink", config_.name},
              {"error", std::string(saved.message())}});
  }
}

void WebhookSink::Close() {
  feed_->CancelWait(waker_.get());
  if (acked_ != persisted_) PersistOrLog();
}

WebhookSinkStatus WebhookSink::status(uint64_t head) const {
  absl::MutexLock lock(&mu_);
  WebhookSinkStatus status = status_;
  status.lag_updates = head > status.cursor ? head - status.cursor : 0;
  return status;
}

}  // namespace sitrep
