#ifndef SITREP_SERVER_SITUATION_EXPIRY_SWEEPER_H_
#define SITREP_SERVER_SITUATION_EXPIRY_SWEEPER_H_

// Closes the incidents whose expires_at passed with a KIND_EXPIRED update,
// so that every subscriber sees the same moment (docs/design.md, "Expiry").
// The updates are built here and published through the Publisher as the
// server (Publisher::PublishAsServer), so they pass the same validation as
// any other update; each carries the incident version it saw
// (expected_incident_version), so a publisher who updated the thread
// meanwhile wins, and a deterministic event_id, so two replicas expiring
// the same incident store it once.
//
//   ExpirySweeper expiry(situation, publisher, clock, limits.max_headline_chars);
//   size_t expired = expiry.RunNow();  // on the sweep scheduler's thread
//
// Thread safety: RunNow may be called from any thread but the log's writer
// (it waits for the appends); concurrent runs are safe (the second one's
// updates are duplicates or lose on the version).

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "server/ingest/publisher.h"
#include "server/log/event_log.h"
#include "server/runtime/clock.h"
#include "server/situation/situation_index.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

class ExpirySweeper {
 public:
  // Every argument is borrowed and must outlive the sweeper.
  // `max_headline_chars`: the validator's limit (ValidationLimits).
  ExpirySweeper(const SituationIndex* index, Publisher* publisher,
                Clock* clock, size_t max_headline_chars)
      : index_(index),
        publisher_(publisher),
        clock_(clock),
        max_headline_chars_(max_headline_chars) {}

  // Publishes the EXPIRED update of every incident due by the clock and
  // waits for them. Returns how many were appended (not duplicates). An
  // update the publish path refuses for another reason than a newer version
  // is logged as a warning and tried again on the next run.
  size_t RunNow();

 private:
  // Constant after construction.
  const SituationIndex* const index_;
  Publisher* const publisher_;
  Clock* const clock_;
  const size_t max_headline_chars_;
};

// The request that expires `record`: its latest update as KIND_EXPIRED, at
// its expires_at, without the fields that were that update's own action
// (description, target tier, chain exception) or that the log carried
// forward (it carries them again).
v1::PublishRequest ExpiryRequest(const IncidentRecord& record,
                                 size_t max_headline_chars);

// "Expired: " + `headline`, cut to at most `max_chars` code points on a
// character boundary (the validator counts code points, not bytes).
std::string ExpiredHeadline(absl::string_view headline, size_t max_chars);

}  // namespace sitrep

#endif  // SITREP_SERVER_SITUATION_EXPIRY_SWEEPER_H_
