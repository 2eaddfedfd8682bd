#include "client/channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace sitrep::cli {

std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options) {
  grpc::ChannelArguments args;
  const int max_backoff_ms =
      static_cast<int>(absl::ToInt64Milliseconds(options.max_reconnect_backoff));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_backoff_ms);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              std::min(200, max_backoff_ms));
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, std::min(200, max_backoff_ms));
  // Imports send large batches; keep the client's limit at the server's.
  args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_root_certs;  // empty: the system's roots
    ssl.pem_cert_chain = options.tls_cert_chain;
    ssl.pem_private_key = options.tls_private_key;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(options.address, credentials, args);
}

void PrepareContext(const ChannelOptions& options, bool unary,
                    grpc::ClientContext* context) {
  if (unary) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options.unary_timeout));
  }
  // Plain metadata rather than grpc::AccessTokenCredentials: gRPC refuses
  // call credentials on a plaintext channel, and a loopback development
  // server without TLS may still check tokens.
  if (!options.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options.token));
  }
}

namespace {

bool IsLoopbackHost(absl::string_view host) {
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) ||
           (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

// "host:port", "[v6]:port", "host" or a bare IPv6 address -> the host.
absl::string_view HostOf(absl::string_view host_port) {
  if (absl::StartsWith(host_port, "[")) {
    const size_t end = host_port.find(']');
    if (end == absl::string_view::npos) return "";
    return host_port.substr(1, end - 1);
  }
  const size_t colons = std::count(host_port.begin(), host_port.end(), ':');
  if (colons == 1) return host_port.substr(0, host_port.find(':'));
  return host_port;  // no port, or an IPv6 address without brackets
}

}  // namespace

bool IsLoopbackTarget(absl::string_view target) {
  if (absl::StartsWith(target, "unix:") || absl::StartsWith(target, "unix-abstract:")) {
    return true;
  }
  if (absl::ConsumePrefix(&target, "ipv4:") || absl::ConsumePrefix(&target, "ipv6:")) {
    // A comma-separated list of addresses: loopback only if all are.
    const std::vector<absl::string_view> addresses = absl::StrSplit(target, ',');
    for (absl::string_view address : addresses) {
      if (!IsLoopbackHost(HostOf(address))) return false;
    }
    return !addresses.empty();
  }
  if (absl::ConsumePrefix(&target, "dns:")) {
    if (absl::ConsumePrefix(&target, "//")) {  // dns://authority/host:port
      const size_t slash = target.find('/');
      if (slash == absl::string_view::npos) return false;
      target.remove_prefix(slash + 1);
    }
  }
  return IsLoopbackHost(HostOf(target));
}

absl::StatusOr<std::string> NormalizeServerAddress(absl::string_view text, std::string* note) {
  note->clear();
  absl::string_view address = absl::StripAsciiWhitespace(text);
  for (absl::string_view scheme : {"dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:"}) {
    if (absl::StartsWith(address, scheme)) return std::string(address);
  }
  if (absl::ConsumePrefix(&address, "grpc://")) {
    // accepted as it is: the address of a gRPC server
  } else if (absl::StartsWith(address, "http://") || absl::StartsWith(address, "https://")) {
    const bool https = absl::StartsWith(address, "https://");
    address.remove_prefix(https ? 8 : 7);
    *note = absl::StrCat("--server: dropped '", https ? "https" : "http",
                         "://': sitrep speaks gRPC, not HTTP (give host:port",
                         https ? ", and --tls or --tls_ca for TLS" : "", ")");
  }
  if (const size_t slash = address.find('/'); slash != absl::string_view::npos) {
    address = address.substr(0, slash);  // a path pasted with the URL
  }
  if (address.empty()) {
    return absl::InvalidArgumentError("--server: empty address (expected host:port)");
  }
  std::string host;
  std::string port;
  if (absl::StartsWith(address, "[")) {  // [v6] or [v6]:port
    const size_t end = address.find(']');
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--server: '", text, "': missing ']' after the IPv6 address"));
    }
    host = std::string(address.substr(0, end + 1));
    absl::string_view rest = address.substr(end + 1);
    if (absl::ConsumePrefix(&rest, ":")) port = std::string(rest);
  } else if (std::count(address.begin(), address.end(), ':') > 1) {
    host = absl::StrCat("[", address, "]");  // a bare IPv6 address
  } else if (const size_t colon = address.find(':'); colon != absl::string_view::npos) {
    host = std::string(address.substr(0, colon));
    port = std::string(address.substr(colon + 1));
  } else {
    host = std::string(address);
  }
  if (port.empty()) port = "50051";  // sitrepd's default --listen port
  int number = 0;
  if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--server: '", text, "': the port must be a number 1..65535 (host:port, default port 50051)"));
  }
  return absl::StrCat(host, ":", number);
}

bool TokenSentInPlaintext(const ChannelOptions& options) {
  return !options.tls && !options.token.empty() && !IsLoopbackTarget(options.address);
}

}  // namespace sitrep::cli
