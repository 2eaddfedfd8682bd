#include "server/config/server_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "server/runtime/logging.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on (port 0: any free port). A "
          "non-loopback address needs --tls_cert/--tls_key (or --plaintext) "
          "and --auth_file.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM server certificate (chain) file: serve TLS. Reloaded when it "
          "changes (see --tls_reload_interval).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA file: require client certificates signed by it (mTLS).");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Minutes(1),
          "How often the TLS files are checked for changes.");
ABSL_FLAG(bool, plaintext, false,
          "Allow serving without TLS on a non-loopback address (e.g. behind "
          "a TLS-terminating proxy). Loopback needs no flag.");
ABSL_FLAG(std::string, auth_file, "",
          "Access policy (JSON: principals with token hashes, certificate "
          "names and rights); reloaded on SIGHUP. Without it every caller is "
          "'anonymous' with all rights, which only loopback allows.");
ABSL_FLAG(uint64_t, max_streams_per_principal, 1000,
          "Open Subscribe + PublishStream streams per principal (0: no "
          "limit).");
ABSL_FLAG(double, publish_rate, 5000,
          "Publishes per second per principal, on average (0: no limit).");
ABSL_FLAG(double, publish_burst, 20000,
          "Publishes a principal may make at once above --publish_rate.");
ABSL_FLAG(int32_t, max_page_size, 1000,
          "Largest ListUpdates page; larger page_size values are clamped.");
ABSL_FLAG(int32_t, max_filter_values, 64,
          "Values per repeated filter field and per label-selector set.");
ABSL_FLAG(int32_t, max_label_requirements, 32,
          "Requirements per label selector.");
ABSL_FLAG(int32_t, max_labels, 32, "Labels per update.");
ABSL_FLAG(uint64_t, max_label_value_bytes, 256,
          "Bytes per label value.");
ABSL_FLAG(absl::Duration, min_ping_interval, absl::Seconds(10),
          "Clients pinging more often than this are disconnected "
          "(keepalive enforcement).");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(30),
          "Close connections after this age so clients rebalance over "
          "replicas and re-authenticate (inf: never).");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(10),
          "How long calls on an aged-out connection may still run.");
ABSL_FLAG(std::string, data_dir, "./sitrep-data",
          "Directory of the embedded SQLite store (created if missing).");
ABSL_FLAG(std::string, store, "sqlite",
          "Storage backend: 'sqlite' (embedded, one sitrepd) or 'jetstream' "
          "(a NATS JetStream stream shared by several sitrepd replicas; see "
          "--nats_url).");
ABSL_FLAG(std::string, nats_url, "nats://127.0.0.1:4222",
          "With --store=jetstream: the NATS servers, comma-separated "
          "(nats://h1:4222,nats://h2:4222).");
ABSL_FLAG(std::string, stream, "SITREP",
          "With --store=jetstream: the JetStream stream (created if missing).");
ABSL_FLAG(std::string, nats_subject_prefix, "sitrep",
          "With --store=jetstream: the stream's subjects are "
          "<prefix>.<mission>.<role>.<severity>.");
ABSL_FLAG(int32_t, replicas, 1,
          "With --store=jetstream: the stream's replicas when sitrepd creates "
          "it (3 in a 3-node NATS cluster).");
ABSL_FLAG(std::string, replica_name, "",
          "With --store=jetstream: this replica's name in the replica "
          "heartbeats and metrics (default <hostname>_<gRPC port>).");
ABSL_FLAG(absl::Duration, replica_heartbeat_interval, absl::Seconds(5),
          "With --store=jetstream: how often each replica reports the stream "
          "sequence it has applied and reads the other replicas' reports.");
ABSL_FLAG(std::string, nats_creds, "",
          "With --store=jetstream: NATS user credentials file.");
ABSL_FLAG(std::string, nats_tls_ca, "",
          "With --store=jetstream: PEM CA certificates to verify the NATS "
          "servers (turns TLS on).");
ABSL_FLAG(std::string, nats_tls_cert, "",
          "With --store=jetstream: PEM client certificate for NATS (mTLS).");
ABSL_FLAG(std::string, nats_tls_key, "",
          "With --store=jetstream: PEM private key of --nats_tls_cert.");
ABSL_FLAG(std::string, fsync, "always",
          "always: fsync before acknowledging a publish (survives power "
          "loss); batch: survives a crash of sitrepd, the OS flushes later; "
          "off: no fsync (tests, throwaway data).");
ABSL_FLAG(std::string, port_file, "",
          "Write the bound port to this file once serving (for port 0).");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9464",
          "host:port of the HTTP endpoint serving /metrics (Prometheus text "
          "format), /healthz and /readyz; port 0: any free port (see "
          "--metrics_port_file); empty: no endpoint. No TLS or auth: bind "
          "beyond loopback only where scrapers are trusted.");
ABSL_FLAG(std::string, metrics_port_file, "",
          "Write the metrics endpoint's bound port to this file (for port "
          "0).");
ABSL_FLAG(absl::Duration, shutdown_drain, absl::Seconds(1),
          "At shutdown, how long health reports NOT_SERVING (and /readyz "
          "503) while calls are still served, so that load balancers move "
          "away before the listener closes (0: no pause).");
ABSL_FLAG(absl::Duration, retention_max_age, absl::InfiniteDuration(),
          "Remove updates received longer ago than this (e.g. 720h); inf: "
          "keep all. Incidents still open stay in the situation.");
ABSL_FLAG(uint64_t, retention_max_updates, 0,
          "Keep at most this many updates, the newest (0: no limit).");
ABSL_FLAG(absl::Duration, retention_interval, absl::Minutes(1),
          "How often retention runs, in the background.");
ABSL_FLAG(uint64_t, situation_snapshot_every, 10000,
          "Store the situation every this many updates (and before each "
          "retention run): GetSituation as_of replays at most that many "
          "(0: snapshots only before retention runs).");
ABSL_FLAG(absl::Duration, expiry_interval, absl::Seconds(1),
          "How often incidents whose expires_at passed get their EXPIRED "
          "update.");
ABSL_FLAG(uint64_t, ring_capacity, 16384,
          "Recent updates kept in memory for subscribers.");
ABSL_FLAG(int32_t, executor_threads, 2,
          "Threads for subscriber wake-ups, catch-up reads and sweeps.");
ABSL_FLAG(uint64_t, max_subscriptions, 20000,
          "Concurrent Subscribe streams the server accepts.");
ABSL_FLAG(uint64_t, max_message_bytes, 1 << 20,
          "Largest request message accepted, in bytes.");
ABSL_FLAG(absl::Duration, min_heartbeat_interval, absl::Seconds(1),
          "Smallest heartbeat_interval a subscriber may ask for.");
ABSL_FLAG(absl::Duration, max_clock_skew, absl::Minutes(5),
          "How far in the future occurred_at may be.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "How long shutdown waits for in-flight calls.");
ABSL_FLAG(std::string, log_format, "text", "Log lines as 'text' or 'json'.");
// The HTTP/JSON + Server-Sent Events gateway (server/http/, docs/http.md).
ABSL_FLAG(std::string, http_address, "127.0.0.1:8080",
          "host:port of the HTTP/JSON + Server-Sent Events API and the "
          "dashboard (docs/http.md); port 0: any free port (see "
          "--http_port_file); empty: off. HTTPS with --tls_cert/--tls_key; "
          "beyond loopback, the same rules as --listen.");
ABSL_FLAG(std::string, http_port_file, "",
          "Write the HTTP listener's bound port to this file (for port 0).");
ABSL_FLAG(std::vector<std::string>, http_cors_origins, {},
          "Comma-separated origins (https://ops.example) whose pages may call "
          "the HTTP API, '*' for any; default: same origin only.");
ABSL_FLAG(absl::Duration, http_session_ttl, absl::Hours(12),
          "How long a browser session (POST /v1/session) lasts.");
ABSL_FLAG(absl::Duration, http_io_timeout, absl::Seconds(60),
          "Close an HTTP connection that sends nothing, or takes nothing of "
          "a response being written, for this long (a quiet event stream "
          "stays open).");
ABSL_FLAG(int, http_max_connections, 512,
          "At most this many open HTTP connections: at the cap a new one "
          "closes the connection that has waited longest for a request "
          "(idle keep-alive, or still sending one), or is refused with 503 "
          "when every connection is being answered (event streams "
          "included). Keep it well below the descriptor limit (ulimit -n).");
ABSL_FLAG(absl::Duration, http_request_timeout, absl::Seconds(10),
          "Close an HTTP connection whose request (headers and body) is not "
          "complete within this time of its first byte (of the accept for "
          "a connection's first request), however slowly it trickles in.");
ABSL_FLAG(absl::Duration, http_max_stream_age, absl::Minutes(30),
          "End an event stream cleanly after about this long (90-100 %), so "
          "the browser reconnects and authenticates again (inf: never).");
// Webhook sinks (server/sinks/).
ABSL_FLAG(std::string, webhooks_file, "",
          "JSON file listing webhook sinks: each POSTs the updates matching "
          "its filter to an HTTP(S) endpoint, at least once and in order, as "
          "JSON or Alertmanager alerts (docs/webhooks.md).");

namespace sitrep {

bool IsLoopbackAddress(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = listen.substr(0, colon);
  if (host == "localhost") return true;
  // The address itself, not a prefix of the text: "127.example.org:80" is a
  // name that may resolve anywhere.
  if (absl::ConsumePrefix(&host, "[") && absl::ConsumeSuffix(&host, "]")) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.x.x
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) != 1) return false;
  return (ntohl(v4.s_addr) >> 24) == 127;
}

namespace {

// A listener beyond loopback needs TLS (or --plaintext behind a proxy) and
// an access policy: what it lacks, all of it in one message naming `flag`
// ("" when nothing), so an operator fixes it in one go.
std::string ExposedListenerProblems(absl::string_view flag,
                                    absl::string_view address,
                                    const ServerConfig& config) {
  if (IsLoopbackAddress(address)) return "";
  std::vector<std::string> fixes;
  if (!config.tls.enabled() && !config.plaintext) {
    fixes.push_back(
        "give --tls_cert and --tls_key, or --plaintext to serve unencrypted "
        "behind a TLS-terminating proxy");
  }
  if (config.auth_file.empty()) {
    fixes.push_back(
        "give --auth_file (anonymous access is for loopback development "
        "only)");
  }
  if (fixes.empty()) return "";
  return absl::StrCat(flag, ": ", address, " is not a loopback address; ",
                      absl::StrJoin(fixes, "; and "));
}

// The JetStream settings, when --store=jetstream.
absl::Status ValidateJetStreamConfig(const JetStreamOptions& js) {
  if (js.nats_url.empty()) {
    return absl::InvalidArgumentError("--nats_url: give the NATS servers");
  }
  if (js.replicas < 1 || js.replicas > 5) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--replicas: ", js.replicas, " is not in 1..5 (JetStream's range)"));
  }
  // JetStream names and subject tokens: no wildcards, dots or spaces.
  for (const auto& [flag, value] :
       {std::pair<const char*, const std::string&>{"--stream", js.stream},
        {"--nats_subject_prefix", js.subject_prefix}}) {
    if (value.empty() ||
        value.find_first_of(".*> \t/\\") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": '", value,
          "' must be a non-empty name without '.', '*', '>', '/', '\\' "
          "or spaces"));
    }
  }
  if (js.tls_cert_file.empty() != js.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--nats_tls_cert, --nats_tls_key: give both (the certificate and its "
        "key)");
  }
  return absl::OkStatus();
}

// The store's and the listeners' security settings; every exposed
// listener's problems together.
absl::Status ValidateStoreAndListeners(const ServerConfig& config) {
  if (config.store == StoreKind::kJetStream) {
    absl::Status status = ValidateJetStreamConfig(config.jetstream);
    if (!status.ok()) return status;
    if (config.replica_heartbeat_interval <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "--replica_heartbeat_interval: must be positive (5s: each replica reports every 5 s)");
    }
  }
  const TlsConfig& tls = config.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert, --tls_key: give both (the certificate and its key)");
  }
  if (!tls.client_ca_file.empty() && !tls.enabled()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca: needs --tls_cert and --tls_key (mTLS is TLS)");
  }
  if (tls.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--tls_reload_interval: at least 1s");
  }
  std::vector<std::string> exposed;
  for (const auto& [flag, address] :
       {std::pair<const char*, const std::string&>{"--listen", config.listen},
        {"--http_address", config.http_address}}) {
    if (address.empty()) continue;
    std::string problems = ExposedListenerProblems(flag, address, config);
    if (!problems.empty()) exposed.push_back(std::move(problems));
  }
  if (!exposed.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(exposed, "\n"));
  }
  return absl::OkStatus();
}

// The HTTP gateway's timeouts and limits.
absl::Status ValidateHttpLimits(const ServerConfig& config) {
  if (config.http_session_ttl < absl::Minutes(1)) {
    return absl::InvalidArgumentError("--http_session_ttl: at least 1m");
  }
  if (config.http_io_timeout < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--http_io_timeout: at least 1s");
  }
  if (config.http_max_connections < 1) {
    return absl::InvalidArgumentError(
        "--http_max_connections: at least 1 (the default is 512)");
  }
  if (config.http_request_timeout < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(
        "--http_request_timeout: at least 100ms (the default is 10s)");
  }
  if (config.http_max_stream_age < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--http_max_stream_age: at least 1s (inf: never)");
  }
  return absl::OkStatus();
}

// What one request may ask: the publish rate, pages, filters and labels.
absl::Status ValidateRequestLimits(const ServerConfig& config) {
  if (config.publish_rate < 0 || config.publish_burst < 0) {
    return absl::InvalidArgumentError(
        "--publish_rate, --publish_burst: must not be negative");
  }
  if (config.publish_rate > 0 && config.publish_burst < 1) {
    return absl::InvalidArgumentError(
        "--publish_burst: at least 1 when --publish_rate is set");
  }
  if (config.list.max_page_size < 1) {
    return absl::InvalidArgumentError("--max_page_size: at least 1");
  }
  if (config.list.default_page_size > config.list.max_page_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--max_page_size: at least the default page size (",
        config.list.default_page_size, ")"));
  }
  if (config.filter_limits.max_values_per_field < 1 ||
      config.filter_limits.max_label_requirements < 1 ||
      config.validation.max_labels < 0 ||
      config.validation.max_label_value_bytes < 1) {
    return absl::InvalidArgumentError(
        "--max_filter_values, --max_label_requirements, "
        "--max_label_value_bytes: at least 1; --max_labels: at least 0");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateServerConfig(const ServerConfig& config) {
  if (absl::Status status = ValidateStoreAndListeners(config); !status.ok()) return status;
  if (absl::Status status = ValidateHttpLimits(config); !status.ok()) return status;
  if (absl::Status status = ValidateRequestLimits(config); !status.ok()) return status;
  if (config.shutdown_drain < absl::ZeroDuration() ||
      config.shutdown_drain > absl::Minutes(5)) {
    return absl::InvalidArgumentError("--shutdown_drain: between 0 and 5m");
  }
  if (config.min_ping_interval < absl::ZeroDuration() ||
      config.max_connection_age <= absl::ZeroDuration() ||
      config.max_connection_age_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--min_ping_interval, --max_connection_age_grace: not negative; "
        "--max_connection_age: positive (inf: never)");
  }
  return absl::OkStatus();
}

namespace {

// The gRPC listener, its security and the per-request limits.
void ReadListenerFlags(ServerConfig& config) {
  config.listen = absl::GetFlag(FLAGS_listen);
  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  config.tls.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  config.plaintext = absl::GetFlag(FLAGS_plaintext);
  config.auth_file = absl::GetFlag(FLAGS_auth_file);
  config.max_streams_per_principal =
      absl::GetFlag(FLAGS_max_streams_per_principal);
  config.publish_rate = absl::GetFlag(FLAGS_publish_rate);
  config.publish_burst = absl::GetFlag(FLAGS_publish_burst);
  config.list.max_page_size = absl::GetFlag(FLAGS_max_page_size);
  config.filter_limits.max_values_per_field =
      absl::GetFlag(FLAGS_max_filter_values);
  config.filter_limits.max_label_requirements =
      absl::GetFlag(FLAGS_max_label_requirements);
  config.validation.max_labels = absl::GetFlag(FLAGS_max_labels);
  config.validation.max_label_value_bytes =
      absl::GetFlag(FLAGS_max_label_value_bytes);
  config.min_ping_interval = absl::GetFlag(FLAGS_min_ping_interval);
  config.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  config.max_connection_age_grace =
      absl::GetFlag(FLAGS_max_connection_age_grace);
}

// --data_dir, --store, --fsync.
absl::Status ReadStoreFlags(ServerConfig& config) {
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string store = absl::GetFlag(FLAGS_store);
  if (store == "sqlite") {
    config.store = StoreKind::kSqlite;
  } else if (store == "jetstream") {
    config.store = StoreKind::kJetStream;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--store: '", absl::GetFlag(FLAGS_store),
                     "' is not one of sqlite, jetstream"));
  }
  absl::StatusOr<FsyncPolicy> fsync =
      ParseFsyncPolicy(absl::GetFlag(FLAGS_fsync));
  if (!fsync.ok()) return fsync.status();
  config.fsync = *fsync;
  return absl::OkStatus();
}

// The other listeners, the sweeps, the fan-out and the HTTP gateway.
void ReadServiceFlags(ServerConfig& config) {
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  config.metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  config.shutdown_drain = absl::GetFlag(FLAGS_shutdown_drain);
  config.retention_max_age = absl::GetFlag(FLAGS_retention_max_age);
  config.retention_max_updates = absl::GetFlag(FLAGS_retention_max_updates);
  config.retention_interval = absl::GetFlag(FLAGS_retention_interval);
  config.situation_snapshot_every =
      absl::GetFlag(FLAGS_situation_snapshot_every);
  config.expiry_interval = absl::GetFlag(FLAGS_expiry_interval);
  config.ring_capacity = absl::GetFlag(FLAGS_ring_capacity);
  config.executor_threads = absl::GetFlag(FLAGS_executor_threads);
  config.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  config.min_heartbeat = absl::GetFlag(FLAGS_min_heartbeat_interval);
  config.validation.max_clock_skew = absl::GetFlag(FLAGS_max_clock_skew);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  config.webhooks_file = absl::GetFlag(FLAGS_webhooks_file);
  config.http_address = absl::GetFlag(FLAGS_http_address);
  config.http_port_file = absl::GetFlag(FLAGS_http_port_file);
  config.http_cors_origins = absl::GetFlag(FLAGS_http_cors_origins);
  config.http_session_ttl = absl::GetFlag(FLAGS_http_session_ttl);
  config.http_io_timeout = absl::GetFlag(FLAGS_http_io_timeout);
  config.http_max_connections = absl::GetFlag(FLAGS_http_max_connections);
  config.http_request_timeout = absl::GetFlag(FLAGS_http_request_timeout);
  config.http_max_stream_age = absl::GetFlag(FLAGS_http_max_stream_age);
}

// The sweeps' and the fan-out's bounds.
absl::Status ValidateServiceFlags(const ServerConfig& config) {
  if (config.retention_max_age <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--retention_max_age: must be positive (or inf to keep all)");
  }
  if (config.retention_interval <= absl::ZeroDuration() ||
      config.expiry_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--retention_interval, --expiry_interval: must be positive");
  }
  if (config.ring_capacity < 16) {
    return absl::InvalidArgumentError("--ring_capacity: at least 16");
  }
  if (config.executor_threads < 1 || config.executor_threads > 64) {
    return absl::InvalidArgumentError("--executor_threads: 1..64");
  }
  if (config.max_message_bytes < 16 * 1024 ||
      config.max_message_bytes > (64u << 20)) {
    return absl::InvalidArgumentError(
        "--max_message_bytes: between 16384 and 67108864");
  }
  return absl::OkStatus();
}

// --store=jetstream's connection and replica flags.
void ReadJetStreamFlags(ServerConfig& config) {
  JetStreamOptions& js = config.jetstream;
  js.nats_url = absl::GetFlag(FLAGS_nats_url);
  js.stream = absl::GetFlag(FLAGS_stream);
  js.subject_prefix = absl::GetFlag(FLAGS_nats_subject_prefix);
  js.replicas = absl::GetFlag(FLAGS_replicas);
  js.creds_file = absl::GetFlag(FLAGS_nats_creds);
  js.tls_ca_file = absl::GetFlag(FLAGS_nats_tls_ca);
  js.tls_cert_file = absl::GetFlag(FLAGS_nats_tls_cert);
  js.tls_key_file = absl::GetFlag(FLAGS_nats_tls_key);
  config.replica_name = absl::GetFlag(FLAGS_replica_name);
  config.replica_heartbeat_interval = absl::GetFlag(FLAGS_replica_heartbeat_interval);
}

}  // namespace

absl::StatusOr<ServerConfig> ServerConfigFromFlags() {
  ServerConfig config;
  ReadListenerFlags(config);
  if (absl::Status status = ReadStoreFlags(config); !status.ok()) return status;
  ReadServiceFlags(config);
  if (absl::Status status = ValidateServiceFlags(config); !status.ok()) return status;
  // Before the JetStream flags are read: their checks run when the server
  // validates the whole config as it starts (server_steps.cc).
  if (absl::Status valid = ValidateServerConfig(config); !valid.ok()) {
    return valid;
  }
  LogFormat format;
  absl::Status parsed = ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format);
  if (!parsed.ok()) return parsed;
  SetLogFormat(format);
  ReadJetStreamFlags(config);
  return config;
}

}  // namespace sitrep
