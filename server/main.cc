// sitrepd: flags -> ServerConfig -> Server; signals; nothing else.
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/flags/usage_config.h"
#include "absl/flags/usage.h"
#include "server/auth/secret_file.h"
#include "server/auth/token_hash.h"
#include "server/config/flags_help.h"
#include "server/config/server_config.h"
#include "server/runtime/logging.h"
#include "server/server.h"

namespace {

// `sitrepd hash-token`: the SHA-256 of the token on stdin, for the access
// policy. `sitrepd new-token [--out FILE]`: a new random token in a new
// 0600 FILE (WriteSecretFile) or on stdout, its hash on stderr.
int TokenCommand(absl::string_view command, const char* out_file) {
  if (command == "new-token") {
    absl::StatusOr<std::string> token = sitrep::GenerateToken();
    if (!token.ok()) {
      std::fprintf(stderr, "sitrepd: %s\n",
                   std::string(token.status().message()).c_str());
      return 1;
    }
    if (out_file != nullptr) {
      absl::Status written =
          sitrep::WriteSecretFile(out_file, absl::StrCat(*token, "\n"));
      if (!written.ok()) {
        std::fprintf(stderr, "sitrepd new-token: --out %s\n",
                     std::string(written.message()).c_str());
        return 1;
      }
    } else {
      std::printf("%s\n", token->c_str());
      // `new-token > file` creates the file under the shell's umask,
      // usually readable by everyone: say so (issue 17, I-5).
      struct stat st {};
      if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
          (st.st_mode & 077) != 0) {
        std::fprintf(stderr,
                     "sitrepd new-token: warning: the token file is readable "
                     "by others (mode %03o); chmod 600 it, or use "
                     "`sitrepd new-token --out FILE`\n",
                     static_cast<unsigned>(st.st_mode & 0777));
      }
    }
    std::fprintf(stderr, "tokenSha256: %s\n",
                 sitrep::HashToken(*token).c_str());
    return 0;
  }
  std::string token;
  std::getline(std::cin, token);
  absl::string_view trimmed = absl::StripAsciiWhitespace(token);
  if (trimmed.empty()) {
    std::fprintf(stderr,
                 "sitrepd hash-token: give the token on stdin, e.g. "
                 "`sitrepd hash-token < kp.token`\n");
    return 2;
  }
  std::printf("%s\n", sitrep::HashToken(trimmed).c_str());
  return 0;
}

// `sitrepd hash-token`, `sitrepd new-token [--out FILE]`: their exit code;
// nullopt for any other command line.
std::optional<int> MaybeTokenCommand(int argc, char** argv) {
  if (argc == 2 && (absl::string_view(argv[1]) == "hash-token" ||
                    absl::string_view(argv[1]) == "new-token")) {
    return TokenCommand(argv[1], nullptr);
  }
  if (argc >= 3 && absl::string_view(argv[1]) == "new-token") {
    absl::string_view flag = argv[2];
    if (argc == 4 && flag == "--out") return TokenCommand(argv[1], argv[3]);
    if (argc == 3 && absl::ConsumePrefix(&flag, "--out=") && !flag.empty()) {
      return TokenCommand(argv[1], flag.data());  // the rest of argv[2]
    }
    std::fprintf(stderr, "usage: sitrepd new-token [--out FILE]\n");
    return 2;
  }
  return std::nullopt;
}

// --help lists the flags defined for sitrepd (server_config.cc), not
// abseil's or gRPC's own.
void SetUsage() {
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
      "  sitrepd --listen=0.0.0.0:50051 --tls_cert=C --tls_key=K "
      "--auth_file=policy.json\n"
      "  sitrepd new-token --out kp.token  a new bearer token in a new "
      "0600 file (its hash on stderr)\n"
      "  sitrepd hash-token < kp.token  the hash to put in the policy\n"
      "SIGTERM/SIGINT shut down gracefully; SIGHUP reloads --auth_file. "
      "Flags:");
}

// --help groups the flags by what they configure (abseil would list them
// under the path of the file defining them); --helpfull stays abseil's.
// Returns whether it printed the help.
bool MaybePrintHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-help" || arg == "-h" ||
        arg == "--helpshort" || arg == "-helpshort") {
      std::printf("sitrepd: %s\n%s",
                  std::string(absl::ProgramUsageMessage()).c_str(),
                  sitrep::SitrepdFlagsHelp().c_str());
      return true;
    }
  }
  return false;
}

// Blocks the shutdown signals in every thread (threads inherit the mask);
// main waits for them synchronously.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Starts the server and runs it until SIGTERM or SIGINT; SIGHUP reloads
// the access policy.
int Serve(const sitrep::ServerConfig& config, const sigset_t& signals) {
  absl::StatusOr<std::unique_ptr<sitrep::Server>> server =
      sitrep::Server::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "sitrepd: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) {
    sitrep::LogInfo("server", "signal received", {{"signal", "SIGHUP"}});
    (void)(*server)->ReloadAccessPolicy();  // Logs its outcome.
  }
  sitrep::LogInfo("server", "signal received",
                  {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (std::optional<int> code = MaybeTokenCommand(argc, argv)) return *code;
  // Debian's abseil checks every Mutex acquisition for lock-order cycles
  // (2.6-3.6 % of sitrepd's CPU in a fan-out profile, docs/performance.md).
  // The tests keep the check; the production binary does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  SetUsage();
  if (MaybePrintHelp(argc, argv)) return 0;
  absl::ParseCommandLine(argc, argv);

  const sigset_t signals = BlockShutdownSignals();
  // A client that disappears must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<sitrep::ServerConfig> config = sitrep::ServerConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "sitrepd: %s\n",
                 std::string(config.status().message()).c_str());
    return 2;
  }
  return Serve(*config, signals);
}
