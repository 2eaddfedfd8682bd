// The gateway's reads (docs/http.md): ListUpdates, GetSituation and
// GetIncident as JSON, and the CAP alerts and Atom feed made from them. Each
// parses on the loop thread and reads and renders on the executor.
#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/http/gzip_body.h"
#include "server/http/http_gateway.h"
#include "server/http/json_body.h"
#include "server/http/query_params.h"
#include "server/http/situation_compact.h"
#include "server/interop/cap_alert.h"
#include "server/interop/cap_atom.h"

namespace sitrep {
namespace {

// References named in one CAP alert (the incident's latest earlier ones).
constexpr int kMaxCapReferences = 100;

// Parses the query into `message`; `ignored` parameters are the
// transport's own.
// `aliases`: short parameter names (first) for field paths (second).
absl::Status ParseRequest(absl::string_view query,
                          const std::vector<std::string>& ignored,
                          google::protobuf::Message* message,
                          const std::vector<QueryParam>& aliases = {}) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  for (QueryParam& param : *params) {
    for (const auto& [alias, path] : aliases) {
      if (param.first == alias) param.first = path;
    }
  }
  return ApplyQuery(*params, ignored, message);
}

}  // namespace

template <typename Call, typename Read>
void HttpGateway::ServeRead(Request& request, absl::string_view rpc,
                            Read read,
                            const std::vector<QueryParam>& aliases) {
  ServeRendered<Call>(
      request, rpc, "application/json",
      [read = std::move(read)](const CallIdentity& caller, absl::string_view rpc,
                               const Call& call) mutable
      -> absl::StatusOr<std::string> {
        auto answer = read(caller, rpc, call);
        if (!answer.ok()) return answer.status();
        return ToJson(*answer);
      },
      aliases);
}

template <typename Call, typename Render>
void HttpGateway::ServeRendered(Request& request, absl::string_view rpc,
                                absl::string_view content_type,
                                Render render,
                                const std::vector<QueryParam>& aliases,
                                const std::vector<std::string>& ignored) {
  absl::StatusOr<CallIdentity> caller = Identify(request, rpc);
  if (!caller.ok()) return request.ReplyError(caller.status());
  Call call;
  if (absl::Status parsed =
          ParseRequest(request.query(), ignored, &call, aliases);
      !parsed.ok()) {
    parts_.reads->CountRefusal(parsed);
    return request.ReplyError(parsed);
  }
  // The read (a store read for a page of history, a snapshot of the
  // situation) and its rendering run on the executor, never on the loop
  // thread (M-6): four large pages at once held every other connection of
  // the loop, SSE heartbeats included, for seconds. The reply goes back to
  // the loop; a request whose client left meanwhile is freed by it.
  // gzip when the client accepts it, compressed on the executor too.
  const bool gzip = AcceptsGzip(request.Header("Accept-Encoding").value_or(""));
  parts_.executor->Schedule([this, request, caller = *std::move(caller),
                             rpc = std::string(rpc), call = std::move(call),
                             content_type = std::string(content_type),
                             render = std::move(render), gzip]() mutable {
    absl::StatusOr<std::string> body = render(caller, rpc, call);
    bool gzipped = false;
    if (gzip && body.ok() && body->size() >= kGzipMinBytes) {
      absl::StatusOr<std::string> compressed = GzipBody(*body);
      if (compressed.ok()) {
        body = *std::move(compressed);
        gzipped = true;
      }
    }
    loop_->Post([request, body = std::move(body),
                 content_type = std::move(content_type), gzipped]() mutable {
      if (!body.ok()) return request.ReplyError(body.status());
      request.AddHeader("Cache-Control", "no-store");
      request.AddHeader("Vary", "Accept-Encoding");
      if (gzipped) request.AddHeader("Content-Encoding", "gzip");
      request.Reply(200, content_type, *body);
    });
  });
}

void HttpGateway::ServeUpdates(Request& request) {
  ServeRead<v1::ListUpdatesRequest>(
      request, "ListUpdates",
      [this](const CallIdentity& caller, absl::string_view rpc,
             const v1::ListUpdatesRequest& call) {
        return parts_.reads->ListUpdates(caller, rpc, call);
      });
}

void HttpGateway::ServeSituation(Request& request) {
  // `?view=compact` or `?view=rows`: what the dashboard's list and map
  // show (query/compact_situation.h); the full view is the default.
  absl::StatusOr<SituationJsonView> view = SituationViewOf(request.query());
  if (!view.ok()) {
    parts_.reads->CountRefusal(view.status());
    return request.ReplyError(view.status());
  }
  ServeRendered<v1::GetSituationRequest>(
      request, "GetSituation", "application/json",
      [this, view = *view](const CallIdentity& caller, absl::string_view rpc,
                           const v1::GetSituationRequest& call)
          -> absl::StatusOr<std::string> {
        return parts_.reads->GetSituationJson(caller, rpc, call, view);
      },
      // `?as_of=2026-12-06T14:05:00Z`: the situation at that time.
      {{"as_of", "as_of_time"}}, {"view"});
}

void HttpGateway::ServeIncident(Request& request,
                                absl::string_view encoded_id) {
  // Incident ids are URL-safe, but a browser may still escape ':'.
  char* decoded = evhttp_uridecode(std::string(encoded_id).c_str(), 0, nullptr);
  const std::string id = decoded != nullptr ? decoded : "";
  free(decoded);
  ServeRead<v1::GetIncidentRequest>(
      request, "GetIncident",
      [this, id](const CallIdentity& caller, absl::string_view rpc,
                  const v1::GetIncidentRequest& call) {
        v1::GetIncidentRequest with_id = call;
        with_id.set_incident_id(id);
        return parts_.reads->GetIncident(caller, rpc, with_id);
      });
}

std::string HttpGateway::BaseUrl(const Request& request) const {
  const std::optional<std::string> host = request.Header("Host");
  return absl::StrCat(tls_ != nullptr ? "https" : "http", "://",
                      host.has_value() ? *host : options_.address);
}

void HttpGateway::ServeCapAlert(Request& request, absl::string_view name) {
  uint64_t sequence = 0;
  if (!absl::SimpleAtoi(name, &sequence) || sequence == 0) {
    return request.ReplyError(absl::NotFoundError(absl::StrCat(
        "no such alert: '", name, "' (GET /v1/cap/<sequence>.xml)")));
  }
  ServeRendered<v1::ListUpdatesRequest>(
      request, "ListUpdates", "application/cap+xml",
      [this, sequence](const CallIdentity& caller, absl::string_view rpc,
                       const v1::ListUpdatesRequest& call)
          -> absl::StatusOr<std::string> {
        // The query's filter applies, like on every read; the rights too.
        v1::ListUpdatesRequest one = call;
        one.set_start_sequence(sequence);
        one.set_end_sequence(sequence);
        one.set_page_size(1);
        absl::StatusOr<v1::ListUpdatesResponse> found =
            parts_.reads->ListUpdates(caller, rpc, one);
        if (!found.ok()) return found.status();
        if (found->updates().empty()) {
          return absl::NotFoundError(absl::StrCat(
              "update ", sequence, " not found or not permitted"));
        }
        const v1::SituationUpdate& update = found->updates(0);
        std::vector<CapReference> references;
        if (!update.incident_id().empty() && sequence > 1) {
          // The incident's earlier updates the caller may read, newest
          // first; named oldest first.
          v1::ListUpdatesRequest earlier;
          earlier.mutable_filter()->add_incident_ids(update.incident_id());
          earlier.set_end_sequence(sequence - 1);
          earlier.set_descending(true);
          earlier.set_page_size(kMaxCapReferences);
          absl::StatusOr<v1::ListUpdatesResponse> thread =
              parts_.reads->ListUpdates(caller, rpc, earlier);
          if (!thread.ok()) return thread.status();
          for (auto it = thread->updates().rbegin();
               it != thread->updates().rend(); ++it) {
            references.push_back({it->sequence(), it->received_at()});
          }
        }
        return RenderCapAlert(update, references,
                              CapSender{options_.cap_sender, found->log_id()});
      });
}

void HttpGateway::ServeCapFeed(Request& request) {
  const std::string base_url = BaseUrl(request);
  ServeRendered<v1::GetSituationRequest>(
      request, "GetSituation", "application/atom+xml",
      [this, base_url](const CallIdentity& caller, absl::string_view rpc,
                       const v1::GetSituationRequest& call)
          -> absl::StatusOr<std::string> {
        absl::StatusOr<v1::Situation> situation =
            parts_.reads->GetSituation(caller, rpc, call);
        if (!situation.ok()) return situation.status();
        std::vector<const v1::SituationUpdate*> alerts;
        int64_t updated = 0;
        for (const v1::Incident& incident : situation->incidents()) {
          alerts.push_back(&incident.latest());
          updated = std::max(updated, incident.latest().received_at().seconds());
        }
        return RenderCapAtomFeed(
            alerts, base_url,
            updated != 0 ? absl::FromUnixSeconds(updated) : parts_.clock->Now(),
            CapSender{options_.cap_sender, situation->log_id()});
      });
}

}  // namespace sitrep
