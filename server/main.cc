// sitrepd: flags -> ServerConfig -> Server; signals; nothing else.
#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "absl/strings/match.h"

#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/flags/usage_config.h"
#include "absl/flags/usage.h"
#include "server/config/server_config.h"
#include "server/runtime/logging.h"
#include "server/server.h"

int main(int argc, char** argv) {
  // Debian's abseil checks every Mutex acquisition for lock-order cycles
  // (2.6-3.6 % of sitrepd's CPU in a fan-out profile, docs/performance.md).
  // The tests keep the check; the production binary does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // --help lists the flags defined for sitrepd (server_config.cc), not
  // abseil's or gRPC's own.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "server_config");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "the sitrep situation feed server.\n"
      "  sitrepd                      serve 127.0.0.1:50051, data in "
      "./sitrep-data\n"
      "  sitrepd --listen=127.0.0.1:0 --port_file=PORT --data_dir=DIR\n"
      "SIGTERM/SIGINT shut down gracefully. Flags:");
  absl::ParseCommandLine(argc, argv);

  // Block the shutdown signals in every thread (threads inherit the mask);
  // main waits for them synchronously below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that disappears must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<sitrep::ServerConfig> config = sitrep::ServerConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "sitrepd: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<sitrep::Server>> server =
      sitrep::Server::Start(*config);
  if (!server.ok()) {
    std::fprintf(stderr, "sitrepd: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  sitrep::LogInfo("server", "signal received",
                  {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->Shutdown();
  return 0;
}
