// The `sitrep` subcommands. Each Add*Command() adds its subcommand (and its
// flags) to the root app and returns the function that runs it once the
// command line is parsed; main.cc only dispatches.
#ifndef SITREP_CLIENT_COMMANDS_COMMANDS_H_
#define SITREP_CLIENT_COMMANDS_COMMANDS_H_

#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/channel.h"
#include "client/feed_client.h"
#include "client/output.h"

namespace sitrep::cli {

// Flags every command shares (given before or after the command name).
struct GlobalFlags {
  std::string server = kDefaultServer;  // --server / SITREP_SERVER
  std::string timeout = "10s";          // --timeout: deadline of unary calls
  // Security (docs/cli.md, "TLS and tokens"). Any --tls* flag turns TLS on.
  bool tls = false;             // --tls: TLS, verified with the system's roots
  std::string tls_ca;           // --tls_ca / SITREP_TLS_CA: PEM CA file
  std::string tls_cert;         // --tls_cert: PEM client certificate (mTLS)
  std::string tls_key;          // --tls_key: its PEM private key
  std::string tls_server_name;  // --tls_server_name: name to verify
  std::string token;            // --token / SITREP_TOKEN (secret)
  bool token_given = false;     // --token or a non-empty SITREP_TOKEN was given
  // Times in tables: --utc / --local, else SITREP_TZ, else UTC.
  bool utc = false;
  bool local = false;
};

struct Command {
  CLI::App* app = nullptr;      // owned by the root app
  std::function<int()> run;     // returns the exit code
  // When set, a command-line error of this command (CLI11's message) is
  // reported through it, and its return value is the exit code: `check`
  // must answer in its plugin format and exit 3 (UNKNOWN), not 2. Unset:
  // CLI11 prints the error and the exit code is kExitUsage.
  std::function<int(const std::string& message)> usage_error;
};

// `global` must outlive the returned Command.
Command AddPublishCommand(CLI::App* root, const GlobalFlags* global);
Command AddImportCommand(CLI::App* root, const GlobalFlags* global);
Command AddSubscribeCommand(CLI::App* root, const GlobalFlags* global);
Command AddHistoryCommand(CLI::App* root, const GlobalFlags* global);
Command AddSituationCommand(CLI::App* root, const GlobalFlags* global);
Command AddIncidentCommand(CLI::App* root, const GlobalFlags* global);
Command AddHealthCommand(CLI::App* root, const GlobalFlags* global);
Command AddDemoCommand(CLI::App* root, const GlobalFlags* global);
Command AddCheckCommand(CLI::App* root, const GlobalFlags* global);
Command AddReportCommand(CLI::App* root, const GlobalFlags* global);

// The channel options `global` asks for: checks --server and --timeout,
// reads and checks the TLS files, checks the token. INVALID_ARGUMENT naming
// the flag (and SITREP_TLS_CA / SITREP_TOKEN when the value came from
// there); never contains the token or a key.
absl::StatusOr<ChannelOptions> MakeChannelOptions(const GlobalFlags& global);

// Shared by the commands: the client for `global` (INVALID_ARGUMENT as
// MakeChannelOptions). Registers the token for redaction (RedactInMessages)
// and warns on stderr when it would travel without TLS to another host.
absl::StatusOr<std::unique_ptr<FeedClient>> MakeFeedClient(const GlobalFlags& global);

// How tables look for `global` (the zone of --utc/--local/SITREP_TZ, the
// width of OutputColumns(), colour unless `no_color` or NO_COLOR or not a
// terminal). INVALID_ARGUMENT for a bad SITREP_TZ or both --utc and --local.
absl::StatusOr<RenderOptions> MakeRenderOptions(const GlobalFlags& global, bool no_color);

// Adds the root app's flags (--server, --timeout, the TLS and token flags)
// bound to `*global`.
void AddGlobalFlags(CLI::App* root, GlobalFlags* global);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_COMMANDS_COMMANDS_H_
