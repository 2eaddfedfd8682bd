#include "server/sinks/webhook_sinks.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/runtime/logging.h"

namespace sitrep {

WebhookSinks::WebhookSinks(Feed* feed)
    : feed_(feed), wakeup_(std::make_shared<SinksWakeup>(&poster_)) {}

absl::StatusOr<std::unique_ptr<WebhookSinks>> WebhookSinks::Start(
    const std::vector<WebhookSinkConfig>& configs, Feed* feed,
    const Options& options) {
  std::unique_ptr<WebhookSinks> sinks(new WebhookSinks(feed));
  if (configs.empty()) return sinks;
  const std::string dir = absl::StrCat(options.data_dir, "/webhooks");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "webhooks: cannot create ", dir, ": ", error.message()));
  }
  for (const WebhookSinkConfig& config : configs) {
    WebhookSink::Options sink_options;
    sink_options.cursor_path = absl::StrCat(dir, "/", config.name, ".cursor");
    sink_options.sync = options.sync;
    sink_options.clock = options.clock != nullptr ? options.clock : RealClock();
    absl::StatusOr<std::unique_ptr<WebhookSink>> sink =
        WebhookSink::Open(config, feed, sink_options, sinks->wakeup_);
    if (!sink.ok()) {
      return absl::Status(sink.status().code(),
                          absl::StrCat("webhook '", config.name, "': ",
                                       sink.status().message()));
    }
    sinks->sinks_.push_back(*std::move(sink));
  }
  sinks->thread_ = std::thread([raw = sinks.get()] { raw->Run(); });
  return sinks;
}

WebhookSinks::~WebhookSinks() { Stop(absl::ZeroDuration()); }

void WebhookSinks::Stop(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      stopping_ = true;
      stop_deadline_ = absl::Now() + grace;
    }
  }
  wakeup_->Wake();
  if (thread_.joinable()) thread_.join();
  // Feed wake-ups still queued on the executor must not reach the poster.
  wakeup_->Detach();
}

void WebhookSinks::Run() {
  for (;;) {
    bool stopping;
    absl::Time deadline;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
      deadline = stop_deadline_;
    }
    const absl::Time now = absl::Now();
    // Waits are bounded so that a lost wake-up costs at most this long.
    absl::Duration wait = absl::Seconds(1);
    if (stopping) {
      if (poster_.in_flight() == 0 || now >= deadline) break;
      wait = std::min(wait, deadline - now);
    } else {
      for (const std::unique_ptr<WebhookSink>& sink : sinks_) {
        sink->Advance(now, &poster_);
      }
      for (const std::unique_ptr<WebhookSink>& sink : sinks_) {
        if (sink->ready()) {
          wait = absl::ZeroDuration();
          break;
        }
        wait = std::min(wait, sink->next_due() - now);
      }
    }
    poster_.Run(std::max(wait, absl::ZeroDuration()));
  }
  // What is still in flight was not acknowledged: a restart posts it again
  // (the at-least-once window).
  const size_t aborted = poster_.in_flight();
  poster_.AbortAll();
  for (const std::unique_ptr<WebhookSink>& sink : sinks_) sink->Close();
  LogInfo("webhook", "sinks stopped",
          {{"sinks", absl::StrCat(sinks_.size())},
           {"aborted_posts", absl::StrCat(aborted)}});
}

std::vector<WebhookSinkStatus> WebhookSinks::Status() const {
  const uint64_t head = feed_->head();
  std::vector<WebhookSinkStatus> result;
  result.reserve(sinks_.size());
  for (const std::unique_ptr<WebhookSink>& sink : sinks_) {
    result.push_back(sink->status(head));
  }
  return result;
}

}  // namespace sitrep
