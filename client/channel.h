// How the CLI reaches a server: address, TLS (server verification and an
// optional client certificate) and a bearer token -> grpc::Channel + per-call
// context.
#ifndef SITREP_CLIENT_CHANNEL_H_
#define SITREP_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace sitrep::cli {

// The default server address; SITREP_SERVER or --server override it.
inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

struct ChannelOptions {
  // host:port (any gRPC target, e.g. "dns:///sitrep.example:50051").
  std::string address = kDefaultServer;
  // Deadline of every unary call (Publish, ListUpdates, GetSituation, health
  // check). Streams have none. Default 10 s.
  absl::Duration unary_timeout = absl::Seconds(10);
  // Upper bound of gRPC's own reconnect backoff. gRPC's default (120 s) would
  // keep a channel in TRANSIENT_FAILURE long after the server is back; the
  // CLI's resume backoff has the same cap, so a restarted server is found
  // within this much time.
  absl::Duration max_reconnect_backoff = absl::Seconds(5);

  // TLS. Off: plaintext (the fields below are ignored).
  bool tls = false;
  // PEM CA certificates the server's certificate must chain to. Empty: the
  // system's roots (gRPC's default root store).
  std::string tls_root_certs;
  // PEM client certificate (chain) and its private key, for servers that
  // require one (mTLS). Both or neither.
  std::string tls_cert_chain;
  std::string tls_private_key;  // secret
  // The name checked against the server's certificate instead of the host of
  // `address` (e.g. when connecting by IP to a certificate for a DNS name).
  std::string tls_server_name;

  // Bearer token sent as `authorization: Bearer <token>` on every call.
  // Empty: none. Secret: never printed.
  std::string token;
};

// A channel to options.address: TLS credentials (grpc::SslCredentials) when
// options.tls, plaintext otherwise. Never fails: connection and handshake
// errors surface as UNAVAILABLE on the first call.
std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options);

// Sets what every call carries: the `authorization` metadata when a token is
// configured. When `unary` is true, also sets the deadline to
// now + options.unary_timeout. Every call (unary, streams, each reconnect of
// a subscription, the health check) goes through here.
void PrepareContext(const ChannelOptions& options, bool unary,
                    grpc::ClientContext* context);

// The --server value as a gRPC target: a scheme pasted from a browser
// ("http://host:8080/", "https://...") is dropped with a note in `*note`
// (grpc:// silently), a missing port becomes 50051 (never gRPC's port 0),
// and a trailing '/' goes. gRPC targets with a resolver scheme ("dns:",
// "ipv4:", "unix:") pass unchanged. INVALID_ARGUMENT names --server for an
// empty address or a port that is not 1..65535.
absl::StatusOr<std::string> NormalizeServerAddress(absl::string_view text, std::string* note);

// True when the gRPC target names this machine: 127.0.0.0/8, ::1,
// "localhost", or a unix socket ("unix:...", "unix-abstract:..."), with or
// without the "dns:", "ipv4:" and "ipv6:" schemes. False when unsure.
bool IsLoopbackTarget(absl::string_view target);

// True when `options` would send the token without TLS to a host that is not
// this machine (the CLI then warns).
bool TokenSentInPlaintext(const ChannelOptions& options);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_CHANNEL_H_
