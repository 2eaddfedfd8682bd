// `sitrep history`: paged ListUpdates with the subscribe filters and a
// sequence / time range.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/chain_text.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"
#include "client/output.h"
#include "client/status_text.h"
#include "common/human_duration.h"

namespace sitrep::cli {
namespace {

struct HistoryFlags {
  FilterFlags filter;
  uint64_t from_seq = 0;
  uint64_t to_seq = 0;
  std::string since;
  std::string until;
  int64_t limit = 100;
  bool limit_given = false;
  bool all = false;
  bool oldest = false;
  int page_size = 0;
  bool descending = false;
  std::string output;
  bool no_color = false;
};

// "since 2026-12-06 03:34:32Z until ...", "from #10", or "" for the whole log.
std::string WindowText(const HistoryFlags& flags, const sitrep::v1::ListUpdatesRequest& request,
                       const RenderOptions& render) {
  std::vector<std::string> parts;
  if (request.has_start_time()) {
    parts.push_back(absl::StrCat("since ", FormatTimePoint(ToTime(request.start_time()), render.time)));
  }
  if (request.has_end_time()) {
    parts.push_back(absl::StrCat("until ", FormatTimePoint(ToTime(request.end_time()), render.time)));
  }
  if (flags.from_seq > 0) parts.push_back(absl::StrCat("from #", flags.from_seq));
  if (flags.to_seq > 0) parts.push_back(absl::StrCat("to #", flags.to_seq));
  return absl::StrJoin(parts, " ");
}

int RunHistory(const HistoryFlags& flags, const GlobalFlags& global) {
  absl::StatusOr<OutputFormat> format =
      ParseOutputFormat(flags.output, isatty(STDOUT_FILENO) != 0);
  if (!format.ok()) return ReportUsageError(format.status());
  if (flags.limit < 0) return ReportUsageError("--limit: must be >= 0 (0: no limit)");
  if (flags.all && flags.limit_given && flags.limit != 0) {
    return ReportUsageError("give --all or --limit N, not both");
  }
  const int64_t limit = flags.all ? 0 : flags.limit;
  if (flags.page_size < 0 || flags.page_size > 1000) {
    return ReportUsageError("--page-size: must be 1..1000");
  }
  absl::StatusOr<RenderOptions> render =
      MakeRenderOptions(global, flags.no_color || *format != OutputFormat::kTable);
  if (!render.ok()) return ReportUsageError(render.status());
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
  // The newest N by default (as tail -n and journalctl -n), read newest
  // first from the server and printed oldest first; --oldest: the first N of
  // the window. Without a limit every update comes, in the order shown.
  const bool newest = !flags.oldest && limit > 0;
  const bool server_descending = limit == 0 ? flags.descending : newest;
  const bool reverse = server_descending != flags.descending;
  request.set_descending(server_descending);
  int page_size = flags.page_size;
  if (page_size == 0) page_size = limit > 0 && limit < 1000 ? static_cast<int>(limit) : 1000;
  request.set_page_size(page_size);

  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());

  int64_t printed = 0;
  std::vector<sitrep::v1::SituationUpdate> held;  // when shown in reverse
  auto print = [&](const sitrep::v1::SituationUpdate& update) {
    switch (*format) {
      case OutputFormat::kTable:
        std::fputs(UpdateTableRow(update, *render).c_str(), stdout);
        break;
      case OutputFormat::kJson:
        std::printf("%s\n%s", printed == 0 ? "" : ",", ToJson(update, true).c_str());
        break;
      case OutputFormat::kJsonl:
        std::printf("%s\n", ToJson(update, false).c_str());
        break;
    }
    ++printed;
  };
  int64_t got = 0;
  uint64_t first_seq = 0;  // the lowest and highest sequence shown
  uint64_t last_seq = 0;
  bool more = false;
  sitrep::v1::ListUpdatesResponse response;
  if (*format == OutputFormat::kTable) std::fputs(UpdateTableHeader(*render).c_str(), stdout);
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
      if (limit > 0 && got >= limit) {
        more = true;
        break;
      }
      if (first_seq == 0 || update.sequence() < first_seq) first_seq = update.sequence();
      last_seq = std::max(last_seq, update.sequence());
      ++got;
      if (reverse) {
        held.push_back(update);
      } else {
        print(update);
      }
    }
    if (more || response.next_page_token().empty()) break;
    if (limit > 0 && got >= limit) {
      more = true;
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  for (auto it = held.rbegin(); it != held.rend(); ++it) print(*it);
  if (*format == OutputFormat::kJson) std::fputs(printed == 0 ? "]\n" : "\n]\n", stdout);
  std::fflush(stdout);

  const std::string window = WindowText(flags, request, *render);
  const std::string in_window = window.empty() ? "" : absl::StrCat(" ", window);
  if (more) {
    // Said in every format: a pipe's reader must know the list is not whole.
    std::fprintf(stderr,
                 "sitrep: showing the %s %s%s (#%s..#%s); %s ones left out: --limit N or --all "
                 "for more%s\n",
                 newest ? "newest" : "oldest", Plural(got, "update").c_str(), in_window.c_str(),
                 absl::StrCat(first_seq).c_str(), absl::StrCat(last_seq).c_str(),
                 newest ? "older" : "newer",
                 newest ? ", --oldest for the window's start" : "");
  } else if (*format == OutputFormat::kTable) {
    if (response.head_sequence() == 0) {
      std::fprintf(stderr, "%s; the log is empty\n", Plural(got, "update").c_str());
    } else {
      std::fprintf(stderr, "%s%s (the log holds #%s..#%s)\n", Plural(got, "update").c_str(),
                   in_window.c_str(), absl::StrCat(response.oldest_sequence()).c_str(),
                   absl::StrCat(response.head_sequence()).c_str());
    }
  }
  return kExitOk;
}

}  // namespace

Command AddHistoryCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<HistoryFlags>();
  CLI::App* app = root->add_subcommand(
      "history", "Stored updates that match the filters: the newest 100 (--limit, --all, "
      "--oldest), printed oldest first (paged ListUpdates).");
  AddFilterFlags(app, &flags->filter);
  app->add_option("--from-seq", flags->from_seq, "Sequences >= N")->group("Range");
  app->add_option("--to-seq", flags->to_seq, "Sequences <= N")->group("Range");
  app->add_option("--since", flags->since,
                  "Received at or after: a duration ago (2h, 1d) or RFC 3339")
      ->group("Range");
  app->add_option("--until", flags->until,
                  "Received before: a duration ago or RFC 3339")
      ->group("Range");
  app->add_option_function<int64_t>(
      "-n,--limit",
      [flags](int64_t n) {
        flags->limit = n;
        flags->limit_given = true;
      },
      "The newest N updates of the range (default 100; 0: all)");
  app->add_flag("--all", flags->all, "Every update of the range (no limit)");
  app->add_flag("--oldest,--from-start", flags->oldest,
                "The first N updates of the range instead of the newest N");
  app->add_option("--page-size", flags->page_size, "Updates per request (1..1000)");
  app->add_flag("--desc", flags->descending, "Print newest first (default: oldest first)");
  app->add_option("-o,--output", flags->output,
                  "table | json | jsonl (default: table on a terminal, jsonl when piped)");
  app->add_flag("--no-color", flags->no_color, "No colours in the table");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunHistory(*flags, *global); };
  return command;
}

}  // namespace sitrep::cli
