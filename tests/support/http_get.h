#ifndef SITREP_TESTS_SUPPORT_HTTP_GET_H_
#define SITREP_TESTS_SUPPORT_HTTP_GET_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// Any request, like HttpGet (HTTP/1.0, the answer read to its end).
struct HttpCall {
  std::string method = "GET";
  std::string path;
  // Extra header lines: {"Authorization", "Bearer ..."}.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};
absl::StatusOr<HttpGetResult> HttpFetch(
    int port, const HttpCall& call, absl::Duration timeout = absl::Seconds(10));

// A connection with `call` sent, for a caller that reads the answer as it
// comes (a Server-Sent Events stream): the socket, nonblocking, owned by the
// caller. UNAVAILABLE when it cannot connect or send before `deadline`.
absl::StatusOr<int> HttpOpen(int port, const HttpCall& call,
                             absl::Time deadline);

// Waits until `fd` is ready for `events` (poll's) or `deadline` passed.
bool WaitForSocket(int fd, short events, absl::Time deadline);

// The value of header `name` (case-insensitive) in `headers` as HttpGet
// returns them, or "" when absent.
std::string HeaderValue(const std::string& headers, absl::string_view name);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_HTTP_GET_H_
