#ifndef SITREP_TESTS_SECURITY_RAPID_RESET_CLIENT_H_
#define SITREP_TESTS_SECURITY_RAPID_RESET_CLIENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sitrep::testing {

// CVE-2023-44487 ("HTTP/2 rapid reset"), the attacker's side: one plaintext
// HTTP/2 connection (nghttp2) that opens a gRPC call with HEADERS and
// cancels it with RST_STREAM at once, as fast as the socket takes them,
// until `duration` passed or the server closed the connection. Each
// stream's HEADERS is on the wire before its RST_STREAM (nghttp2 drops a
// request it has not sent yet when it is reset).
struct RapidResetResult {
  // Streams opened and reset.
  uint64_t streams = 0;
  // The server ended the connection (GOAWAY or close) before `duration`.
  bool server_closed = false;
  // Connections opened (a closed one is opened again while time is left).
  int connections = 0;
};

// Attacks 127.0.0.1:`port` with `path` (e.g. "/sitrep.v1.SituationFeed/
// GetSituation"). `reconnect`: open a new connection when the server closes
// one. Errors: the first connection could not be made.
absl::StatusOr<RapidResetResult> RunRapidReset(int port,
                                               const std::string& path,
                                               absl::Duration duration,
                                               bool reconnect);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SECURITY_RAPID_RESET_CLIENT_H_
