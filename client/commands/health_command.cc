// `sitrep health`: grpc.health.v1.Health/Check, for scripts.
#include <cstdio>

#include "client/commands/commands.h"
#include "client/status_text.h"

namespace sitrep::cli {

Command AddHealthCommand(CLI::App* root, const GlobalFlags* global) {
  auto service = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* app = root->add_subcommand(
      "health",
      "Ask the server's health service. Prints SERVING / NOT_SERVING; exit 0 "
      "only when serving (4 when not, 3 when unreachable).");
  app->add_option("--service", *service,
                  "Service name (default: the whole server; e.g. sitrep.v1.SituationFeed)");
  app->add_flag("-q,--quiet", *quiet, "Print nothing; the exit code tells");
  Command command;
  command.app = app;
  command.run = [service, quiet, global]() -> int {
    absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(*global);
    if (!client.ok()) return ReportUsageError(client.status());
    ServingStatus serving = ServingStatus::kUnknown;
    grpc::Status status = (*client)->CheckHealth(*service, &serving);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      // The health service answers NOT_FOUND for a service it does not know.
      serving = ServingStatus::kServiceUnknown;
    } else if (!status.ok()) {
      return ReportRpcError("health", status, global->server);
    }
    if (!*quiet) std::printf("%s\n", ServingStatusName(serving));
    return serving == ServingStatus::kServing ? kExitOk : kExitNotServing;
  };
  return command;
}

}  // namespace sitrep::cli
