// All webhook sinks of a sitrepd and the one thread that drives them: each
// sink is a cursor over the log (webhook_sink.h); their POSTs run
// concurrently on that thread through libcurl's multi interface
// (http_poster.h). No thread per sink, and nothing on the publish path: the
// Feed only wakes the thread.
#ifndef SITREP_SERVER_SINKS_WEBHOOK_SINKS_H_
#define SITREP_SERVER_SINKS_WEBHOOK_SINKS_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/fanout/feed.h"
#include "server/runtime/clock.h"
#include "server/sinks/http_poster.h"
#include "server/sinks/sinks_wakeup.h"
#include "server/sinks/webhook_config.h"
#include "server/sinks/webhook_sink.h"
#include "server/sinks/webhook_sink_status.h"

namespace sitrep {

// Thread safety: all public methods are safe to call concurrently.
class WebhookSinks {
 public:
  struct Options {
    // Cursor files go to <data_dir>/webhooks/<name>.cursor.
    std::string data_dir;
    // fsync the cursor files (sitrepd: unless --fsync=off).
    bool sync = true;
    // For last_success times. Borrowed; null: the real clock.
    Clock* clock = nullptr;
  };

  // Opens every sink (cursor files: see WebhookSink::Open) and starts the
  // thread. `feed` is borrowed and must outlive the sinks; it must be the
  // log's AppendListener already. Errors name the sink and the file.
  static absl::StatusOr<std::unique_ptr<WebhookSinks>> Start(
      const std::vector<WebhookSinkConfig>& configs, Feed* feed,
      const Options& options);

  ~WebhookSinks();  // Stop(ZeroDuration()) if not stopped.
  WebhookSinks(const WebhookSinks&) = delete;
  WebhookSinks& operator=(const WebhookSinks&) = delete;

  // Stops starting POSTs, lets those in flight finish for up to `grace`
  // (an acknowledged batch is not posted again after a restart), aborts
  // the rest (posted again after a restart), saves every cursor and joins
  // the thread. Idempotent. Call it before the log closes.
  void Stop(absl::Duration grace);

  // Per sink, in configuration order: cursor, lag, results, last success.
  std::vector<WebhookSinkStatus> Status() const;

 private:
  explicit WebhookSinks(Feed* feed);
  void Run();

  Feed* const feed_;
  // Declared before the poster: the poster's transfers call into the sinks,
  // so the poster goes first.
  std::vector<std::unique_ptr<WebhookSink>> sinks_;  // constant once started
  HttpPoster poster_;  // the sinks thread only (Wakeup: the wakeup below)
  const std::shared_ptr<SinksWakeup> wakeup_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  std::thread thread_;  // started last, joined by Stop()
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_WEBHOOK_SINKS_H_
