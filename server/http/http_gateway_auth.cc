// Who calls the gateway: a bearer header, a browser session's cookie or a
// verified client certificate (docs/http.md), and the sessions themselves.
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "server/auth/audit.h"
#include "server/http/http_gateway.h"
#include "server/http/json_body.h"
#include "server/http/peer_certificate.h"

namespace sitrep {
namespace {

constexpr char kSessionCookie[] = "sitrep_session";

}  // namespace

void HttpGateway::AuditUnauthenticated(absl::string_view rpc,
                                       const Request& request,
                                       const absl::Status& refused) {
  std::optional<uint64_t> left_out = audit_log_.Admit(parts_.clock->Now());
  if (!left_out.has_value()) return;
  if (*left_out == 0) return AuditDenied(rpc, "", request.peer(), refused);
  AuditDenied(rpc, "", request.peer(),
              absl::Status(refused.code(),
                           absl::StrCat(refused.message(), " (and ", *left_out,
                                        " more refused HTTP requests not "
                                        "logged; the metrics count them)")));
}

absl::StatusOr<CallIdentity> HttpGateway::Identify(const Request& request,
                                                   absl::string_view rpc) {
  CallCredentials credentials;
  credentials.authorization = request.Header("Authorization");
  credentials.certificate_names =
      VerifiedCertificateNames(evhttp_request_get_connection(request.raw()));
  if (!credentials.authorization.has_value()) {
    if (std::optional<std::string> id = request.Cookie(kSessionCookie)) {
      credentials.authorization = sessions_.Find(*id);
      if (!credentials.authorization.has_value() &&
          parts_.authenticator->enforcing()) {
        const absl::Status expired = absl::UnauthenticatedError(
            "the session expired or the server restarted; POST /v1/session "
            "again with Authorization: Bearer <token>");
        AuditUnauthenticated(rpc, request, expired);
        parts_.reads->CountRefusal(expired);
        return expired;
      }
    }
  }
  absl::StatusOr<Principal> principal =
      parts_.authenticator->Authenticate(credentials);
  if (!principal.ok()) {
    // The authenticator speaks of gRPC metadata; say what HTTP sends.
    const absl::Status refused =
        credentials.authorization.has_value()
            ? principal.status()
            : absl::UnauthenticatedError(
                  "no credentials: send Authorization: Bearer <token>, or "
                  "POST /v1/session with it first (a cookie for "
                  "EventSource)");
    AuditUnauthenticated(rpc, request, refused);
    parts_.reads->CountRefusal(refused);
    return refused;
  }
  return CallIdentity{*std::move(principal), request.peer(),
                      std::move(credentials)};
}

void HttpGateway::CreateSession(Request& request) {
  std::optional<std::string> authorization = request.Header("Authorization");
  if (!parts_.authenticator->enforcing()) {
    // Development mode: every request is anonymous anyway.
    return request.ReplyEmpty(204);
  }
  if (!authorization.has_value()) {
    const absl::Status missing = absl::UnauthenticatedError(
        "POST /v1/session needs Authorization: Bearer <token>");
    parts_.reads->CountRefusal(missing);
    return request.ReplyError(missing);
  }
  CallCredentials credentials;
  credentials.authorization = authorization;
  absl::StatusOr<Principal> principal =
      parts_.authenticator->Authenticate(credentials);
  if (!principal.ok()) {
    AuditUnauthenticated("CreateSession", request, principal.status());
    parts_.reads->CountRefusal(principal.status());
    return request.ReplyError(principal.status());
  }
  const std::string id =
      sessions_.Create(principal->name, *std::move(authorization));
  request.AddHeader(
      "Set-Cookie",
      absl::StrCat(kSessionCookie, "=", id,
                   "; Path=/; HttpOnly; SameSite=Strict; Max-Age=",
                   absl::ToInt64Seconds(sessions_.ttl()),
                   tls_ != nullptr ? "; Secure" : ""));
  request.AddHeader("Cache-Control", "no-store");
  google::protobuf::Value name;
  name.set_string_value(principal->name);
  request.Reply(200, "application/json",
                absl::StrCat("{\"principal\":", ToJson(name),
                             ",\"expiresInSeconds\":",
                             absl::ToInt64Seconds(sessions_.ttl()), "}"));
}

void HttpGateway::DeleteSession(Request& request) {
  if (std::optional<std::string> id = request.Cookie(kSessionCookie)) {
    sessions_.Remove(*id);
  }
  request.AddHeader("Set-Cookie",
                    absl::StrCat(kSessionCookie,
                                 "=; Path=/; HttpOnly; SameSite=Strict; "
                                 "Max-Age=0"));
  request.ReplyEmpty(204);
}

}  // namespace sitrep
