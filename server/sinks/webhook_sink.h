// One webhook sink: a cursor over the log like a Subscribe stream's, whose
// batches are POSTed instead of written to a stream. It reads from the
// Feed's ring (or the store) on its own, so the fan-out never waits for it
// and a down endpoint holds up nothing but this sink.
//
// Delivery (docs/webhooks.md): one batch in flight at a time, so updates
// arrive in log order; a batch is retried until the endpoint acknowledges
// it (2xx) or refuses it for good (a 4xx other than 401/403/404/408/429, see
// delivery_policy.h); then the cursor moves past it and is saved to the
// cursor file. After a crash the sink resumes from the file: at most the
// batch in flight is POSTed again.
#ifndef SITREP_SERVER_SINKS_WEBHOOK_SINK_H_
#define SITREP_SERVER_SINKS_WEBHOOK_SINK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/fanout/feed.h"
#include "server/fanout/subscriber_cursor.h"
#include "server/filter/filter_matcher.h"
#include "server/runtime/clock.h"
#include "server/sinks/delivery_policy.h"
#include "server/sinks/http_poster.h"
#include "server/sinks/sinks_wakeup.h"
#include "server/sinks/webhook_config.h"
#include "server/sinks/webhook_sink_status.h"

namespace sitrep {

// Thread safety: everything but status() runs on the sinks thread only;
// status() may be called from any thread.
class WebhookSink {
 public:
  struct Options {
    // <data_dir>/webhooks/<name>.cursor
    std::string cursor_path;
    // fsync the cursor file (off with --fsync=off).
    bool sync = true;
    // For last_success. Borrowed; never null.
    Clock* clock = nullptr;
    // How often a cursor that moved only past updates the filter skipped is
    // re-checked and saved while idle (a delivered batch saves at once).
    absl::Duration idle_interval = absl::Seconds(1);
  };

  // Loads the cursor file (none: the head, or the oldest retained update
  // with start=beginning) and saves the start position right away, so the
  // sink's "now" survives a restart. Errors: FAILED_PRECONDITION (a damaged
  // cursor file), UNAVAILABLE (the file cannot be written). `feed` is
  // borrowed and must outlive the sink.
  static absl::StatusOr<std::unique_ptr<WebhookSink>> Open(
      WebhookSinkConfig config, Feed* feed, Options options,
      std::shared_ptr<SinksWakeup> wakeup);

  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  // Does what is due at `now` (a monotonic-enough wall time): reads the
  // log, starts a POST on `poster`, or registers with the Feed for new
  // data. Bounded work per call; ready() says whether more is waiting.
  void Advance(absl::Time now, HttpPoster* poster);
  // True when Advance() has work to do without waiting.
  bool ready() const;
  // The latest time Advance() should run again (backoff end, idle
  // re-check); InfiniteFuture() while a POST is in flight.
  absl::Time next_due() const;
  // Ends the Feed registration and saves the acknowledged cursor. The
  // poster must no longer hold a POST of this sink.
  void Close();

  const std::string& name() const { return config_.name; }
  // Any thread. `head` is the log's head, for the lag.
  WebhookSinkStatus status(uint64_t head) const;

 private:
  enum class State {
    kReading,  // asking the cursor for the next batch
    kWaiting,  // at the head, registered with the Feed
    kPosting,  // a batch in flight
    kBackoff,  // a batch (or a failed cursor) waits for retry_at_
  };
  struct Batch {
    std::string body;
    // Content-Type and the format's own headers (CloudEvents binary mode).
    std::string content_type = "application/json";
    std::vector<std::string> headers;
    // The cursor after the batch (may be past its last update).
    uint64_t cursor = 0;
    size_t updates = 0;
    uint64_t first = 0;
    uint64_t last = 0;
  };

  WebhookSink(WebhookSinkConfig config, Feed* feed, Options options,
              std::shared_ptr<SinksWakeup> wakeup);

  absl::Status StartCursor(uint64_t after);
  void Read(absl::Time now, HttpPoster* poster);
  // Read's steps: a batch of updates in the sink's format; updates lost to
  // retention; the cursor at the head (true: now waiting on the Feed); a
  // failed store read.
  Batch EncodeBatch(const CursorMessage& message) const;
  void SkipGap(const CursorMessage& message);
  bool IdleAtHead(absl::Time now);
  void ReadFailed(absl::Time now, const absl::Status& failure);
  void StartPost(HttpPoster* poster);
  void OnPostDone(HttpPostResult result);
  // OnPostDone's outcomes (delivery_policy.h).
  void CountDelivered(const Batch& batch);
  void CountRejected(const HttpPostResult& result, const Batch& batch,
                     const std::string& error);
  void RetryLater(absl::Time now, const HttpPostResult& result,
                  const Batch& batch, const std::string& error);
  void SetAcked(uint64_t cursor);
  absl::Status Persist();
  void PersistOrLog();

  // Constant after construction.
  const WebhookSinkConfig config_;
  Feed* const feed_;
  const Options options_;
  const std::shared_ptr<SinkWaker> waker_;
  // The request without its body.
  HttpPostRequest request_template_;
  // The bearer token and header values: never in the log, even when the
  // endpoint echoes them (ResponseExcerpt).
  std::vector<std::string> secrets_;

  // Sinks thread only.
  std::unique_ptr<const FilterMatcher> filter_;
  std::unique_ptr<SubscriberCursor> cursor_;
  State state_ = State::kReading;
  std::optional<Batch> pending_;
  // The cursor broke (a store read failed): make a new one after a backoff.
  bool cursor_failed_ = false;
  absl::Time retry_at_ = absl::InfinitePast();
  absl::Time recheck_at_ = absl::InfiniteFuture();
  RetryBackoff backoff_;
  // Acknowledged and saved positions.
  uint64_t acked_ = 0;
  uint64_t persisted_ = 0;
  absl::Time last_persist_ = absl::InfinitePast();

  mutable absl::Mutex mu_;
  WebhookSinkStatus status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_WEBHOOK_SINK_H_
