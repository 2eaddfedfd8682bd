// `sitrep situation`: the current incidents, grouped by municipality.
#include <unistd.h>

#include <cstdio>

#include "client/commands/commands.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/chain_text.h"
#include "client/filter_flags.h"
#include "client/moment_flag.h"
#include "client/output.h"
#include "client/status_text.h"

namespace sitrep::cli {
namespace {

struct SituationFlags {
  FilterFlags filter;
  std::string output;
  bool no_color = false;
  std::string at;           // --at: a past moment
  std::string at_sequence;  // --at-sequence: a past sequence
};

// --at / --at-sequence into the request's as_of.
absl::Status SetAsOf(const SituationFlags& flags,
                     sitrep::v1::GetSituationRequest* request) {
  if (!flags.at.empty() && !flags.at_sequence.empty()) {
    return absl::InvalidArgumentError(
        "--at, --at-sequence: give one of them, not both");
  }
  if (!flags.at.empty()) {
    absl::StatusOr<absl::Time> at = ParseMomentFlag(flags.at, "--at", absl::Now());
    if (!at.ok()) return at.status();
    *request->mutable_as_of_time() = ToProtoTime(*at);
  } else if (!flags.at_sequence.empty()) {
    uint64_t sequence = 0;
    if (!absl::SimpleAtoi(flags.at_sequence, &sequence)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--at-sequence: '", flags.at_sequence,
          "' is not a sequence; give a number such as 1200"));
    }
    request->set_as_of_sequence(sequence);
  }
  return absl::OkStatus();
}

int RunSituation(const SituationFlags& flags, const GlobalFlags& global) {
  absl::StatusOr<OutputFormat> format =
      ParseOutputFormat(flags.output, isatty(STDOUT_FILENO) != 0);
  if (!format.ok()) return ReportUsageError(format.status());
  sitrep::v1::GetSituationRequest request;
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(flags.filter);
  if (!filter.ok()) return ReportUsageError(filter.status());
  *request.mutable_filter() = *std::move(filter);
  if (absl::Status as_of = SetAsOf(flags, &request); !as_of.ok()) {
    return ReportUsageError(as_of);
  }
  absl::StatusOr<RenderOptions> render = MakeRenderOptions(global, flags.no_color);
  if (!render.ok()) return ReportUsageError(render.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  sitrep::v1::Situation situation;
  grpc::Status status = (*client)->GetSituation(request, &situation);
  if (!status.ok()) return ReportRpcError("situation", status, global.server);
  // A past situation: ages and waits as they were at that moment.
  if (request.as_of_case() != sitrep::v1::GetSituationRequest::AS_OF_NOT_SET) {
    render->now = ToTime(situation.as_of());
  }
  switch (*format) {
    case OutputFormat::kTable: {
      std::fputs(SituationTable(situation, *render).c_str(), stdout);
      break;
    }
    case OutputFormat::kJson:
      std::printf("%s\n", ToJson(situation, /*pretty=*/true).c_str());
      break;
    case OutputFormat::kJsonl:
      for (const sitrep::v1::Incident& incident : situation.incidents()) {
        std::printf("%s\n", ToJson(incident, /*pretty=*/false).c_str());
      }
      break;
  }
  return kExitOk;
}

}  // namespace

Command AddSituationCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<SituationFlags>();
  CLI::App* app = root->add_subcommand(
      "situation",
      "The current incidents (open, unexpired), grouped by municipality, with "
      "who leads (mission and tier), support requests (\"EULEX asked 4m\"), severity, "
      "age and a !exception mark for chain exceptions.");
  AddFilterFlags(app, &flags->filter);
  app->add_option("-o,--output", flags->output,
                  "table | json (the Situation) | jsonl (one incident per line); "
                  "default: table on a terminal, jsonl when piped");
  app->add_flag("--no-color", flags->no_color, "No colours in the table");
  app->add_option("--at", flags->at,
                  "The situation as it was at a past moment: 2026-12-06T14:05Z, "
                  "or -2h (two hours ago)");
  app->add_option("--at-sequence", flags->at_sequence,
                  "The situation as it was right after this sequence");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunSituation(*flags, *global); };
  return command;
}

}  // namespace sitrep::cli
