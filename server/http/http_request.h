#ifndef SITREP_SERVER_HTTP_HTTP_REQUEST_H_
#define SITREP_SERVER_HTTP_HTTP_REQUEST_H_

#include <event2/http.h>

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/metrics/metrics.h"

namespace sitrep {

// One gateway request on the loop thread: its parts, and the ways to answer
// it (each answer is counted under the request's route). A handle: copies
// refer to the same evhttp request, which lives until it is answered (or
// its connection closes).
//
// Thread safety: loop thread only; other threads post to the loop.
class HttpRequest {
 public:
  // `metrics`: nullable.
  HttpRequest(evhttp_request* request, Metrics* metrics);

  evhttp_request* raw() const { return request_; }
  // Names the request's route in the metrics (a fixed few).
  void set_route(absl::string_view route) { route_ = route; }
  // Counts an answer that did not go through Reply (a started stream).
  void Count(int status) const;
  evhttp_cmd_type method() const { return evhttp_request_get_command(request_); }
  const std::string& path() const { return path_; }
  const std::string& query() const { return query_; }
  const std::string& peer() const { return peer_; }

  std::optional<std::string> Header(const char* name) const;
  std::optional<std::string> Cookie(absl::string_view name) const;

  void AddHeader(const char* name, const std::string& value);
  void Reply(int status, absl::string_view content_type,
             absl::string_view body);
  // The status as JSON (json_body.h), with its HTTP status code.
  void ReplyError(const absl::Status& status);
  void ReplyEmpty(int status);

 private:
  evhttp_request* const request_;
  Metrics* const metrics_;
  absl::string_view route_ = "other";
  std::string path_;
  std::string query_;
  std::string peer_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_HTTP_REQUEST_H_
