#ifndef SITREP_SERVER_SERVER_H_
#define SITREP_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/config/server_config.h"
#include "server/runtime/clock.h"
#include "server/sinks/webhook_sink_status.h"

namespace sitrep {

// A running sitrepd: the store, the fan-out, the gRPC server with
// sitrep.v1.SituationFeed, grpc.health.v1.Health and server reflection, and
// the background sweeps (retention, expiry).
//
// Thread safety: all methods are safe to call concurrently.
class Server {
 public:
  // Opens the store and starts serving. Errors name the flag or file to
  // fix (e.g. UNAVAILABLE "--listen: cannot bind 127.0.0.1:50051").
  // `clock` is borrowed (null: real) and must outlive the server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerConfig& config, Clock* clock = nullptr);

  virtual ~Server() = default;

  // The bound port (useful with port 0) and "host:port" to dial.
  virtual int port() const = 0;
  virtual std::string address() const = 0;
  virtual const std::string& log_id() const = 0;
  // The bound port of the metrics endpoint (/metrics, /healthz, /readyz);
  // 0 when --metrics_address is empty.
  virtual int metrics_port() const = 0;
  // The bound port of the HTTP/JSON + SSE gateway; 0 when --http_address
  // is empty.
  virtual int http_port() const = 0;

  // Graceful shutdown: health goes NOT_SERVING (and /readyz 503), calls
  // are still served for `shutdown_drain` so load balancers move away,
  // then publishes are refused with UNAVAILABLE, every Subscribe stream
  // ends with UNAVAILABLE (its last cursor stays valid on the next server),
  // (gRPC and Server-Sent Events alike), in-flight calls get
  // `shutdown_grace` to finish, then the store is
  // flushed and closed.
  // Idempotent; the destructor calls it.
  virtual void Shutdown() = 0;

  // Blocks until Shutdown() completed.
  virtual void Wait() = 0;

  // Applies retention now and waits for it; returns how many updates were
  // removed. For operators' tools and tests.
  virtual absl::StatusOr<uint64_t> RunRetentionNow() = 0;
  // Re-reads --auth_file (SIGHUP): calls after it are authenticated by the
  // new policy; revoked tokens stop working for new calls. On error the
  // previous policy stays and the error is returned (and logged).
  virtual absl::Status ReloadAccessPolicy() = 0;

  // Publishes the EXPIRED updates that are due now (through the publish
  // path, as the server: situation/expiry_sweeper.h) and waits for them.
  // Returns how many were appended. For operators' tools and tests; the
  // sweep thread runs the same every --expiry_interval.
  virtual size_t RunExpiryNow() = 0;

  // Webhook sinks (--webhooks_file): each sink's cursor, lag, delivery
  // counts and last success, in the file's order; empty without sinks.
  // For metrics and tests.
  virtual std::vector<WebhookSinkStatus> WebhookStatus() const = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVER_H_
