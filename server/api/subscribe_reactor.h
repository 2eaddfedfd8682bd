#ifndef SITREP_SERVER_API_SUBSCRIBE_REACTOR_H_
#define SITREP_SERVER_API_SUBSCRIBE_REACTOR_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "server/api/encoded_message.h"
#include "server/api/inline_write_reactor.h"
#include "server/service/subscription.h"
#include "server/metrics/metrics.h"

namespace sitrep {

// Creates the reactor for one Subscribe call: parses and checks the
// request, starts the cursor, registers the stream. A bad request gets a
// reactor that finishes at once with the error.
// `open` checks the parsed request and opens its subscription
// (FeedReads::Subscribe); `metrics` (nullable) counts a request that does
// not parse, and every call by the status it finishes with
// (sitrep_grpc_server_handled_total: Subscribe is not intercepted,
// call_metrics_interceptor.h). The stream writes EncodedMessages: no copy
// of each batch's bytes (encoded_message.h); a write's completion runs on
// the thread that wrote when it can (inline_write_reactor.h).
using SubscriptionOpener =
    std::function<absl::StatusOr<std::shared_ptr<Subscription>>(
        const v1::SubscribeRequest&)>;
InlineWriteReactor* NewSubscribeReactor(
    const grpc::ByteBuffer& request_bytes, const SubscriptionOpener& open,
    Metrics* metrics);

// A reactor that only finishes the call with `status` (counted in
// `metrics`, nullable).
InlineWriteReactor* NewFailedSubscribeReactor(
    const absl::Status& status, Metrics* metrics);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SUBSCRIBE_REACTOR_H_
