// Listen addresses ("host:port", "[v6]:port") and whether this process may
// listen on one. sitrepd checks each of its listeners before anything
// serves, so that a second server on a taken port stops at once with a
// message naming the flag, the address and the process holding it, instead
// of serving half its listeners first. No listener sets SO_REUSEPORT, so
// the check and the real bind agree: while one process listens on a port,
// every other bind to it fails.
#ifndef SITREP_SERVER_RUNTIME_LISTEN_ADDRESS_H_
#define SITREP_SERVER_RUNTIME_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sitrep {

struct HostPort {
  std::string host;  // brackets of an IPv6 literal removed; "" for any
  int port = 0;      // 0..65535
};

// "host:port" -> HostPort; INVALID_ARGUMENT when there is no port in
// 0..65535 after the last ':'.
absl::Status SplitHostPort(absl::string_view address, HostPort* out);

// OK when `address` may be listened on: port 0, an address sitrepd does not
// parse (a "unix:" gRPC address), or a bind (with SO_REUSEADDR, as the real
// listeners, so that connections of an earlier process in TIME_WAIT do not
// count) that succeeds or fails for another reason than EADDRINUSE (the
// real bind reports those). UNAVAILABLE from AddressInUseError() otherwise.
absl::Status CheckAddressFree(absl::string_view flag, absl::string_view address);

// "<flag>: <address> is in use by pid N (command); stop it or give another
// port (0: any free one)", the holder as DescribePortHolder() finds it.
absl::Status AddressInUseError(absl::string_view flag,
                               absl::string_view address, int port);

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_LISTEN_ADDRESS_H_
