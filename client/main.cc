// sitrep: the command-line client of the sitrep situation feed.
// Parses the command line and dispatches; the commands live in sitrep_client.
#include <vector>

#include "CLI/CLI.hpp"
#include "client/commands/commands.h"
#include "client/status_text.h"
#include "client/stop_signal.h"

int main(int argc, char** argv) {
  using namespace sitrep::cli;
  // Before any thread exists: SIGINT/SIGTERM become a cooperative stop.
  InstallStopSignalHandler();

  CLI::App app(
      "sitrep: publish, stream and query the Kosovo situation feed "
      "(KFOR, EULEX, Kosovo Police).",
      "sitrep");
  app.require_subcommand(1);
  app.fallthrough();  // --server / --timeout also after the command name
  app.footer(std::string("\nEnvironment:\n  SITREP_SERVER  server address "
                         "(default 127.0.0.1:50051)\n\n") +
             kExitCodesHelp);
  GlobalFlags global;
  AddGlobalFlags(&app, &global);
  const std::vector<Command> commands = {
      AddPublishCommand(&app, &global),   AddImportCommand(&app, &global),
      AddSubscribeCommand(&app, &global), AddHistoryCommand(&app, &global),
      AddSituationCommand(&app, &global), AddHealthCommand(&app, &global),
      AddDemoCommand(&app, &global),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the error on stderr
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (const Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}
