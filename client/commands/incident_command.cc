// `sitrep incident ID`: one incident's thread (GetIncident) as a timeline.
#include <unistd.h>

#include <cstdio>

#include "client/commands/commands.h"
#include "client/incident_timeline.h"
#include "client/output.h"
#include "client/status_text.h"

namespace sitrep::cli {
namespace {

struct IncidentFlags {
  std::string incident_id;
  std::string output;
  bool no_color = false;
};

int RunIncident(const IncidentFlags& flags, const GlobalFlags& global) {
  absl::StatusOr<OutputFormat> format =
      ParseOutputFormat(flags.output, /*stdout_is_tty=*/true);  // default: the timeline
  if (!format.ok()) return ReportUsageError(format.status());
  if (flags.incident_id.empty()) return ReportUsageError("give the incident id: sitrep incident ID");
  absl::StatusOr<RenderOptions> render = MakeRenderOptions(global, flags.no_color);
  if (!render.ok()) return ReportUsageError(render.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  sitrep::v1::GetIncidentRequest request;
  request.set_incident_id(flags.incident_id);
  sitrep::v1::IncidentThread thread;
  grpc::Status status = (*client)->GetIncident(request, &thread);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    std::fprintf(stderr,
                 "sitrep: incident %s: not found, or your credentials may not read it "
                 "(check the id: `sitrep situation` lists the current incidents)\n",
                 flags.incident_id.c_str());
    return kExitNotFound;
  }
  if (!status.ok()) return ReportRpcError("incident", status, global.server);
  switch (*format) {
    case OutputFormat::kTable: {
      std::fputs(IncidentTimeline(thread, *render).c_str(), stdout);
      break;
    }
    case OutputFormat::kJson:
      std::printf("%s\n", ToJson(thread, /*pretty=*/true).c_str());
      break;
    case OutputFormat::kJsonl:
      std::printf("%s\n", ToJson(thread, /*pretty=*/false).c_str());
      break;
  }
  return kExitOk;
}

}  // namespace

Command AddIncidentCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<IncidentFlags>();
  CLI::App* app = root->add_subcommand(
      "incident",
      "One incident's story (GetIncident): a timeline of its updates with what each "
      "changed in the security chain (who asked whom, acknowledgements and how long "
      "they took, who took the lead, hand-backs, chain exceptions), then who leads, "
      "the requests and their waits, exceptions and the location. Exit 8 when there "
      "is no such incident (or it may not be read).");
  app->add_option("incident_id", flags->incident_id, "The incident id")->required();
  app->add_option("-o,--output", flags->output,
                  "table (the timeline, default) | json | jsonl (the IncidentThread on one line)");
  app->add_flag("--no-color", flags->no_color, "No colours (also: NO_COLOR=1)");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunIncident(*flags, *global); };
  return command;
}

}  // namespace sitrep::cli
