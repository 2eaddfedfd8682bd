#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"

namespace sitrep::cli {

void AddGlobalFlags(CLI::App* root, GlobalFlags* global) {
  root->add_option("-s,--server", global->server,
                   "Server address host:port (default 127.0.0.1:50051)")
      ->envname("SITREP_SERVER")
      ->group("Connection");
  root->add_option("--timeout", global->timeout,
                   "Deadline of each unary call: 500ms, 10s, 1m (default 10s)")
      ->group("Connection");
}

absl::StatusOr<std::unique_ptr<FeedClient>> MakeFeedClient(const GlobalFlags& global) {
  ChannelOptions options;
  if (global.server.empty()) {
    return absl::InvalidArgumentError("--server: empty address (expected host:port)");
  }
  options.address = global.server;
  absl::StatusOr<absl::Duration> timeout = ParseDurationFlag(global.timeout, "--timeout");
  if (!timeout.ok()) return timeout.status();
  if (*timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout: must be positive");
  }
  options.unary_timeout = *timeout;
  std::shared_ptr<grpc::Channel> channel = MakeChannel(options);
  return std::make_unique<FeedClient>(std::move(channel), options);
}

}  // namespace sitrep::cli
