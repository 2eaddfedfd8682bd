#include "client/status_text.h"

#include <cstdio>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"

namespace sitrep::cli {

const char kExitCodesHelp[] =
    "Exit codes:\n"
    "  0  success (health: SERVING)\n"
    "  1  the server refused the request, or some import/demo lines failed\n"
    "  2  usage: bad flags, arguments or input\n"
    "  3  server unreachable, unavailable or too slow (UNAVAILABLE, "
    "DEADLINE_EXCEEDED)\n"
    "  4  health: the server answered but is not SERVING\n"
    "  5  subscribe: the cursor belongs to another log (store wiped or "
    "replaced)\n"
    "  6  the server refused the credentials (UNAUTHENTICATED: no, wrong or "
    "unknown token or client certificate)\n"
    "  7  the credentials do not allow this (PERMISSION_DENIED)\n"
    "  8  incident: no such incident, or not permitted to read it (NOT_FOUND)\n"
    "  130  import: interrupted (Ctrl-C, SIGTERM); the summary counts what was stored\n"
    "  check: the monitoring-plugin codes instead (0 OK, 1 WARNING, 2 CRITICAL, "
    "3 UNKNOWN)\n";

const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    default: return "UNKNOWN_CODE";
  }
}

std::string RpcCodeName(int code) {
  if (code < 0 || code > 16) return absl::StrCat("CODE_", code);
  return StatusCodeName(static_cast<grpc::StatusCode>(code));
}

namespace {

absl::Mutex secret_mu(absl::kConstInit);
std::string* secret ABSL_GUARDED_BY(secret_mu) = nullptr;
std::string* connection_hint ABSL_GUARDED_BY(secret_mu) = nullptr;

// What gRPC says when the peer hung up during the handshake.
bool LooksLikeHandshakeFailure(const std::string& message) {
  for (const char* text : {"Socket closed", "Connection reset", "andshake", "SSL_ERROR",
                           "Peer name"}) {
    if (absl::StrContains(message, text)) return true;
  }
  return false;
}

std::string ConnectionHint() {
  absl::MutexLock lock(&secret_mu);
  return connection_hint == nullptr ? "" : *connection_hint;
}

constexpr char kWhereIsTheServer[] =
    "the gRPC address is sitrepd's --listen (default 127.0.0.1:50051); set --server or "
    "SITREP_SERVER";

std::string OneLine(std::string s);

}  // namespace

namespace {

enum class Cause { kOther, kHttp1, kRefused, kDns, kUnreachable, kDeadline };

// What gRPC's message of a failed connection says, in one word.
Cause Classify(const grpc::Status& status) {
  const std::string& m = status.error_message();
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::StrContains(m, "Deadline Exceeded") ? Cause::kDeadline : Cause::kOther;
  }
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return Cause::kOther;
  if (absl::StrContains(m, "http1.x") || absl::StrContains(m, "HTTP/1")) return Cause::kHttp1;
  if (absl::StrContains(m, "Connection refused")) return Cause::kRefused;
  if (absl::StrContains(m, "DNS resolution failed") ||
      absl::StrContains(m, "Domain name not found")) {
    return Cause::kDns;
  }
  if (absl::StrContains(m, "No route to host") || absl::StrContains(m, "Network is unreachable") ||
      absl::StrContains(m, "timed out") || absl::StrContains(m, "Timeout occurred")) {
    return Cause::kUnreachable;
  }
  return Cause::kOther;
}

}  // namespace

std::string ConnectionCause(const grpc::Status& status) {
  switch (Classify(status)) {
    case Cause::kHttp1: return "the server answered HTTP/1.1, not gRPC";
    case Cause::kRefused: return "connection refused";
    case Cause::kDns: return "host name unknown to DNS";
    default: return "";
  }
}

std::string ConnectionProblem(const grpc::Status& status, const std::string& address) {
  switch (Classify(status)) {
    case Cause::kHttp1:
      return absl::StrCat("server ", address,
                          " answered HTTP/1.1, not gRPC: is that the dashboard/HTTP port? ",
                          kWhereIsTheServer);
    case Cause::kRefused:
      return absl::StrCat("nothing accepts connections at ", address,
                          " (connection refused): is sitrepd running at ", address, "? ",
                          kWhereIsTheServer);
    case Cause::kDns:
      return absl::StrCat("cannot resolve the host name of ", address, " (",
                          address.substr(0, address.rfind(':')),
                          " is unknown to DNS): check the address; ", kWhereIsTheServer);
    case Cause::kUnreachable:
      return absl::StrCat("cannot reach ", address, " (", OneLine(status.error_message()),
                          "): is sitrepd running at ", address,
                          " and is the network path open? ", kWhereIsTheServer);
    case Cause::kDeadline:
      return absl::StrCat("server ", address,
                          " did not answer in time (--timeout): is sitrepd running at ", address,
                          " and not overloaded? ", kWhereIsTheServer);
    case Cause::kOther:
      break;
  }
  return "";
}

namespace {

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return Redacted(std::move(s));
}

}  // namespace

void RedactInMessages(std::string value) {
  absl::MutexLock lock(&secret_mu);
  if (secret == nullptr) secret = new std::string;  // never freed: used until exit
  *secret = std::move(value);
}

void SetConnectionHint(std::string hint) {
  absl::MutexLock lock(&secret_mu);
  if (connection_hint == nullptr) connection_hint = new std::string;  // never freed
  *connection_hint = std::move(hint);
}

std::string Redacted(std::string text) {
  absl::MutexLock lock(&secret_mu);
  if (secret == nullptr || secret->empty()) return text;
  return absl::StrReplaceAll(text, {{*secret, "<redacted>"}});
}

std::string FormatStatus(const grpc::Status& status) {
  std::string out = StatusCodeName(status.error_code());
  if (!status.error_message().empty()) {
    absl::StrAppend(&out, ": ", OneLine(status.error_message()));
  }
  return out;
}

int ExitCodeFor(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK: return kExitOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED: return kExitUnavailable;
    case grpc::StatusCode::UNAUTHENTICATED: return kExitUnauthenticated;
    case grpc::StatusCode::PERMISSION_DENIED: return kExitPermissionDenied;
    default: return kExitFailed;
  }
}

int ReportRpcError(const std::string& what, const grpc::Status& status,
                   const std::string& server_address) {
  std::string line = absl::StrCat("sitrep: ", what, ": ");
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED: {
      const std::string plain = ConnectionProblem(status, server_address);
      if (!plain.empty()) {
        absl::StrAppend(&line, plain, " [", StatusCodeName(status.error_code()), "]");
        break;
      }
      absl::StrAppend(&line, "server ", server_address, ": ", FormatStatus(status));
      if (LooksLikeHandshakeFailure(status.error_message())) {
        const std::string hint = ConnectionHint();
        if (!hint.empty()) absl::StrAppend(&line, " (", hint, ")");
      }
      break;
    }
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      absl::StrAppend(&line,
                      status.error_code() == grpc::StatusCode::UNAUTHENTICATED
                          ? "the server refused the credentials ("
                          : "the credentials do not allow this (",
                      StatusCodeName(status.error_code()), ")");
      if (!status.error_message().empty()) {
        absl::StrAppend(&line, ": ", OneLine(status.error_message()));
      }
      break;
    default:
      absl::StrAppend(&line, FormatStatus(status));
      break;
  }
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
  return ExitCodeFor(status);
}

int ReportUsageError(const std::string& message) {
  std::fprintf(stderr, "sitrep: %s\n", OneLine(message).c_str());
  return kExitUsage;
}

int ReportUsageError(const absl::Status& status) {
  return ReportUsageError(std::string(status.message()));
}

}  // namespace sitrep::cli
