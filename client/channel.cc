#include "client/channel.h"

#include <chrono>

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
  // TLS (security issue): grpc::SslCredentials(...) chosen from options.
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  return grpc::CreateCustomChannel(options.address, credentials, args);
}

void PrepareContext(const ChannelOptions& options, bool unary,
                    grpc::ClientContext* context) {
  if (unary) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options.unary_timeout));
  }
  // Token (security issue): context->AddMetadata("authorization", ...).
}

}  // namespace sitrep::cli
