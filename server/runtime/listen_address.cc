#include "server/runtime/listen_address.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/runtime/port_holder.h"

namespace sitrep {

absl::Status SplitHostPort(absl::string_view address, HostPort* out) {
  const size_t colon = address.rfind(':');
  int number = -1;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &number) || number < 0 ||
      number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", address, "' is not host:port (e.g. 127.0.0.1:9464)"));
  }
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out->host = std::string(host);
  out->port = number;
  return absl::OkStatus();
}

absl::Status AddressInUseError(absl::string_view flag,
                               absl::string_view address, int port) {
  const std::string holder = DescribePortHolder(port);
  return absl::UnavailableError(absl::StrCat(
      flag, ": ", address, " is in use",
      holder.empty() ? " (by a process this user cannot see)"
                     : absl::StrCat(" by ", holder),
      "; stop it, or give another port (0: any free one)"));
}

absl::Status CheckAddressFree(absl::string_view flag,
                              absl::string_view address) {
  HostPort parsed;
  if (absl::StartsWith(address, "unix:") ||
      !SplitHostPort(address, &parsed).ok() || parsed.port == 0) {
    return absl::OkStatus();
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = absl::StrCat(parsed.port);
  if (::getaddrinfo(parsed.host.empty() ? nullptr : parsed.host.c_str(),
                    port.c_str(), &hints, &found) != 0) {
    return absl::OkStatus();  // The real listener names the bad host.
  }
  bool in_use = false;
  for (addrinfo* ai = found; ai != nullptr && !in_use; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                            ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno == EADDRINUSE) {
      in_use = true;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (in_use) return AddressInUseError(flag, address, parsed.port);
  return absl::OkStatus();
}

}  // namespace sitrep
