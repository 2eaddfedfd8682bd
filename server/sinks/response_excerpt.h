#ifndef SITREP_SERVER_SINKS_RESPONSE_EXCERPT_H_
#define SITREP_SERVER_SINKS_RESPONSE_EXCERPT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace sitrep {

// What of a webhook endpoint's response body may go to sitrepd's log
// (issue 17, L-5): an endpoint that echoes its request would otherwise put
// the sink's own secrets there. The excerpt
//  - has every occurrence of each of `secrets` (the sink's bearer token and
//    header values), and the token after any "Bearer ", replaced by
//    "[redacted]", also a secret's first 8+ bytes where the body was cut;
//  - is at most `max_bytes` long (cut at a UTF-8 boundary, then "…");
//  - is one line: control characters become spaces.
std::string ResponseExcerpt(absl::string_view body,
                            const std::vector<std::string>& secrets,
                            size_t max_bytes = 256);

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_RESPONSE_EXCERPT_H_
