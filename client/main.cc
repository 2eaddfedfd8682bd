// sitrep: the command-line client of the sitrep situation feed.
// Parses the command line and dispatches; the commands live in sitrep_client.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/strip.h"
#include "client/channel.h"
#include "client/commands/commands.h"
#include "client/status_text.h"
#include "client/stop_signal.h"
#include "client/usage_hints.h"
#include "grpc/support/log.h"

namespace {

// gRPC's own log lines ("E1128 ... ssl_transport_security.cc:1501] Handshake
// failed ...") would come on top of the one-line error that already carries
// the same reason; GRPC_VERBOSITY=error|info|debug brings them back.
void DropGrpcLog(gpr_log_func_args* /*args*/) {}

// A command line CLI11 refused. A command that reports its own usage
// errors gets them once CLI11 has entered it (parsed() is set on entry);
// --help is not an error.
int ReportParseError(CLI::App& app, const std::vector<sitrep::cli::Command>& commands,
                     const CLI::ParseError& e) {
  using namespace sitrep::cli;
  if (e.get_exit_code() != 0) {
    for (const Command& command : commands) {
      if (command.usage_error && command.app->parsed()) {
        const std::string text = UsageFailureMessage(&app, e);
        absl::string_view message = text;
        absl::ConsumePrefix(&message, "sitrep: ");
        absl::ConsumeSuffix(&message, "\n");
        return command.usage_error(std::string(message));
      }
    }
  }
  const int code = app.exit(e);  // prints help, or the error on stderr
  return code == 0 ? kExitOk : kExitUsage;
}

// Runs the command given, against the server address made canonical.
int RunCommand(const std::vector<sitrep::cli::Command>& commands,
               sitrep::cli::GlobalFlags& global) {
  using namespace sitrep::cli;
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    std::string note;
    absl::StatusOr<std::string> address = NormalizeServerAddress(global.server, &note);
    if (!address.ok()) {
      return command.usage_error ? command.usage_error(std::string(address.status().message()))
                                 : ReportUsageError(address.status());
    }
    if (!note.empty()) std::fprintf(stderr, "sitrep: note: %s\n", note.c_str());
    global.server = *std::move(address);
    return command.run();
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sitrep::cli;
  // Before any thread exists: SIGINT/SIGTERM become a cooperative stop.
  InstallStopSignalHandler();
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(DropGrpcLog);

  CLI::App app(
      "sitrep: publish, stream and query the Kosovo situation feed "
      "(KFOR, EULEX, Kosovo Police).",
      "sitrep");
  app.require_subcommand(1);
  RememberCommandLine(argc, argv);
  app.failure_message(UsageFailureMessage);
  app.fallthrough();  // global flags (--server, --tls_ca, ...) also after the command name
  app.footer(std::string("\nEnvironment:\n"
                         "  SITREP_SERVER  server address (default 127.0.0.1:50051)\n"
                         "  SITREP_TOKEN   bearer token, when --token is not given\n"
                         "  SITREP_TLS_CA  --tls_ca, when not given\n\n") +
             kExitCodesHelp);
  GlobalFlags global;
  AddGlobalFlags(&app, &global);
  const std::vector<Command> commands = {
      AddPublishCommand(&app, &global),   AddImportCommand(&app, &global),
      AddSubscribeCommand(&app, &global), AddHistoryCommand(&app, &global),
      AddSituationCommand(&app, &global), AddIncidentCommand(&app, &global),
      AddHealthCommand(&app, &global),
      AddDemoCommand(&app, &global),      AddCheckCommand(&app, &global),
      AddReportCommand(&app, &global),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ReportParseError(app, commands, e);
  }
  return RunCommand(commands, global);
}
