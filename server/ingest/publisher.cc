#include "server/ingest/publisher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/ingest/event_id.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

Publisher::Publisher(EventLog* log, Clock* clock, ValidationLimits limits)
    : log_(log), clock_(clock), limits_(limits) {}

absl::StatusOr<AppendRequest> Publisher::Prepare(
    v1::PublishRequest request, const Principal& principal) const {
  if (!accepting_.load()) {
    return absl::UnavailableError(
        "the server is shutting down; retry on another server or later with "
        "the same event_id");
  }
  if (request.batch_size() > 0) {
    // PublishStream unpacks batches before they get here.
    return absl::InvalidArgumentError(
        "batch: only a PublishStream message takes a batch, and a request "
        "inside a batch cannot carry another one; send one update per Publish");
  }
  if (!request.has_update()) {
    return absl::InvalidArgumentError("update: is required");
  }
  const absl::Time now = clock_->Now();
  v1::SituationUpdate* update = request.mutable_update();
  absl::Status valid = ValidateAndNormalizeUpdate(*update, now, limits_);
  if (!valid.ok()) return valid;
  if (!principal.MayPublish(update->mission())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "update.mission: principal '", principal.name,
        "' may not publish as ", v1::Mission_Name(update->mission())));
  }
  update->set_publisher(principal.name);
  if (update->event_id().empty()) update->set_event_id(NewEventId(now));
  AppendRequest append;
  append.update = std::move(*update);
  if (request.has_expected_incident_version()) {
    if (append.update.incident_id().empty()) {
      return absl::InvalidArgumentError(
          "expected_incident_version: only meaningful with update.incident_id");
    }
    append.expected_incident_version = request.expected_incident_version();
  }
  return append;
}

void Publisher::Publish(v1::PublishRequest request, const Principal& principal,
                        PublishCallback done) {
  absl::StatusOr<AppendRequest> append =
      Prepare(std::move(request), principal);
  if (!append.ok()) {
    done(append.status());
    return;
  }
  std::vector<AppendRequest> batch;
  batch.push_back(*std::move(append));
  log_->Append(std::move(batch),
               [done = std::move(done)](
                   std::vector<absl::StatusOr<AppendResult>> results) mutable {
                 if (results.empty()) {
                   done(absl::InternalError("the log returned no result"));
                   return;
                 }
                 absl::StatusOr<AppendResult>& result = results.front();
                 if (!result.ok()) {
                   done(result.status());
                   return;
                 }
                 done(PublishResult{result->entry, result->duplicate});
               });
}

}  // namespace sitrep
