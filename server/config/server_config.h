#ifndef SITREP_SERVER_CONFIG_SERVER_CONFIG_H_
#define SITREP_SERVER_CONFIG_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/filter/filter_matcher.h"
#include "server/ingest/validator.h"
#include "server/log/event_log.h"
#include "server/log/jetstream_event_log.h"
#include "server/query/list_updates.h"

namespace sitrep {

// TLS of the gRPC listener. All empty: plaintext (see ServerConfig).
struct TlsConfig {
  // PEM server certificate (chain) and its private key.
  std::string cert_file;
  std::string key_file;
  // PEM CA certificates; when set, every client must present a certificate
  // signed by one of them (mTLS).
  std::string client_ca_file;
  // How often the files are checked for changes: renewed certificates are
  // picked up without a restart, and open streams keep their connection.
  absl::Duration reload_interval = absl::Minutes(1);

  bool enabled() const { return !cert_file.empty(); }
};

// Where the updates are stored (--store).
enum class StoreKind {
  // The embedded SQLite file under data_dir: one sitrepd.
  kSqlite,
  // A NATS JetStream stream: several sitrepd replicas share it.
  kJetStream,
};

// Everything sitrepd can be told. Every default is the safe one: loopback
// only, fsync before acknowledging, nothing deleted.
struct ServerConfig {
  // host:port to serve gRPC on. Port 0 picks a free port (see port_file).
  // A non-loopback address needs TLS (or plaintext explicitly) and an
  // access policy.
  std::string listen = "127.0.0.1:50051";
  TlsConfig tls;
  // Serve without TLS on a non-loopback address (behind a TLS-terminating
  // proxy, say). Logged as a warning.
  bool plaintext = false;
  // The access policy (auth/access_policy.proto). Empty: development mode,
  // every call is the anonymous principal with every right; only allowed on
  // loopback.
  std::string auth_file;
  StoreKind store = StoreKind::kSqlite;
  // Directory of the embedded store (created if missing); with
  // --store=jetstream it holds only the webhook sinks' cursors.
  std::string data_dir = "./sitrep-data";
  // With --store=jetstream: the NATS servers, stream, replicas, credentials
  // and TLS files (jetstream_event_log.h). The server sets the clock and
  // the retention from the fields below.
  JetStreamOptions jetstream;
  // With --store=jetstream: this replica's name in the <stream>_REPLICAS
  // heartbeat bucket (jetstream_lag_probe.h); empty: <hostname>_<gRPC port>.
  std::string replica_name;
  // With --store=jetstream: how often the replica writes its heartbeat and
  // reads the others'; a replica is counted live for 3 of these.
  absl::Duration replica_heartbeat_interval = absl::Seconds(5);
  // When an acknowledged publish is on disk; see FsyncPolicy.
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  // When set, the bound port is written to this file (atomically, by
  // rename) once the server serves: for scripts and tests using port 0.
  std::string port_file;

  // host:port of the HTTP endpoint with /metrics (Prometheus), /healthz and
  // /readyz. Port 0 picks a free port (see metrics_port_file); empty: no
  // endpoint. Neither TLS nor authentication: the pages carry no secrets,
  // but bind beyond loopback only where scrapers are trusted.
  std::string metrics_address = "127.0.0.1:9464";
  // When set, the metrics endpoint's bound port is written here (like
  // port_file).
  std::string metrics_port_file;
  // At shutdown, how long health reports NOT_SERVING (gRPC health, /readyz
  // 503) while everything still works, so that load balancers stop sending
  // new calls before the listener closes. Zero: no pause (tests).
  absl::Duration shutdown_drain = absl::Seconds(1);

  // Retention: keep updates received within max_age (infinite: all) and at
  // most max_updates of them (0: no limit); applied every interval, in the
  // background.
  absl::Duration retention_max_age = absl::InfiniteDuration();
  uint64_t retention_max_updates = 0;
  absl::Duration retention_interval = absl::Minutes(1);
  // Store the situation every this many updates (and before each retention
  // run), so that GetSituation as_of replays at most that many (0: only
  // before retention runs; as_of then replays from the start).
  uint64_t situation_snapshot_every = 10000;

  // How often the server looks for incidents whose expires_at passed and
  // appends their KIND_EXPIRED update.
  absl::Duration expiry_interval = absl::Seconds(1);

  // Recent updates kept in memory for subscribers; older ones come from
  // the store.
  size_t ring_capacity = 16384;
  // Threads for wake-ups, catch-up reads, heartbeats and sweeps.
  int executor_threads = 2;

  // Limits.
  size_t max_subscriptions = 20000;
  size_t max_message_bytes = 1 << 20;
  size_t publish_stream_window = 4096;
  absl::Duration min_heartbeat = absl::Seconds(1);
  ValidationLimits validation;
  FilterLimits filter_limits;
  ListLimits list;
  // Per principal: open streams (Subscribe + PublishStream; 0: no limit)
  // and publishes per second with bursts (rate 0: no limit).
  size_t max_streams_per_principal = 1000;
  double publish_rate = 5000;
  double publish_burst = 20000;
  // Clients may not ping more often than this (keepalive enforcement): a
  // client that does is disconnected with GOAWAY "too_many_pings".
  absl::Duration min_ping_interval = absl::Seconds(10);
  // Connections are closed (GOAWAY) after this age, so clients spread over
  // replicas again; streams then get max_connection_age_grace to finish and
  // resume from their cursor. Also bounds how long a stream authorised
  // under an old access policy lives (issue 17, M-4). Infinite: never.
  absl::Duration max_connection_age = absl::Minutes(30);
  absl::Duration max_connection_age_grace = absl::Seconds(10);

  // How long shutdown waits for in-flight calls before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(5);

  // The HTTP/JSON + Server-Sent Events gateway and the dashboard
  // (docs/http.md): host:port, port 0 picks a free port (see
  // http_port_file); empty: off. It serves HTTPS with the gRPC listener's
  // certificate when TLS is on; beyond loopback it follows the gRPC
  // listener's rules (TLS or plaintext explicitly, and an access policy).
  // Off here; the flag's default is 127.0.0.1:8080 (a fixed port would
  // collide between servers a program starts in-process, e.g. tests).
  std::string http_address;
  std::string http_port_file;
  // Origins allowed to call the API from other pages ("*": any); empty:
  // same origin only.
  std::vector<std::string> http_cors_origins;
  // How long a browser session (POST /v1/session) lasts.
  absl::Duration http_session_ttl = absl::Hours(12);
  // An HTTP connection that sends nothing (an idle keep-alive, a request
  // that never ends) or takes nothing of a response being written for this
  // long is closed; a quiet event stream is not.
  absl::Duration http_io_timeout = absl::Seconds(60);
  // At most this many HTTP connections are open (H-2): at the cap a new one
  // closes the connection that has waited longest for a request, or is
  // refused (503) when every connection is being answered. Well below the
  // usual 1,024 descriptors, which gRPC and the store share.
  int http_max_connections = 512;
  // A request must arrive complete (headers and body) within this time of
  // its first byte (the first request: of the connection's accept), however
  // slowly it trickles; a request being answered, an event stream
  // included, is not timed by it.
  absl::Duration http_request_timeout = absl::Seconds(10);
  // An event stream (GET /v1/stream) ends cleanly after 27..30 minutes and
  // the browser reconnects with Last-Event-ID and its session, so a
  // revoked token cannot keep a stream forever; infinite: never.
  absl::Duration http_max_stream_age = absl::Minutes(30);

  // Webhook sinks: a JSON file listing them (server/sinks/webhooks_file.proto,
  // docs/webhooks.md). Empty: none. Checked at start; a mistake is
  // INVALID_ARGUMENT naming the field. Cursors go to <data_dir>/webhooks/.
  std::string webhooks_file;
};

// True for host:port listen addresses whose host is an address of
// 127.0.0.0/8, [::1] (or [::ffff:127.x.x.x]) or "localhost"; false for
// everything else: other addresses, any other name, the wildcards 0.0.0.0,
// [::] and an empty host (all interfaces).
bool IsLoopbackAddress(absl::string_view listen);

// Checks the combinations no single flag can: TLS files in pairs, a
// non-loopback listener only with TLS (or --plaintext) and an access policy,
// limits in range. INVALID_ARGUMENT naming the flags. Server::Start runs it
// too, so embedded servers get the same rules.
absl::Status ValidateServerConfig(const ServerConfig& config);

// Builds the config from sitrepd's command-line flags (defined in
// server_config.cc, documented by `sitrepd --help`). INVALID_ARGUMENT names
// the flag.
absl::StatusOr<ServerConfig> ServerConfigFromFlags();

}  // namespace sitrep

#endif  // SITREP_SERVER_CONFIG_SERVER_CONFIG_H_
