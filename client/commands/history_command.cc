// `sitrep history`: paged ListUpdates with the subscribe filters and a
// sequence / time range.
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/chain_text.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"
#include "client/output.h"
#include "client/status_text.h"

namespace sitrep::cli {
namespace {

struct HistoryFlags {
  FilterFlags filter;
  uint64_t from_seq = 0;
  uint64_t to_seq = 0;
  std::string since;
  std::string until;
  int64_t limit = 100;
  int page_size = 0;
  bool descending = false;
  std::string output;
  bool no_color = false;
};

int RunHistory(const HistoryFlags& flags, const GlobalFlags& global) {
  absl::StatusOr<OutputFormat> format =
      ParseOutputFormat(flags.output, isatty(STDOUT_FILENO) != 0);
  if (!format.ok()) return ReportUsageError(format.status());
  if (flags.limit < 0) return ReportUsageError("--limit: must be >= 0 (0: no limit)");
  if (flags.page_size < 0 || flags.page_size > 1000) {
    return ReportUsageError("--page-size: must be 1..1000");
  }
  sitrep::v1::ListUpdatesRequest request;
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(flags.filter);
  if (!filter.ok()) return ReportUsageError(filter.status());
  *request.mutable_filter() = *std::move(filter);
  request.set_start_sequence(flags.from_seq);
  request.set_end_sequence(flags.to_seq);
  const absl::Time now = absl::Now();
  if (!flags.since.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeFlag(flags.since, "--since", now);
    if (!t.ok()) return ReportUsageError(t.status());
    *request.mutable_start_time() = ToProtoTime(*t);
  }
  if (!flags.until.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeFlag(flags.until, "--until", now);
    if (!t.ok()) return ReportUsageError(t.status());
    *request.mutable_end_time() = ToProtoTime(*t);
  }
  request.set_descending(flags.descending);
  int page_size = flags.page_size;
  if (page_size == 0) page_size = flags.limit > 0 && flags.limit < 1000 ? flags.limit : 1000;
  request.set_page_size(page_size);

  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());

  RenderOptions render;
  render.color = *format == OutputFormat::kTable && !flags.no_color && ColorByDefault();
  int64_t printed = 0;
  bool more = false;
  sitrep::v1::ListUpdatesResponse response;
  if (*format == OutputFormat::kTable) std::fputs(UpdateTableHeader(render).c_str(), stdout);
  if (*format == OutputFormat::kJson) std::fputs("[", stdout);
  while (true) {
    response.Clear();
    grpc::Status status = (*client)->ListUpdates(request, &response);
    if (!status.ok()) {
      if (*format == OutputFormat::kJson) std::fputs("]\n", stdout);
      std::fflush(stdout);
      return ReportRpcError("history", status, global.server);
    }
    for (const sitrep::v1::SituationUpdate& update : response.updates()) {
      if (flags.limit > 0 && printed >= flags.limit) {
        more = true;
        break;
      }
      switch (*format) {
        case OutputFormat::kTable:
          std::fputs(UpdateTableRow(update, render).c_str(), stdout);
          break;
        case OutputFormat::kJson:
          std::printf("%s\n%s", printed == 0 ? "" : ",", ToJson(update, true).c_str());
          break;
        case OutputFormat::kJsonl:
          std::printf("%s\n", ToJson(update, false).c_str());
          break;
      }
      ++printed;
    }
    if (more || response.next_page_token().empty()) break;
    if (flags.limit > 0 && printed >= flags.limit) {
      more = true;
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  if (*format == OutputFormat::kJson) std::fputs(printed == 0 ? "]\n" : "\n]\n", stdout);
  std::fflush(stdout);
  if (*format == OutputFormat::kTable) {
    std::fprintf(stderr, "%lld updates%s (log holds #%llu..#%llu)\n",
                 static_cast<long long>(printed),
                 more ? absl::StrCat(", more after --limit ", flags.limit).c_str() : "",
                 static_cast<unsigned long long>(response.oldest_sequence()),
                 static_cast<unsigned long long>(response.head_sequence()));
  }
  return kExitOk;
}

}  // namespace

Command AddHistoryCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<HistoryFlags>();
  CLI::App* app = root->add_subcommand(
      "history", "Stored updates that match the filters, oldest first (paged ListUpdates).");
  AddFilterFlags(app, &flags->filter);
  app->add_option("--from-seq", flags->from_seq, "Sequences >= N")->group("Range");
  app->add_option("--to-seq", flags->to_seq, "Sequences <= N")->group("Range");
  app->add_option("--since", flags->since,
                  "Received at or after: a duration ago (2h, 1d) or RFC 3339")
      ->group("Range");
  app->add_option("--until", flags->until,
                  "Received before: a duration ago or RFC 3339")
      ->group("Range");
  app->add_option("--limit", flags->limit, "At most N updates (default 100; 0: all)");
  app->add_option("--page-size", flags->page_size, "Updates per request (1..1000)");
  app->add_flag("--desc", flags->descending, "Newest first");
  app->add_option("-o,--output", flags->output,
                  "table | json | jsonl (default: table on a terminal, jsonl when piped)");
  app->add_flag("--no-color", flags->no_color, "No colours in the table");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunHistory(*flags, *global); };
  return command;
}

}  // namespace sitrep::cli
