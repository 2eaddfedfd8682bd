#ifndef SITREP_TESTS_SUPPORT_INCIDENT_REQUEST_H_
#define SITREP_TESTS_SUPPORT_INCIDENT_REQUEST_H_

// An append of an incident update by the Kosovo Police publisher
// "kp-north", for the log tests that drive incident threads through an
// EventLog directly (no validator in between). Header-only: the log tests
// link no support library for it.

#include <cstdint>
#include <optional>
#include <string>

#include "server/log/event_log.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace testing {

// `kind` on `incident_id` (testing::NewIncident's update otherwise), with
// `expected` as expected_incident_version.
inline AppendRequest IncidentRequest(
    const std::string &event_id, const std::string &incident_id, v1::Kind kind,
    std::optional<uint64_t> expected = std::nullopt) {
  AppendRequest request;
  request.update = NewIncident(incident_id);
  request.update.set_publisher("kp-north");
  request.update.set_event_id(event_id);
  request.update.set_kind(kind);
  request.expected_incident_version = expected;
  return request;
}

}  // namespace testing
}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_INCIDENT_REQUEST_H_
