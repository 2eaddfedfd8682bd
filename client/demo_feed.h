// A synthetic but realistic Kosovo situation feed for `sitrep demo`.
//
// Incidents start at the first responder (Kosovo Police, KIND_NEW); some are
// resolved there, others go REQUEST_SUPPORT -> EULEX ACKNOWLEDGE/ESCALATE
// (second responder) and some further to KFOR (third responder), then
// DEESCALATE and RESOLVE. Between them: patrol reports, border crossing
// status changes (Jarinje, Bërnjak, Merdare, ...) and liaison meetings, as
// stand-alone reports (no incident, KIND_UNSPECIFIED).
//
// Every update obeys the server's thread rules provided every earlier one
// was stored: KIND_NEW only for a fresh incident id, other kinds only on an
// open incident, no kind without an incident, never KIND_EXPIRED, headlines
// under 200 characters, municipalities from data/kosovo-municipalities.tsv.
#ifndef SITREP_CLIENT_DEMO_FEED_H_
#define SITREP_CLIENT_DEMO_FEED_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

// Deterministic: the same (seed, run_id) gives the same sequence of requests
// on every platform (own PRNG, no std:: distributions). Not thread-safe.
class DemoFeed {
 public:
  // `run_id` ([A-Za-z0-9-], short) prefixes incident and event ids, so two
  // runs against one server never reuse an incident id (KIND_NEW would be
  // rejected) and a re-run of the same run id is idempotent.
  DemoFeed(uint64_t seed, std::string run_id);

  // The next request. No timestamps: the caller stamps occurred_at.
  sitrep::v1::PublishRequest Next();

  // Incidents opened and not yet resolved.
  size_t open_incidents() const { return open_.size(); }

 private:
  struct Step {
    sitrep::v1::Mission mission;
    sitrep::v1::Role role;
    sitrep::v1::Kind kind;
    sitrep::v1::Severity severity;
    std::string headline;
  };
  struct Incident {
    std::string id;
    sitrep::v1::Category category;
    std::string municipality;  // canonical id
    std::string place;
    std::vector<Step> steps;  // steps[0] is KIND_NEW, the last one RESOLVE
    size_t next = 0;
  };

  uint64_t NextRandom();
  uint64_t Uniform(uint64_t n);  // [0, n)
  bool Chance(double p);
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Uniform(v.size())]; }

  Incident NewIncident();
  sitrep::v1::PublishRequest FromIncidentStep(Incident* incident);
  sitrep::v1::PublishRequest Patrol();
  sitrep::v1::PublishRequest CrossingStatus();
  sitrep::v1::PublishRequest Meeting();

  const std::string run_id_;
  uint64_t state_;
  uint64_t emitted_ = 0;
  uint64_t incidents_opened_ = 0;
  std::deque<Incident> open_;
};

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_DEMO_FEED_H_
