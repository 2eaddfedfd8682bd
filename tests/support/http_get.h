#ifndef SITREP_TESTS_SUPPORT_HTTP_GET_H_
#define SITREP_TESTS_SUPPORT_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sitrep::testing {

struct HttpGetResult {
  int status = 0;
  // Header lines as received (without the status line), and the body.
  std::string headers;
  std::string body;
};

// GET http://127.0.0.1:<port><path> over a plain socket, for tests of
// sitrepd's metrics endpoint and of Prometheus's HTTP API. Asks HTTP/1.0,
// so the server answers without chunked encoding and closes the
// connection; the whole exchange is bounded by `timeout`. UNAVAILABLE when
// nothing answers (connection refused, timeout, malformed answer).
absl::StatusOr<HttpGetResult> HttpGet(int port, const std::string& path,
                                      absl::Duration timeout = absl::Seconds(10));

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_HTTP_GET_H_
