#include "server/http/http_request.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/http/json_body.h"

namespace sitrep {
namespace {

const char* ReasonOf(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace

HttpRequest::HttpRequest(evhttp_request* request, Metrics* metrics)
    : request_(request), metrics_(metrics) {
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  const char* path = evhttp_uri_get_path(uri);
  const char* query = evhttp_uri_get_query(uri);
  path_ = path != nullptr && *path != '\0' ? path : "/";
  query_ = query != nullptr ? query : "";
  char* peer_address = nullptr;
  uint16_t peer_port = 0;
  evhttp_connection_get_peer(evhttp_request_get_connection(request),
                             &peer_address, &peer_port);
  peer_ = absl::StrCat("http:", peer_address != nullptr ? peer_address : "?",
                       ":", peer_port);
}

void HttpRequest::Count(int status) const {
  if (metrics_ != nullptr) metrics_->RecordHttpRequest(route_, status);
}

std::optional<std::string> HttpRequest::Header(const char* name) const {
  const char* value =
      evhttp_find_header(evhttp_request_get_input_headers(request_), name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> HttpRequest::Cookie(absl::string_view name) const {
  std::optional<std::string> header = Header("Cookie");
  if (!header.has_value()) return std::nullopt;
  for (absl::string_view part : absl::StrSplit(*header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return std::nullopt;
}

void HttpRequest::AddHeader(const char* name, const std::string& value) {
  evhttp_add_header(evhttp_request_get_output_headers(request_), name,
                    value.c_str());
}

void HttpRequest::Reply(int status, absl::string_view content_type,
                        absl::string_view body) {
  AddHeader("Content-Type", std::string(content_type));
  evbuffer* buffer = evbuffer_new();
  evbuffer_add(buffer, body.data(), body.size());
  evhttp_send_reply(request_, status, ReasonOf(status), buffer);
  evbuffer_free(buffer);
  Count(status);
}

void HttpRequest::ReplyError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    AddHeader("WWW-Authenticate", "Bearer realm=\"sitrep\"");
  }
  AddHeader("Cache-Control", "no-store");
  Reply(HttpStatusOf(status.code()), "application/json", ErrorJson(status));
}

void HttpRequest::ReplyEmpty(int status) {
  evhttp_send_reply(request_, status, ReasonOf(status), nullptr);
  Count(status);
}

}  // namespace sitrep
