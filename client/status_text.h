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

extern const char kExitCodesHelp[];

// "INVALID_ARGUMENT", "UNAVAILABLE", ... for every grpc::StatusCode.
const char* StatusCodeName(grpc::StatusCode code);
// The name of a google.rpc.Code number (as carried by PublishAck.error).
std::string RpcCodeName(int code);

// "UNAVAILABLE: failed to connect to all addresses" (one line: newlines in
// the message become spaces).
std::string FormatStatus(const grpc::Status& status);

// kExitUnavailable for UNAVAILABLE / DEADLINE_EXCEEDED, kExitOk for OK,
// kExitFailed otherwise.
int ExitCodeFor(const grpc::Status& status);

// Prints "sitrep: <what>: <status>" on stderr and returns ExitCodeFor(status).
// When the server could not be reached at all, adds the address, so the one
// line says what to check.
int ReportRpcError(const std::string& what, const grpc::Status& status,
                   const std::string& server_address);

// Prints "sitrep: <message>" on stderr and returns kExitUsage.
int ReportUsageError(const std::string& message);
int ReportUsageError(const absl::Status& status);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_STATUS_TEXT_H_
