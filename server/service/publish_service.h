#ifndef SITREP_SERVER_SERVICE_PUBLISH_SERVICE_H_
#define SITREP_SERVER_SERVICE_PUBLISH_SERVICE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/auth/publish_rate_limiter.h"
#include "server/ingest/publisher.h"
#include "server/metrics/metrics.h"
#include "server/runtime/executor.h"
#include "server/service/call_identity.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// Publishing for an authenticated caller, whatever the transport: gRPC's
// Publish and PublishStream (api/situation_feed_service.h) and the HTTP
// gateway's POST /v1/cap (http/http_gateway.h) all call Publish, so that
// they share the rate limit, the rights (Publisher), the audit and the
// counting.
//
// Example:
//
//   PublishService publishing(&publisher, &rate_limiter, {&metrics});
//   publishing.Publish(caller, "Publish", std::move(requests), absl::Now(),
//                      [](PublishResults results) {
//                        // One result per request, in request order; on
//                        // the completion thread, never the log's writer.
//                      });
//
// Completions: Publisher calls back on the store's writer thread; what the
// transports do with a result (gRPC writes and finishes, audit lines,
// metrics) does not belong there, where it would hold up the next group
// commit. So every `done` runs on the completion executor: one thread of
// its own unless Options::completions names another.
//
// Thread safety: every method may run concurrently. Everything borrowed
// must outlive the service.
class PublishService {
 public:
  struct Options {
    // Borrowed; null: no metrics.
    Metrics* metrics = nullptr;
    // Where `done` runs (borrowed); null: a thread of the service's own.
    Executor* completions = nullptr;
  };

  PublishService(Publisher* publisher, PublishRateLimiter* rate,
                 Options options);
  ~PublishService();
  PublishService(const PublishService&) = delete;
  PublishService& operator=(const PublishService&) = delete;

  // Publishes `requests` as `caller`: its rate limit first (a token per
  // request), then the publisher. Refusals of rights are audited under
  // `rpc`; each outcome is counted (duration from `received`). `done` runs
  // exactly once, on the completion executor, with one result per request
  // in order; if that executor was shut down, wherever it drops the task.
  void Publish(const CallIdentity& caller, absl::string_view rpc,
               std::vector<v1::PublishRequest> requests, absl::Time received,
               PublishCallback done);

  // Counts `requests` requests refused at the edge before they reached
  // Publish (no credentials, bytes that do not parse) as rejected publishes
  // under the labels of `labels` (mission, role, severity).
  void CountRejected(const absl::Status& refused, absl::Time received,
                     const v1::PublishRequest& labels = {},
                     size_t requests = 1) const;

 private:
  Publisher* const publisher_;
  PublishRateLimiter* const rate_;
  Metrics* const metrics_;
  std::unique_ptr<ThreadPoolExecutor> own_completions_;
  Executor* const completions_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVICE_PUBLISH_SERVICE_H_
