#ifndef SITREP_SERVER_INGEST_PUBLISHER_H_
#define SITREP_SERVER_INGEST_PUBLISHER_H_

#include <atomic>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "server/auth/principal.h"
#include "server/ingest/validator.h"
#include "server/log/event_log.h"
#include "server/runtime/clock.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

struct PublishResult {
  LogEntryPtr entry;
  bool duplicate = false;
};

// One result per request of a Publish call, in request order.
using PublishResults = std::vector<absl::StatusOr<PublishResult>>;
using PublishCallback = absl::AnyInvocable<void(PublishResults)>;

// Example (transports go through service/publish_service.h, which adds the
// rate limit, the audit and the completion thread):
//
//   Publisher publisher(log.get(), &clock, ValidationLimits{});
//   publisher.Publish(std::move(requests), principal,
//                     [](PublishResults results) {
//                       // One result per request: a sequence, or why not.
//                     });
//   publisher.StopAccepting();           // at shutdown: UNAVAILABLE from now
//
// Turns publish requests into appends: validate and normalise -> authorise
// -> set the server's fields -> EventLog::Append. Bad input fails before
// anything reaches the log, so a rejected request stores nothing.
//
// Thread safety: all methods are safe to call concurrently.
class Publisher {
 public:
  // `log` and `clock` are borrowed and must outlive the Publisher.
  Publisher(EventLog* log, Clock* clock, ValidationLimits limits);

  // Publishes `requests` as `principal`, the valid ones in one
  // EventLog::Append (so a PublishStream batch costs the log one queue entry
  // and its writer one callback). `done` runs exactly once with a result for
  // every request: inline when all of them are rejected before the log, else
  // on the log's writer thread once the accepted updates are durable.
  void Publish(std::vector<v1::PublishRequest> requests,
               const Principal& principal, PublishCallback done);

  // Publishes the server's own updates (the EXPIRED updates of
  // situation/expiry_sweeper.h) as kSystemPublisher, through the same
  // validation with the server's kinds allowed (ValidationLimits::
  // server_kinds) and room in event_id for the incident id it embeds.
  // `done` as for Publish.
  void PublishAsServer(std::vector<v1::PublishRequest> requests,
                       PublishCallback done);

  // Validates, authorises and completes `request` into an AppendRequest.
  absl::StatusOr<AppendRequest> Prepare(v1::PublishRequest request,
                                        const Principal& principal) const {
    return Prepare(std::move(request), principal, limits_);
  }

  // Publishes are refused with UNAVAILABLE from now on (shutdown).
  void StopAccepting() { accepting_.store(false); }

 private:
  absl::StatusOr<AppendRequest> Prepare(v1::PublishRequest request,
                                        const Principal& principal,
                                        const ValidationLimits& limits) const;
  void Publish(std::vector<v1::PublishRequest> requests,
               const Principal& principal, const ValidationLimits& limits,
               PublishCallback done);

  EventLog* const log_;
  Clock* const clock_;
  const ValidationLimits limits_;
  std::atomic<bool> accepting_{true};
};

}  // namespace sitrep

#endif  // SITREP_SERVER_INGEST_PUBLISHER_H_
