#ifndef SITREP_BENCH_BENCH_PAYLOAD_H_
#define SITREP_BENCH_BENCH_PAYLOAD_H_

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

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_BENCH_PAYLOAD_H_
