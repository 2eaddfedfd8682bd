#include "server/ingest/publisher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/ingest/event_id.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

Publisher::Publisher(EventLog* log, Clock* clock, ValidationLimits limits)
    : log_(log), clock_(clock), limits_(limits) {}

absl::StatusOr<AppendRequest> Publisher::Prepare(
    v1::PublishRequest request, const Principal& principal,
    const ValidationLimits& limits) const {
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
  absl::Status valid = ValidateAndNormalizeUpdate(*update, now, limits);
  if (!valid.ok()) return valid;
  if (!principal.MayPublish(update->mission())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "update.mission: principal '", principal.name,
        "' may not publish as ", v1::Mission_Name(update->mission())));
  }
  if (update->has_chain_exception() &&
      !principal.MayInvokeChainException(update->mission())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "update.chain_exception: principal '", principal.name,
        "' has no chain_exception right for ",
        v1::Mission_Name(update->mission()),
        "; an out-of-turn engagement needs it in the access policy "
        "(\"chainException\"), or publish in turn"));
  }
  update->set_publisher(principal.name);
  if (update->event_id().empty()) update->set_event_id(NewEventId(now));
  AppendRequest append;
  append.update = std::move(*update);
  append.publisher_read_missions = MissionSet::FromBits(principal.read_missions);
  if (request.has_expected_incident_version()) {
    if (append.update.incident_id().empty()) {
      return absl::InvalidArgumentError(
          "expected_incident_version: only meaningful with update.incident_id");
    }
    append.expected_incident_version = request.expected_incident_version();
  }
  return append;
}

void Publisher::Publish(std::vector<v1::PublishRequest> requests,
                        const Principal& principal, PublishCallback done) {
  Publish(std::move(requests), principal, limits_, std::move(done));
}

void Publisher::PublishAsServer(std::vector<v1::PublishRequest> requests,
                                PublishCallback done) {
  ValidationLimits limits = limits_;
  limits.server_kinds = true;
  // "expired:<incident_id>:v<version>"
  limits.max_event_id_chars =
      std::max(limits.max_event_id_chars, limits.max_incident_id_chars + 32);
  Publish(std::move(requests),
          Principal{kSystemPublisher, kAllMissions, kAllMissions, kAllMissions,
                    false},
          limits, std::move(done));
}

void Publisher::Publish(std::vector<v1::PublishRequest> requests,
                        const Principal& principal,
                        const ValidationLimits& limits, PublishCallback done) {
  PublishResults results(requests.size(),
                         absl::InternalError("the log returned no result"));
  // positions[k]: the request whose update is appends[k].
  std::vector<size_t> positions;
  std::vector<AppendRequest> appends;
  appends.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<AppendRequest> append =
        Prepare(std::move(requests[i]), principal, limits);
    if (!append.ok()) {
      results[i] = append.status();
      continue;
    }
    positions.push_back(i);
    appends.push_back(*std::move(append));
  }
  if (appends.empty()) {
    done(std::move(results));
    return;
  }
  log_->Append(
      std::move(appends),
      [results = std::move(results), positions = std::move(positions),
       done = std::move(done)](
          std::vector<absl::StatusOr<AppendResult>> appended) mutable {
        for (size_t k = 0; k < positions.size() && k < appended.size(); ++k) {
          absl::StatusOr<AppendResult>& result = appended[k];
          if (result.ok()) {
            results[positions[k]] =
                PublishResult{std::move(result->entry), result->duplicate};
          } else {
            results[positions[k]] = std::move(result).status();
          }
        }
        done(std::move(results));
      });
}

}  // namespace sitrep
