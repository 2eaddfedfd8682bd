// How the CLI reaches a server: address (and, once the security issue lands,
// TLS files and a bearer token) -> grpc::Channel + per-call context.
#ifndef SITREP_CLIENT_CHANNEL_H_
#define SITREP_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

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
  // Later (security issue): TLS root/cert/key files and a bearer token. They
  // slot in here; MakeChannel() picks the credentials and PrepareContext()
  // adds the `authorization` metadata, so no command changes.
};

// A channel to options.address with plaintext credentials (TLS: later).
// Never fails: connection errors surface as UNAVAILABLE on the first call.
std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options);

// Sets what every call carries (credentials metadata, later). When `unary` is
// true, also sets the deadline to now + options.unary_timeout.
void PrepareContext(const ChannelOptions& options, bool unary,
                    grpc::ClientContext* context);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_CHANNEL_H_
