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

// How the updates are read and shown. The newest N by default (as tail -n
// and journalctl -n), read newest first from the server and printed oldest
// first; --oldest: the first N of the window. Without a limit every update
// comes, in the order shown.
struct HistoryOrder {
  bool newest = false;
  bool server_descending = false;
  bool reverse = false;  // shown in the opposite order to the server's
};

HistoryOrder OrderFor(const HistoryFlags& flags, int64_t limit) {
  HistoryOrder order;
  order.newest = !flags.oldest && limit > 0;
  order.server_descending = limit == 0 ? flags.descending : order.newest;
  order.reverse = order.server_descending != flags.descending;
  return order;
}

absl::Status CheckLimitFlags(const HistoryFlags& flags) {
  if (flags.limit < 0) return absl::InvalidArgumentError("--limit: must be >= 0 (0: no limit)");
  if (flags.all && flags.limit_given && flags.limit != 0) {
    return absl::InvalidArgumentError("give --all or --limit N, not both");
  }
  if (flags.page_size < 0 || flags.page_size > 1000) {
    return absl::InvalidArgumentError("--page-size: must be 1..1000");
  }
  return absl::OkStatus();
}

// The first page's request: the filters, the range and the order.
absl::StatusOr<sitrep::v1::ListUpdatesRequest> MakeHistoryRequest(const HistoryFlags& flags,
                                                                  int64_t limit,
                                                                  const HistoryOrder& order) {
  sitrep::v1::ListUpdatesRequest request;
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(flags.filter);
  if (!filter.ok()) return filter.status();
  *request.mutable_filter() = *std::move(filter);
  request.set_start_sequence(flags.from_seq);
  request.set_end_sequence(flags.to_seq);
  const absl::Time now = absl::Now();
  if (!flags.since.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeFlag(flags.since, "--since", now);
    if (!t.ok()) return t.status();
    *request.mutable_start_time() = ToProtoTime(*t);
  }
  if (!flags.until.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeFlag(flags.until, "--until", now);
    if (!t.ok()) return t.status();
    *request.mutable_end_time() = ToProtoTime(*t);
  }
  request.set_descending(order.server_descending);
  int page_size = flags.page_size;
  if (page_size == 0) page_size = limit > 0 && limit < 1000 ? static_cast<int>(limit) : 1000;
  request.set_page_size(page_size);
  return request;
}

// Prints updates in one format, holding them back when they are shown in
// the reverse of the order they come in.
class HistoryPrinter {
 public:
  HistoryPrinter(OutputFormat format, const RenderOptions& render, bool reverse)
      : format_(format), render_(render), reverse_(reverse) {}

  void Begin() {
    if (format_ == OutputFormat::kTable) std::fputs(UpdateTableHeader(render_).c_str(), stdout);
    if (format_ == OutputFormat::kJson) std::fputs("[", stdout);
  }

  void Add(const sitrep::v1::SituationUpdate& update) {
    if (reverse_) {
      held_.push_back(update);
    } else {
      Print(update);
    }
  }

  // After the last page: the held updates, then the JSON array's end.
  void End() {
    for (auto it = held_.rbegin(); it != held_.rend(); ++it) Print(*it);
    if (format_ == OutputFormat::kJson) std::fputs(printed_ == 0 ? "]\n" : "\n]\n", stdout);
    std::fflush(stdout);
  }

  // After a failed page: closes the JSON array, drops what was held.
  void Abort() {
    if (format_ == OutputFormat::kJson) std::fputs("]\n", stdout);
    std::fflush(stdout);
  }

 private:
  void Print(const sitrep::v1::SituationUpdate& update) {
    switch (format_) {
      case OutputFormat::kTable:
        std::fputs(UpdateTableRow(update, render_).c_str(), stdout);
        break;
      case OutputFormat::kJson:
        std::printf("%s\n%s", printed_ == 0 ? "" : ",", ToJson(update, true).c_str());
        break;
      case OutputFormat::kJsonl:
        std::printf("%s\n", ToJson(update, false).c_str());
        break;
    }
    ++printed_;
  }

  const OutputFormat format_;
  const RenderOptions& render_;
  const bool reverse_;
  int64_t printed_ = 0;
  std::vector<sitrep::v1::SituationUpdate> held_;
};

// What the pages brought.
struct HistoryRead {
  int64_t got = 0;
  uint64_t first_seq = 0;  // the lowest and highest sequence shown
  uint64_t last_seq = 0;
  bool more = false;       // the limit left updates out
  sitrep::v1::ListUpdatesResponse last_page;
};

// Reads pages until the limit or the range's end, handing every update to
// `printer`. `request` ends on the last page's token.
grpc::Status ReadHistory(FeedClient& client, int64_t limit,
                         sitrep::v1::ListUpdatesRequest& request, HistoryPrinter& printer,
                         HistoryRead& read) {
  sitrep::v1::ListUpdatesResponse& response = read.last_page;
  while (true) {
    response.Clear();
    grpc::Status status = client.ListUpdates(request, &response);
    if (!status.ok()) return status;
    for (const sitrep::v1::SituationUpdate& update : response.updates()) {
      if (limit > 0 && read.got >= limit) {
        read.more = true;
        break;
      }
      if (read.first_seq == 0 || update.sequence() < read.first_seq) {
        read.first_seq = update.sequence();
      }
      read.last_seq = std::max(read.last_seq, update.sequence());
      ++read.got;
      printer.Add(update);
    }
    if (read.more || response.next_page_token().empty()) break;
    if (limit > 0 && read.got >= limit) {
      read.more = true;
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  return grpc::Status::OK;
}

// The line on stderr after the list: what was left out, or (in a table) how
// many were shown of what the log holds.
void ReportHistoryEnd(const HistoryFlags& flags, const sitrep::v1::ListUpdatesRequest& request,
                      const RenderOptions& render, OutputFormat format,
                      const HistoryOrder& order, const HistoryRead& read) {
  const std::string window = WindowText(flags, request, render);
  const std::string in_window = window.empty() ? "" : absl::StrCat(" ", window);
  const bool newest = order.newest;
  if (read.more) {
    // Said in every format: a pipe's reader must know the list is not whole.
    std::fprintf(stderr,
                 "sitrep: showing the %s %s%s (#%s..#%s); %s ones left out: --limit N or --all "
                 "for more%s\n",
                 newest ? "newest" : "oldest", Plural(read.got, "update").c_str(),
                 in_window.c_str(), absl::StrCat(read.first_seq).c_str(),
                 absl::StrCat(read.last_seq).c_str(), newest ? "older" : "newer",
                 newest ? ", --oldest for the window's start" : "");
  } else if (format == OutputFormat::kTable) {
    if (read.last_page.head_sequence() == 0) {
      std::fprintf(stderr, "%s; the log is empty\n", Plural(read.got, "update").c_str());
    } else {
      std::fprintf(stderr, "%s%s (the log holds #%s..#%s)\n",
                   Plural(read.got, "update").c_str(), in_window.c_str(),
                   absl::StrCat(read.last_page.oldest_sequence()).c_str(),
                   absl::StrCat(read.last_page.head_sequence()).c_str());
    }
  }
}

int RunHistory(const HistoryFlags& flags, const GlobalFlags& global) {
  absl::StatusOr<OutputFormat> format =
      ParseOutputFormat(flags.output, isatty(STDOUT_FILENO) != 0);
  if (!format.ok()) return ReportUsageError(format.status());
  if (absl::Status limits = CheckLimitFlags(flags); !limits.ok()) {
    return ReportUsageError(limits);
  }
  const int64_t limit = flags.all ? 0 : flags.limit;
  absl::StatusOr<RenderOptions> render =
      MakeRenderOptions(global, flags.no_color || *format != OutputFormat::kTable);
  if (!render.ok()) return ReportUsageError(render.status());
  const HistoryOrder order = OrderFor(flags, limit);
  absl::StatusOr<sitrep::v1::ListUpdatesRequest> request =
      MakeHistoryRequest(flags, limit, order);
  if (!request.ok()) return ReportUsageError(request.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());

  HistoryPrinter printer(*format, *render, order.reverse);
  HistoryRead read;
  printer.Begin();
  grpc::Status status = ReadHistory(**client, limit, *request, printer, read);
  if (!status.ok()) {
    printer.Abort();
    return ReportRpcError("history", status, global.server);
  }
  printer.End();
  ReportHistoryEnd(flags, *request, *render, *format, order, read);
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
