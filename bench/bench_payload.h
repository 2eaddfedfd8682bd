#ifndef SITREP_BENCH_BENCH_PAYLOAD_H_
#define SITREP_BENCH_BENCH_PAYLOAD_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::bench {

// The benchmarks' update: one realistic patrol report (~300 bytes), valid
// for every mission (a non-responder role). The caller sets mission and
// event_id (and its own labels) per update.
inline v1::PublishRequest PatrolPublishRequest() {
  v1::PublishRequest request;
  v1::SituationUpdate* u = request.mutable_update();
  u->set_role(v1::ROLE_SUPPORT);
  u->set_severity(v1::SEVERITY_MODERATE);
  u->set_category(v1::CATEGORY_PATROL);
  u->set_headline("Routine patrol along the main road, no incidents");
  u->set_description(
      "Joint patrol of two vehicles passed the northern bridge and the "
      "market area. Traffic normal, no gatherings observed. Next patrol "
      "scheduled in two hours.");
  u->mutable_location()->set_municipality("Prishtinë");
  u->mutable_location()->set_place("Main road");
  (*u->mutable_labels())["unit"] = "bench-unit-7";
  return request;
}

// Payload. Every update is the same realistic report; label "b" carries
// "<g>:<t>": g, the global publish index (mission = g % 3), and t, the
// publish time in steady-clock nanoseconds. Labels are kept verbatim.

inline v1::Mission MissionOf(int64_t g) {
  return static_cast<v1::Mission>(g % 3 + 1);
}

class PayloadMaker {
 public:
  // Patrol reports of every mission (bench/bench_payload.h).
  explicit PayloadMaker(std::string run)
      : run_(std::move(run)), request_(PatrolPublishRequest()) {}

  const v1::PublishRequest& Make(int64_t g, int64_t t_ns) {
    v1::SituationUpdate* u = request_.mutable_update();
    u->set_mission(MissionOf(g));
    u->set_event_id(absl::StrCat(run_, "-", g));
    (*u->mutable_labels())["b"] = absl::StrCat(g, ":", t_ns);
    return request_;
  }

 private:
  const std::string run_;
  v1::PublishRequest request_;
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_BENCH_PAYLOAD_H_
