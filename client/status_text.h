// Exit codes of `sitrep` and the one-line rendering of a gRPC status.
// Everything that turns an error into text or an exit code lives here, so the
// commands agree (google-cloud-cpp keeps its error translation in one header
// for the same reason).
#ifndef SITREP_CLIENT_STATUS_TEXT_H_
#define SITREP_CLIENT_STATUS_TEXT_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace sitrep::cli {

// The documented exit codes (`sitrep --help` prints kExitCodesHelp).
inline constexpr int kExitOk = 0;
// The server refused a request (INVALID_ARGUMENT, ALREADY_EXISTS, ...), or an
// import / demo had failed lines.
inline constexpr int kExitFailed = 1;
// Bad flags, arguments or input that never reached the server.
inline constexpr int kExitUsage = 2;
// The server could not be reached, went away (UNAVAILABLE) or did not answer
// in time (DEADLINE_EXCEEDED).
inline constexpr int kExitUnavailable = 3;
// `sitrep health`: the server answered but is not SERVING.
inline constexpr int kExitNotServing = 4;
// `sitrep subscribe`: the cursor belongs to another log (FAILED_PRECONDITION
// on resume: the store was wiped, restored or replaced).
inline constexpr int kExitCursorMismatch = 5;
// The server refused the credentials (UNAUTHENTICATED): none were sent, or
// the token or client certificate is wrong, expired or unknown to it.
inline constexpr int kExitUnauthenticated = 6;
// The credentials are valid but do not allow this call (PERMISSION_DENIED):
// e.g. publishing as another mission.
inline constexpr int kExitPermissionDenied = 7;
// `sitrep incident`: no such incident, or none of its updates may be read
// with these credentials (NOT_FOUND: the server never tells the two apart).
inline constexpr int kExitNotFound = 8;

// `import` stopped by Ctrl-C (SIGINT) or SIGTERM: it sent nothing more,
// waited for the answers to what it had sent and reported exactly what was
// stored (128 + SIGINT, as shells report an interrupted command).
inline constexpr int kExitInterrupted = 130;

extern const char kExitCodesHelp[];

// "INVALID_ARGUMENT", "UNAVAILABLE", ... for every grpc::StatusCode.
const char* StatusCodeName(grpc::StatusCode code);
// The name of a google.rpc.Code number (as carried by PublishAck.error).
std::string RpcCodeName(int code);

// "UNAVAILABLE: failed to connect to all addresses" (one line: newlines in
// the message become spaces).
std::string FormatStatus(const grpc::Status& status);

// kExitUnavailable for UNAVAILABLE / DEADLINE_EXCEEDED, kExitUnauthenticated
// for UNAUTHENTICATED, kExitPermissionDenied for PERMISSION_DENIED, kExitOk
// for OK, kExitFailed otherwise.
int ExitCodeFor(const grpc::Status& status);

// The cause of an UNAVAILABLE / DEADLINE_EXCEEDED in plain words with the
// address tried and what to check, or "" when gRPC's message says nothing
// more specific than that (a closed connection: ReportRpcError's TLS hint):
//   server 127.0.0.1:8080 answered HTTP/1.1, not gRPC: is that the
//     dashboard/HTTP port? the gRPC address is sitrepd's --listen ...
//   nothing accepts connections at 127.0.0.1:50051 (connection refused): is
//     sitrepd running at 127.0.0.1:50051? ...
std::string ConnectionProblem(const grpc::Status& status, const std::string& address);

// The same cause in a few words for a line that repeats (tail's reconnect
// attempts): "connection refused", "the server answered HTTP/1.1, not
// gRPC", "host name unknown to DNS"; "" when gRPC says nothing specific.
std::string ConnectionCause(const grpc::Status& status);

// Prints "sitrep: <what>: <status>" on stderr and returns ExitCodeFor(status).
// When the server could not be reached at all, adds the address, so the one
// line says what to check (plus the SetConnectionHint hint when the
// connection was closed during the handshake); UNAUTHENTICATED and PERMISSION_DENIED say in
// words that the credentials were refused / do not allow the call:
//   sitrep: publish failed: the server refused the credentials (UNAUTHENTICATED): ...
int ReportRpcError(const std::string& what, const grpc::Status& status,
                   const std::string& server_address);

// Prints "sitrep: <message>" on stderr and returns kExitUsage.
int ReportUsageError(const std::string& message);
int ReportUsageError(const absl::Status& status);

// From now on, every message rendered here (FormatStatus, ReportRpcError,
// ReportUsageError) shows `secret` as "<redacted>": the bearer token must
// not reach a terminal or a log even if a server or gRPC echoed it. Empty:
// nothing is redacted. Thread-safe.
void RedactInMessages(std::string secret);
// `text` with the secret of RedactInMessages replaced.
std::string Redacted(std::string text);

// A hint ReportRpcError appends to an UNAVAILABLE whose message says the
// connection was closed or reset, or the TLS handshake failed: what gRPC
// reports when client and server disagree about TLS or client certificates
// ("Socket closed" says nothing about that). MakeFeedClient sets it from
// the channel options. Empty: none. Thread-safe.
void SetConnectionHint(std::string hint);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_STATUS_TEXT_H_
