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

namespace sitrep::cli {

// Flags every command shares (given before or after the command name).
struct GlobalFlags {
  std::string server = kDefaultServer;  // --server / SITREP_SERVER
  std::string timeout = "10s";          // --timeout: deadline of unary calls
};

struct Command {
  CLI::App* app = nullptr;      // owned by the root app
  std::function<int()> run;     // returns the exit code
};

// `global` must outlive the returned Command.
Command AddPublishCommand(CLI::App* root, const GlobalFlags* global);
Command AddImportCommand(CLI::App* root, const GlobalFlags* global);
Command AddSubscribeCommand(CLI::App* root, const GlobalFlags* global);
Command AddHistoryCommand(CLI::App* root, const GlobalFlags* global);
Command AddSituationCommand(CLI::App* root, const GlobalFlags* global);
Command AddHealthCommand(CLI::App* root, const GlobalFlags* global);
Command AddDemoCommand(CLI::App* root, const GlobalFlags* global);

// Shared by the commands: the client for `global` (INVALID_ARGUMENT for a
// bad --timeout).
absl::StatusOr<std::unique_ptr<FeedClient>> MakeFeedClient(const GlobalFlags& global);

// Adds the root app's flags (--server, --timeout) bound to `*global`.
void AddGlobalFlags(CLI::App* root, GlobalFlags* global);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_COMMANDS_COMMANDS_H_
