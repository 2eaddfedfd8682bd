#include "server/situation/expiry_sweeper.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/runtime/logging.h"
#include "server/wire/utf8.h"

namespace sitrep {

std::string ExpiredHeadline(absl::string_view headline, size_t max_chars) {
  std::string text = absl::StrCat("Expired: ", headline);
  size_t end = 0;
  for (size_t chars = 0; end < text.size() && chars < max_chars; ++chars) {
    char32_t code_point;
    // A validated headline has no defect; were there one, cut before it.
    if (DecodeUtf8(text, &end, &code_point) != nullptr) break;
  }
  text.resize(end);
  return text;
}

v1::PublishRequest ExpiryRequest(const IncidentRecord& record,
                                 size_t max_headline_chars) {
  v1::PublishRequest request;
  v1::SituationUpdate& update = *request.mutable_update();
  const v1::SituationUpdate& latest = record.latest->update;
  update = latest;
  // The place is left to the log, which carries the incident's forward:
  // the EXPIRED update goes through today's validation, and a place stored
  // under older rules (a point far from its municipality's seat, before
  // that was checked) must not keep the incident in the picture for ever.
  // The status too, when the log carried it for the latest update.
  update.clear_location();
  if (update.status_carried()) update.clear_status();
  update.clear_description();
  update.clear_expires_at();
  update.clear_target_tier();
  update.clear_chain_exception();
  update.set_kind(v1::KIND_EXPIRED);
  update.set_event_id(
      absl::StrCat("expired:", record.incident_id, ":v", record.version));
  // It happened when the incident expired, not when the sweep ran.
  *update.mutable_occurred_at() = latest.expires_at();
  update.set_headline(ExpiredHeadline(latest.headline(), max_headline_chars));
  // Loses cleanly against a publisher who updated the thread meanwhile.
  request.set_expected_incident_version(record.version);
  return request;
}

size_t ExpirySweeper::RunNow() {
  std::vector<IncidentRecordPtr> expired = index_->ExpiredAt(clock_->Now());
  if (expired.empty()) return 0;
  std::vector<v1::PublishRequest> requests;
  requests.reserve(expired.size());
  for (const IncidentRecordPtr& record : expired) {
    requests.push_back(ExpiryRequest(*record, max_headline_chars_));
  }
  absl::Notification done;
  size_t appended = 0;
  publisher_->PublishAsServer(std::move(requests), [&](PublishResults results) {
    for (size_t i = 0; i < results.size(); ++i) {
      const absl::StatusOr<PublishResult>& result = results[i];
      if (result.ok()) {
        if (!result->duplicate) ++appended;
      } else if (!absl::IsFailedPrecondition(result.status()) &&
                 !absl::IsAborted(result.status()) &&
                 !absl::IsUnavailable(result.status())) {
        LogWarning("expiry", "EXPIRED update refused; retried on the next run",
                   {{"incident_id", expired[i]->incident_id},
                    {"error", std::string(result.status().message())}});
      }
    }
    done.Notify();
  });
  done.WaitForNotification();
  return appended;
}

}  // namespace sitrep
