#ifndef SITREP_CLIENT_METRICS_SCRAPE_H_
#define SITREP_CLIENT_METRICS_SCRAPE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sitrep::cli {

// GET http://<address>/metrics from sitrepd's metrics endpoint
// (--metrics_address: plain HTTP/1.0, no TLS), all of it within `timeout`.
// `address` is host:port or [v6]:port. UNAVAILABLE when it cannot be
// reached or answers with other than 200 (the message says which);
// DEADLINE_EXCEEDED past `timeout`; INVALID_ARGUMENT for a malformed
// address.
absl::StatusOr<std::string> FetchMetrics(const std::string& address, absl::Duration timeout);

// The samples of gauge `name` in the Prometheus text format `text`, as
// (value of label `label`, sample value), in the order given; a sample
// without the label has "" as its label value.
std::vector<std::pair<std::string, double>> GaugeSamples(absl::string_view text,
                                                         absl::string_view name,
                                                         absl::string_view label);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_METRICS_SCRAPE_H_
