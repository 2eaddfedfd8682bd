#include "server/config/server_config.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "server/runtime/logging.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on (port 0: any free port). Plaintext and "
          "unauthenticated: keep it on loopback.");
ABSL_FLAG(std::string, data_dir, "./sitrep-data",
          "Directory of the embedded SQLite store (created if missing).");
ABSL_FLAG(std::string, store, "sqlite",
          "Storage backend. Only 'sqlite' (embedded) for now.");
ABSL_FLAG(std::string, fsync, "always",
          "always: fsync before acknowledging a publish (survives power "
          "loss); batch: survives a crash of sitrepd, the OS flushes later; "
          "off: no fsync (tests, throwaway data).");
ABSL_FLAG(std::string, port_file, "",
          "Write the bound port to this file once serving (for port 0).");
ABSL_FLAG(absl::Duration, retention_max_age, absl::InfiniteDuration(),
          "Remove updates received longer ago than this (e.g. 720h); inf: "
          "keep all. Incidents still open stay in the situation.");
ABSL_FLAG(uint64_t, retention_max_updates, 0,
          "Keep at most this many updates, the newest (0: no limit).");
ABSL_FLAG(absl::Duration, retention_interval, absl::Minutes(1),
          "How often retention runs, in the background.");
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

namespace sitrep {

absl::StatusOr<ServerConfig> ServerConfigFromFlags() {
  ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (absl::GetFlag(FLAGS_store) != "sqlite") {
    return absl::InvalidArgumentError(
        absl::StrCat("--store: '", absl::GetFlag(FLAGS_store),
                     "' is not available; use --store=sqlite"));
  }
  absl::StatusOr<FsyncPolicy> fsync =
      ParseFsyncPolicy(absl::GetFlag(FLAGS_fsync));
  if (!fsync.ok()) return fsync.status();
  config.fsync = *fsync;
  config.port_file = absl::GetFlag(FLAGS_port_file);
  config.retention_max_age = absl::GetFlag(FLAGS_retention_max_age);
  config.retention_max_updates = absl::GetFlag(FLAGS_retention_max_updates);
  config.retention_interval = absl::GetFlag(FLAGS_retention_interval);
  config.expiry_interval = absl::GetFlag(FLAGS_expiry_interval);
  config.ring_capacity = absl::GetFlag(FLAGS_ring_capacity);
  config.executor_threads = absl::GetFlag(FLAGS_executor_threads);
  config.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  config.min_heartbeat = absl::GetFlag(FLAGS_min_heartbeat_interval);
  config.validation.max_clock_skew = absl::GetFlag(FLAGS_max_clock_skew);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
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
  LogFormat format;
  absl::Status parsed = ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format);
  if (!parsed.ok()) return parsed;
  SetLogFormat(format);
  return config;
}

}  // namespace sitrep
