// POST /v1/cap: one CAP alert published (interop/cap_import.h) through the
// same PublishService as gRPC's Publish.
#include <event2/buffer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/http/http_gateway.h"
#include "server/http/json_body.h"
#include "server/http/query_params.h"
#include "server/interop/cap_import.h"

namespace sitrep {
namespace {

// POST /v1/cap's query: only `mission` (KFOR, EULEX, KOSOVO_POLICE, any
// case, MISSION_ prefix optional).
absl::StatusOr<CapImportOptions> CapOptionsOf(absl::string_view query) {
  CapImportOptions options;
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  for (const auto& [name, value] : *params) {
    if (name != "mission") {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": POST /v1/cap takes only the parameter mission"));
    }
    std::string upper = absl::AsciiStrToUpper(value);
    if (!absl::StartsWith(upper, "MISSION_")) upper = absl::StrCat("MISSION_", upper);
    if (!v1::Mission_Parse(upper, &options.mission) ||
        options.mission == v1::MISSION_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mission: '", value, "' is no mission (KFOR, EULEX, KOSOVO_POLICE)"));
    }
  }
  return options;
}

}  // namespace

void HttpGateway::PublishCap(Request& request) {
  absl::StatusOr<CallIdentity> caller = Identify(request, "Publish");
  if (!caller.ok()) return request.ReplyError(caller.status());
  if (parts_.publishing == nullptr) {
    return request.ReplyError(
        absl::UnimplementedError("POST /v1/cap: this server publishes over gRPC only"));
  }
  absl::StatusOr<CapImportOptions> options = CapOptionsOf(request.query());
  if (!options.ok()) return request.ReplyError(options.status());
  evbuffer* input = evhttp_request_get_input_buffer(request.raw());
  const size_t size = evbuffer_get_length(input);
  std::string body;
  if (size > 0) {
    body.assign(reinterpret_cast<const char*>(
                    evbuffer_pullup(input, static_cast<ssize_t>(size))),
                size);
  }
  absl::StatusOr<v1::PublishRequest> publish = ParseCapAlert(body, *options);
  if (!publish.ok()) {
    parts_.reads->CountRefusal(publish.status());
    return request.ReplyError(publish.status());
  }
  const v1::Kind kind = publish->update().kind();
  const std::string incident = publish->update().incident_id();
  std::vector<v1::PublishRequest> requests;
  requests.push_back(*std::move(publish));
  parts_.publishing->Publish(
      *caller, "Publish", std::move(requests), absl::Now(),
      [this, request, kind, incident](PublishResults results) mutable {
        absl::StatusOr<PublishResult> result =
            results.empty() ? absl::InternalError("no publish result")
                            : std::move(results.front());
        std::string answer;
        absl::Status status = result.status();
        if (result.ok()) {
          v1::PublishResponse response;
          response.set_sequence(result->entry->sequence());
          response.set_duplicate(result->duplicate);
          response.set_event_id(result->entry->update.event_id());
          response.set_incident_version(result->entry->update.incident_version());
          answer = ToJson(response);
        } else if (kind != v1::KIND_NEW && !incident.empty()) {
          // A CAP Update or Cancel names its incident through the alert it
          // follows: say so, with the server's reason.
          status = absl::Status(
              status.code(),
              absl::StrCat("alert.references: the ", v1::Kind_Name(kind),
                           " of incident '", incident,
                           "' (named by <incidents> or <references>) was refused: ",
                           status.message()));
        }
        loop_->Post([request, status = std::move(status),
                     answer = std::move(answer)]() mutable {
          if (!status.ok()) return request.ReplyError(status);
          request.AddHeader("Cache-Control", "no-store");
          request.Reply(200, "application/json", answer);
        });
      });
}

}  // namespace sitrep
