#ifndef SITREP_SERVER_API_CALL_METRICS_INTERCEPTOR_H_
#define SITREP_SERVER_API_CALL_METRICS_INTERCEPTOR_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "server/metrics/metrics.h"

namespace sitrep {

// Counts every SituationFeed call by method and the status code its handler
// finished it with (sitrep_grpc_server_handled_total), whatever path the
// handler took. gRPC 1.51 has no hook after the status is sent, so the code
// is the one the server sends (PRE_SEND_STATUS); a call the client abandoned
// still counts with the server's status (usually CANCELLED). Health and
// reflection calls are not counted.
//
// Subscribe is not intercepted: it counts itself when its reactor finishes
// (subscribe_reactor.cc), with the same status. An interceptor on a call
// costs every batch of it, not only the last: gRPC 1.51's C++ layer runs
// the interceptors around each batch (the stream's every write included)
// and hands the batch's completion back through a second, empty
// grpc_call_start_batch and another trip through the completion queue.
// That was ~4k of the ~11.8k instructions a write cost above the bare
// server (issue 24, docs/performance.md).
//
// Not seen: calls gRPC refuses before any handler runs. A unary request
// over --max_message_bytes never reaches the C++ layer (no hook fires), and
// a PublishStream message over it looks to the handler like the client's
// half-close (counted with the handler's OK). So
// sitrep_requests_rejected_total{reason="message_too_large"} stays 0 with
// gRPC 1.51; it is exported so rules need not change once it can be seen.
//
// `metrics` is borrowed and must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallMetricsInterceptorFactory(Metrics* metrics);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_CALL_METRICS_INTERCEPTOR_H_
