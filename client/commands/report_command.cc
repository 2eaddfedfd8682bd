// `sitrep report`: the handover report of a shift (client/handover_report.h)
// from GetSituation as of the window's start and end and the updates between.
#include <cstdio>
#include <fstream>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"
#include "client/handover_report.h"
#include "client/moment_flag.h"
#include "client/shift_collector.h"
#include "client/status_text.h"

namespace sitrep::cli {
namespace {

struct ReportFlags {
  FilterFlags filter;
  std::string since;
  std::string from;
  std::string to;
  std::string format = "markdown";
  std::string output;
};

struct Window {
  absl::Time from;
  std::optional<absl::Time> to;  // Unset: up to now (the live situation).
};

absl::StatusOr<Window> ParseWindow(const ReportFlags& flags, absl::Time now) {
  if (!flags.since.empty() && !flags.from.empty()) {
    return absl::InvalidArgumentError(
        "--since, --from: give one of them, not both");
  }
  Window window;
  const std::string start = !flags.from.empty()    ? flags.from
                            : !flags.since.empty() ? flags.since
                                                   : std::string("12h");
  absl::StatusOr<absl::Time> from = ParseMomentFlag(
      start, flags.from.empty() ? "--since" : "--from", now);
  if (!from.ok()) return from.status();
  window.from = *from;
  if (!flags.to.empty()) {
    absl::StatusOr<absl::Time> to = ParseMomentFlag(flags.to, "--to", now);
    if (!to.ok()) return to.status();
    window.to = *to;
  }
  if (window.from >= window.to.value_or(now)) {
    return absl::InvalidArgumentError(
        "--from/--since, --to: the window's start must be before its end");
  }
  return window;
}

int RunReport(const ReportFlags& flags, const GlobalFlags& global) {
  const std::string format_name = absl::AsciiStrToLower(flags.format);
  if (format_name != "markdown" && format_name != "md" && format_name != "html") {
    return ReportUsageError(absl::StrCat("--format: '", flags.format,
                                         "' is not a format; use markdown or html"));
  }
  const ReportFormat format =
      format_name == "html" ? ReportFormat::kHtml : ReportFormat::kMarkdown;
  absl::StatusOr<Window> window = ParseWindow(flags, absl::Now());
  if (!window.ok()) return ReportUsageError(window.status());
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(flags.filter);
  if (!filter.ok()) return ReportUsageError(filter.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());

  ShiftData shift;
  std::string failed_call;
  grpc::Status status = CollectShift(**client, *filter, window->from,
                                     window->to, &shift, &failed_call);
  if (!status.ok()) {
    return ReportRpcError(absl::StrCat("report (", failed_call, ")"), status,
                          global.server);
  }

  const std::string report = RenderHandoverReport(shift, format);
  if (flags.output.empty()) {
    std::fputs(report.c_str(), stdout);
    return kExitOk;
  }
  std::ofstream out(flags.output, std::ios::trunc | std::ios::binary);
  out << report;
  out.close();
  if (!out.good()) {
    std::fprintf(stderr, "sitrep report: -o: cannot write %s\n",
                 flags.output.c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

Command AddReportCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* app = root->add_subcommand(
      "report",
      "The handover report of a shift: incidents opened, escalated, "
      "de-escalated, resolved and expired in the window; those still open at "
      "its end with their lead and the support requests still waiting; "
      "activity by municipality and by mission. Markdown or self-contained "
      "HTML (with a chart of updates per hour by mission).");
  AddFilterFlags(app, &flags->filter);
  app->add_option("--since", flags->since,
                  "The window starts this long ago: 12h (default), 1d");
  app->add_option("--from", flags->from,
                  "The window's start: 2026-12-06T06:00Z (instead of --since)");
  app->add_option("--to", flags->to,
                  "The window's end: 2026-12-06T18:00Z, or -1h (default: now)");
  app->add_option("--format", flags->format, "markdown (default) | html");
  app->add_option("-o,--output", flags->output,
                  "Write the report to this file (default: stdout)");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunReport(*flags, *global); };
  return command;
}

}  // namespace sitrep::cli
