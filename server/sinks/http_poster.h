// Concurrent HTTP POSTs on one thread (libcurl's multi interface): every
// webhook sink's request runs at the same time, so an endpoint that hangs
// until its timeout holds up only its own sink, and all sinks together need
// one thread. Only this file and http_poster.cc include libcurl.
#ifndef SITREP_SERVER_SINKS_HTTP_POSTER_H_
#define SITREP_SERVER_SINKS_HTTP_POSTER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace sitrep {

struct HttpPostRequest {
  std::string url;
  std::string body;
  // Sent as given ("Name: value"), after Content-Type: `content_type`.
  std::vector<std::string> headers;
  std::string content_type = "application/json";
  absl::Duration timeout = absl::Seconds(10);
  // PEM CA bundle for https (empty: the system's).
  std::string ca_file;
  // Proxy URL (empty: direct; proxy environment variables are ignored).
  std::string proxy;
};

struct HttpPostResult {
  // The HTTP status; 0 when there was no answer (see `error`).
  int status = 0;
  // Why there was no answer (libcurl's text: connection refused, timeout,
  // TLS failure). Names the host, never the URL's path or query.
  std::string error;
  // The server's Retry-After (seconds or an HTTP date), if any.
  std::optional<absl::Duration> retry_after;
  // The first bytes of the response body, for the log of a refused batch.
  std::string body_prefix;
};

// Thread safety: thread-compatible — one thread (the sinks thread) calls
// everything, except Wakeup(), which any thread may call while the poster
// lives.
class HttpPoster {
 public:
  using Done = absl::AnyInvocable<void(HttpPostResult)>;

  HttpPoster();
  ~HttpPoster();  // Aborts what is in flight without calling `done`.
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // Starts a POST; `done` runs later, inside Run(), exactly once (unless
  // the poster is destroyed or AbortAll() is called first).
  void Post(HttpPostRequest request, Done done);

  // Moves the transfers on and runs the `done` of those that ended. Waits
  // at most `max_wait` for network activity or Wakeup() when nothing ended.
  void Run(absl::Duration max_wait);

  // Makes a Run() that waits return now. Any thread.
  void Wakeup();

  // Drops every transfer in flight without calling its `done`.
  void AbortAll();

  size_t in_flight() const;

 private:
  struct Transfer;
  // Removes finished transfers and runs their callbacks. Returns how many.
  size_t Collect();

  void* multi_;  // CURLM*, kept out of the header.
  std::vector<std::unique_ptr<Transfer>> transfers_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SINKS_HTTP_POSTER_H_
