#ifndef SITREP_SERVER_CONFIG_SERVER_CONFIG_H_
#define SITREP_SERVER_CONFIG_SERVER_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/filter/filter_matcher.h"
#include "server/ingest/validator.h"
#include "server/log/event_log.h"

namespace sitrep {

// Everything sitrepd can be told. Every default is the safe one: loopback
// only, fsync before acknowledging, nothing deleted.
struct ServerConfig {
  // host:port to serve gRPC on. Port 0 picks a free port (see port_file).
  std::string listen = "127.0.0.1:50051";
  // Directory of the embedded store (created if missing).
  std::string data_dir = "./sitrep-data";
  // When an acknowledged publish is on disk; see FsyncPolicy.
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  // When set, the bound port is written to this file (atomically, by
  // rename) once the server serves: for scripts and tests using port 0.
  std::string port_file;

  // Retention: keep updates received within max_age (infinite: all) and at
  // most max_updates of them (0: no limit); applied every interval, in the
  // background.
  absl::Duration retention_max_age = absl::InfiniteDuration();
  uint64_t retention_max_updates = 0;
  absl::Duration retention_interval = absl::Minutes(1);

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
  size_t publish_stream_window = 1024;
  absl::Duration min_heartbeat = absl::Seconds(1);
  ValidationLimits validation;
  FilterLimits filter_limits;

  // How long shutdown waits for in-flight calls before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(5);
};

// Builds the config from sitrepd's command-line flags (defined in
// server_config.cc, documented by `sitrepd --help`). INVALID_ARGUMENT names
// the flag.
absl::StatusOr<ServerConfig> ServerConfigFromFlags();

}  // namespace sitrep

#endif  // SITREP_SERVER_CONFIG_SERVER_CONFIG_H_
