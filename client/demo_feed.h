// A synthetic but realistic Kosovo situation feed for `sitrep demo`.
//
// Incidents are opened by the Kosovo Police (KIND_NEW) and play the security
// chain by its rules (README, "The security chain, as rules"): the tier in
// charge asks the next one up (REQUEST_SUPPORT with target_tier), the asked
// tier acknowledges, may take the lead (ESCALATE by the tier that
// acknowledged) and hands it back down (DEESCALATE to the tier that asked
// it) or withdraws its support; the tier in charge resolves. EULEX may in
// turn ask KFOR. An incident's steps are spaced in time (`step_every`), so
// an incident lasts minutes whatever the update rate; between them: patrol
// reports, border crossing status and liaison meetings (stand-alone reports,
// no incident). Units belong to their region: a Kosovo Police unit is the
// regional directorate of the incident's municipality, a KFOR unit the
// regional command that covers it.
//
// Every incident update carries expires_at = its time + `expiry`, so an
// incident a stopped demo could not close leaves the situation by itself.
#ifndef SITREP_CLIENT_DEMO_FEED_H_
#define SITREP_CLIENT_DEMO_FEED_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::cli {

struct DemoOptions {
  // Mean time between two steps of one incident (each gap is drawn from
  // [0.5, 1.5] x this).
  absl::Duration step_every = absl::Seconds(40);
  // Mean time between two new incidents (drawn the same way).
  absl::Duration incident_every = absl::Seconds(30);
  // expires_at of every incident update: its occurred_at + this.
  absl::Duration expiry = absl::Minutes(30);
  // At most this many incidents open at once.
  size_t max_open = 8;
};

// The Kosovo Police regional directorate of a municipality (canonical id):
// "Prishtinë", "Mitrovicë North", "Mitrovicë South", "Pejë", "Prizren",
// "Gjilan", "Ferizaj", "Gjakovë"; empty for an unknown id.
std::string KosovoPoliceRegion(absl::string_view municipality);

// Deterministic: the same (seed, run_id, options) and the same `now` values
// give the same requests on every platform (own PRNG, no std::
// distributions). Not thread-safe.
class DemoFeed {
 public:
  // `run_id` ([A-Za-z0-9-], short) prefixes incident and event ids, so two
  // runs against one server never reuse an incident id (KIND_NEW would be
  // rejected) and a re-run of the same run id is idempotent.
  DemoFeed(uint64_t seed, std::string run_id, DemoOptions options = {});

  // The next request at `now` (non-decreasing between calls): an incident
  // step that is due, else a new incident when one is due, else a
  // stand-alone report. Stamped: occurred_at = now, and expires_at for
  // incident updates.
  sitrep::v1::PublishRequest Next(absl::Time now);

  struct OpenIncident {
    std::string id;
    // Who leads after the steps handed out so far.
    sitrep::v1::Mission lead = sitrep::v1::MISSION_KOSOVO_POLICE;
  };
  // Incidents opened and not yet closed, oldest first.
  std::vector<OpenIncident> OpenIncidents() const;
  size_t open_incidents() const { return open_.size(); }

  // The request that closes `incident_id` when the demo stops: RESOLVE by
  // `lead` (the mission in charge, as its own tier), stamped `now`, with an
  // event id of its own per incident (so a retry is a duplicate).
  sitrep::v1::PublishRequest CloseRequest(const std::string& incident_id,
                                          sitrep::v1::Mission lead, absl::Time now) const;

 private:
  struct Step {
    sitrep::v1::Mission mission;
    sitrep::v1::Kind kind;
    sitrep::v1::Severity severity;
    sitrep::v1::Role target_tier;
    std::string headline;
    sitrep::v1::Mission lead_after;
  };
  struct Incident {
    std::string id;
    sitrep::v1::Category category;
    std::string municipality;  // canonical id
    std::string place;
    double latitude = 0;  // the place's point (WGS84)
    double longitude = 0;
    std::vector<Step> steps;  // steps[0] is KIND_NEW, the last one closes it
    size_t next = 0;
    absl::Time due;  // when steps[next] goes out
    sitrep::v1::Mission lead = sitrep::v1::MISSION_KOSOVO_POLICE;
  };

  uint64_t NextRandom();
  uint64_t Uniform(uint64_t n);  // [0, n)
  bool Chance(double p);
  absl::Duration Around(absl::Duration mean);  // [0.5, 1.5] x mean
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[Uniform(v.size())]; }

  Incident NewIncident(absl::Time now);
  // NewIncident's story as it is written (demo_feed.cc), and its two
  // endings once EULEX acknowledged: supporting the Kosovo Police, or
  // taking the lead (and perhaps asking KFOR).
  struct Story;
  void WriteEulexSupports(Story* story);
  void WriteEulexLeads(Story* story);
  void WriteKforSupport(Story* story);
  sitrep::v1::PublishRequest FromIncidentStep(Incident* incident, absl::Time now);
  sitrep::v1::PublishRequest Patrol();
  sitrep::v1::PublishRequest CrossingStatus();
  sitrep::v1::PublishRequest Meeting();

  const std::string run_id_;
  const DemoOptions options_;
  uint64_t state_;
  uint64_t emitted_ = 0;
  uint64_t incidents_opened_ = 0;
  absl::Time next_incident_ = absl::InfinitePast();
  std::deque<Incident> open_;
};

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_DEMO_FEED_H_
