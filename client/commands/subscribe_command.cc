// `sitrep subscribe` (alias `tail`): a filtered stream that survives server
// restarts, with an optional cursor file.
#include <unistd.h>

#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/commands/commands.h"
#include "client/cursor_file.h"
#include "client/filter_flags.h"
#include "client/output.h"
#include "client/status_text.h"
#include "client/stop_signal.h"
#include "common/human_duration.h"

namespace sitrep::cli {
namespace {

struct SubscribeFlags {
  FilterFlags filter;
  bool from_beginning = false;
  bool from_now = false;
  bool situation = false;
  int64_t after = -1;
  std::string log_id;
  std::string since;
  std::string cursor_file;
  int64_t count = 0;
  bool until_caught_up = false;
  std::string output;
  bool markers = false;
  bool no_color = false;
  std::string heartbeat = "5s";
  std::string on_gap = "gap";
  uint64_t max_lag = 0;
  std::string give_up_after = "0s";
};

class PrintingHandler : public SubscribeHandler {
 public:
  PrintingHandler(const SubscribeFlags& flags, OutputFormat format, RenderOptions render)
      : flags_(flags), format_(format), render_(std::move(render)) {}

  Verdict OnResponse(const sitrep::v1::SubscribeResponse& response) override {
    if (lost_at_ != absl::InfinitePast()) ReportResumed(response);
    Verdict verdict;
    int processed = 0;
    // The updates by which an incident leaves the view: sent because the
    // incident's previous update matched, though they do not match.
    std::map<uint64_t, std::string> left_view;
    for (const sitrep::v1::LeftView& left : response.left_view()) {
      left_view[left.sequence()] = left.reason();
    }
    for (const sitrep::v1::SituationUpdate& update : response.updates()) {
      auto left = left_view.find(update.sequence());
      PrintUpdate(update, left == left_view.end() ? nullptr : &left->second);
      ++processed;
      if (flags_.count > 0 && ++printed_ >= flags_.count) {
        verdict.stop = true;
        verdict.processed_updates = processed;
        break;
      }
    }
    if (response.marker_case() != sitrep::v1::SubscribeResponse::MARKER_NOT_SET) {
      PrintMarker(response);
      if (flags_.until_caught_up && response.has_caught_up()) verdict.stop = true;
    }
    std::fflush(stdout);
    return verdict;
  }

  void OnCursor(const std::optional<sitrep::v1::Cursor>& cursor) override {
    if (!cursor.has_value()) return;
    cursor_ = cursor;
    // Saving on every message costs an fsync each; at most every 200 ms is
    // enough, because the final cursor is always saved on the way out (and
    // a crash in between only repeats updates, never skips any).
    if (!flags_.cursor_file.empty() && absl::Now() - last_save_ >= absl::Milliseconds(200)) {
      SaveCursor();
    }
  }

  void OnReconnecting(const grpc::Status& why, absl::Duration delay) override {
    if (lost_at_ == absl::InfinitePast()) lost_at_ = absl::Now();
    const std::string cause = ConnectionCause(why);
    std::fprintf(stderr, "sitrep: stream lost (%s); reconnecting in %s%s\n",
                 cause.empty() ? FormatStatus(why).c_str() : cause.c_str(),
                 HumanDuration(delay).c_str(),
                 cursor_.has_value()
                     ? absl::StrCat(" from #", cursor_->sequence()).c_str()
                     : "");
  }

  // Saves the last cursor if it changed since the last save.
  void SaveCursor() {
    if (flags_.cursor_file.empty() || !cursor_.has_value()) return;
    if (saved_.has_value() && saved_->sequence() == cursor_->sequence() &&
        saved_->log_id() == cursor_->log_id()) {
      return;
    }
    absl::Status status = SaveCursorFile(flags_.cursor_file, *cursor_);
    last_save_ = absl::Now();
    if (!status.ok()) {
      std::fprintf(stderr, "sitrep: %s\n", std::string(status.message()).c_str());
      return;
    }
    saved_ = cursor_;
  }

  const std::optional<sitrep::v1::Cursor>& cursor() const { return cursor_; }

 private:
  // The first message after a reconnect: the stream is live again. Says
  // so once, with how long it was down and whether anything was lost (only
  // a Gap marker means updates were removed before they could be read).
  void ReportResumed(const sitrep::v1::SubscribeResponse& response) {
    const std::string where =
        cursor_.has_value() ? absl::StrCat(" at #", cursor_->sequence()) : "";
    std::string missed = "nothing missed";
    if (response.has_gap()) {
      const uint64_t n = response.gap().to_sequence() - response.gap().from_sequence() + 1;
      missed = absl::StrCat(Plural(static_cast<int64_t>(n), "update"), " missed (#",
                            response.gap().from_sequence(), "..#", response.gap().to_sequence(),
                            " removed by retention meanwhile)");
    }
    std::fprintf(stderr, "sitrep: resumed%s after %s, %s\n", where.c_str(),
                 HumanDuration(absl::Now() - lost_at_).c_str(), missed.c_str());
    lost_at_ = absl::InfinitePast();
  }

  // `left_view`: the reason when the update is how its incident leaves the
  // view (see OnResponse), else null.
  void PrintUpdate(const sitrep::v1::SituationUpdate& update, const std::string* left_view) {
    switch (format_) {
      case OutputFormat::kTable:
        if (!header_printed_) {
          std::fputs(UpdateTableHeader(render_).c_str(), stdout);
          header_printed_ = true;
        }
        std::fputs(left_view == nullptr ? UpdateTableRow(update, render_).c_str()
                                        : LeftViewTableRow(update, *left_view, render_).c_str(),
                   stdout);
        break;
      case OutputFormat::kJson:
      case OutputFormat::kJsonl: {
        const bool pretty = format_ == OutputFormat::kJson;
        std::printf("%s\n", left_view == nullptr
                                ? ToJson(update, pretty).c_str()
                                : LeftViewJson(update, *left_view, pretty).c_str());
        break;
      }
    }
  }

  void PrintMarker(const sitrep::v1::SubscribeResponse& response) {
    // A gap is never silent, whatever the format.
    const std::string text = MarkerText(response);
    if (response.has_gap()) std::fprintf(stderr, "sitrep: WARNING: %s\n", text.c_str());
    if (format_ == OutputFormat::kTable) {
      if (!text.empty() && !response.has_gap()) {
        std::fprintf(stderr, "-- %s --\n", text.c_str());
      }
      return;
    }
    if (!flags_.markers) return;
    sitrep::v1::SubscribeResponse marker = response;
    marker.clear_updates();
    std::printf("%s\n", ToJson(marker, format_ == OutputFormat::kJson).c_str());
  }

  const SubscribeFlags& flags_;
  const OutputFormat format_;
  const RenderOptions render_;
  int64_t printed_ = 0;
  bool header_printed_ = false;
  std::optional<sitrep::v1::Cursor> cursor_;
  std::optional<sitrep::v1::Cursor> saved_;
  absl::Time last_save_ = absl::InfinitePast();
  absl::Time lost_at_ = absl::InfinitePast();  // when the stream broke; InfinitePast: live
};

// Where the stream starts: at most one of --from-beginning, --from-now,
// --after (with --log-id), --since, --situation.
absl::Status ApplyStartFlags(const SubscribeFlags& f, const CLI::App& app,
                             sitrep::v1::SubscribeRequest* request) {
  const int starts = (f.from_beginning ? 1 : 0) + (f.from_now ? 1 : 0) +
                     (f.situation ? 1 : 0) + (app.count("--after") > 0 ? 1 : 0) +
                     (f.since.empty() ? 0 : 1);
  if (starts > 1) {
    return absl::InvalidArgumentError(
        "give at most one of --from-beginning, --from-now, --after, --since, --situation");
  }
  if (!f.log_id.empty() && app.count("--after") == 0) {
    return absl::InvalidArgumentError("--log-id goes with --after");
  }
  if (f.from_beginning) request->set_from_beginning(true);
  if (f.situation) request->set_situation(true);
  if (f.from_now) request->set_from_now(true);
  if (app.count("--after") > 0) {
    if (f.after < 0) return absl::InvalidArgumentError("--after: must be >= 0");
    request->set_after_sequence(static_cast<uint64_t>(f.after));
    request->set_log_id(f.log_id);
  }
  if (!f.since.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeFlag(f.since, "--since", absl::Now());
    if (!t.ok()) return t.status();
    const int64_t nanos = absl::ToUnixNanos(*t);
    request->mutable_since_time()->set_seconds(nanos / 1000000000);
    request->mutable_since_time()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  }
  return absl::OkStatus();
}

// --heartbeat, --on-gap, --max-lag.
absl::Status ApplyStreamFlags(const SubscribeFlags& f, sitrep::v1::SubscribeRequest* request) {
  absl::StatusOr<absl::Duration> heartbeat = ParseDurationFlag(f.heartbeat, "--heartbeat");
  if (!heartbeat.ok()) return heartbeat.status();
  if (*heartbeat != absl::Seconds(5)) {
    request->mutable_heartbeat_interval()->set_seconds(
        absl::ToInt64Seconds(absl::Trunc(*heartbeat, absl::Seconds(1))));
    request->mutable_heartbeat_interval()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(*heartbeat - absl::Trunc(*heartbeat, absl::Seconds(1)))));
  }
  if (f.on_gap == "gap") {
    request->set_on_gap(sitrep::v1::GAP_POLICY_GAP);
  } else if (f.on_gap == "situation") {
    request->set_on_gap(sitrep::v1::GAP_POLICY_SITUATION);
  } else if (f.on_gap == "fail") {
    request->set_on_gap(sitrep::v1::GAP_POLICY_FAIL);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--on-gap: unknown value '", f.on_gap, "' (valid: gap, situation, fail)"));
  }
  request->set_max_lag(f.max_lag);
  return absl::OkStatus();
}

absl::StatusOr<sitrep::v1::SubscribeRequest> BuildRequest(const SubscribeFlags& f,
                                                          const CLI::App& app,
                                                          bool* resumed) {
  sitrep::v1::SubscribeRequest request;
  absl::StatusOr<sitrep::v1::Filter> filter = BuildFilter(f.filter);
  if (!filter.ok()) return filter.status();
  *request.mutable_filter() = *std::move(filter);
  if (absl::Status status = ApplyStartFlags(f, app, &request); !status.ok()) return status;
  // An existing cursor file wins over the start flags: they only say where a
  // first run starts (like a consumer group's committed offset).
  *resumed = false;
  if (!f.cursor_file.empty()) {
    absl::StatusOr<std::optional<sitrep::v1::Cursor>> cursor = LoadCursorFile(f.cursor_file);
    if (!cursor.ok()) return cursor.status();
    if (cursor->has_value()) {
      request.set_after_sequence((*cursor)->sequence());
      request.set_log_id((*cursor)->log_id());
      *resumed = true;
    }
  }
  if (absl::Status status = ApplyStreamFlags(f, &request); !status.ok()) return status;
  return request;
}

int RunSubscribe(const SubscribeFlags& flags, const CLI::App& app, const GlobalFlags& global) {
  absl::StatusOr<OutputFormat> format =
      ParseOutputFormat(flags.output, isatty(STDOUT_FILENO) != 0);
  if (!format.ok()) return ReportUsageError(format.status());
  if (flags.count < 0) return ReportUsageError("--count: must be >= 0");
  bool resumed = false;
  absl::StatusOr<sitrep::v1::SubscribeRequest> request = BuildRequest(flags, app, &resumed);
  if (!request.ok()) return ReportUsageError(request.status());
  SubscribeOptions options;
  absl::StatusOr<absl::Duration> give_up =
      ParseDurationFlag(flags.give_up_after, "--give-up-after");
  if (!give_up.ok()) return ReportUsageError(give_up.status());
  options.give_up_after = *give_up;
  absl::StatusOr<RenderOptions> render =
      MakeRenderOptions(global, flags.no_color || *format != OutputFormat::kTable);
  if (!render.ok()) return ReportUsageError(render.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  if (resumed) {
    std::fprintf(stderr, "sitrep: resuming after #%llu from %s\n",
                 static_cast<unsigned long long>(request->after_sequence()),
                 flags.cursor_file.c_str());
  }

  PrintingHandler handler(flags, *format, *render);
  FeedClient* feed = client->get();
  OnStopSignal([feed] { feed->Cancel(); });
  grpc::Status status = feed->Subscribe(*request, options, &handler);
  OnStopSignal(nullptr);
  handler.SaveCursor();

  if (status.error_code() == grpc::StatusCode::CANCELLED && feed->cancelled() &&
      *format == OutputFormat::kTable) {
    // Ctrl-C: where to pick up again (json/jsonl print cursors with --markers).
    const std::optional<sitrep::v1::Cursor>& cursor = handler.cursor();
    if (!flags.cursor_file.empty()) {
      std::fprintf(stderr, "sitrep: stopped%s; the cursor is saved in %s\n",
                   cursor.has_value() ? absl::StrCat(" at #", cursor->sequence()).c_str() : "",
                   flags.cursor_file.c_str());
    } else if (cursor.has_value()) {
      std::fprintf(stderr, "sitrep: stopped at #%llu; resume with --after %llu --log-id %s\n",
                   static_cast<unsigned long long>(cursor->sequence()),
                   static_cast<unsigned long long>(cursor->sequence()), cursor->log_id().c_str());
    }
  }
  if (status.ok() || (status.error_code() == grpc::StatusCode::CANCELLED && feed->cancelled())) {
    return kExitOk;
  }
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      !request->log_id().empty()) {
    std::fprintf(stderr, "sitrep: subscribe: the cursor belongs to another log: %s. %s\n",
                 FormatStatus(status).c_str(),
                 flags.cursor_file.empty()
                     ? "Start over with --from-beginning or --situation"
                     : absl::StrCat("Remove ", flags.cursor_file,
                                    " to start over (--from-beginning or --situation)")
                           .c_str());
    return kExitCursorMismatch;
  }
  return ReportRpcError("subscribe", status, global.server);
}

}  // namespace

Command AddSubscribeCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<SubscribeFlags>();
  CLI::App* app = root->add_subcommand(
      "subscribe",
      "Stream the updates that match the filters, from a start position, then "
      "live. Survives server restarts and network drops: reconnects with "
      "backoff and resumes from the last cursor, without gaps or repeats.");
  app->alias("tail");
  AddFilterFlags(app, &flags->filter);
  app->add_flag("--from-beginning", flags->from_beginning, "Every retained update")
      ->group("Start (default: from now)");
  app->add_flag("--from-now", flags->from_now, "Only updates published from now on")
      ->group("Start (default: from now)");
  app->add_option("--after", flags->after, "Updates after this sequence (resume)")
      ->group("Start (default: from now)");
  app->add_option("--log-id", flags->log_id,
                  "With --after: the log the sequence belongs to (checked by the server)")
      ->group("Start (default: from now)");
  app->add_option("--since", flags->since,
                  "Updates received since a duration ago (2h, 1d) or an RFC 3339 time")
      ->group("Start (default: from now)");
  app->add_flag("--situation", flags->situation,
                "The current situation first (ending with a snapshot-end marker), then changes")
      ->group("Start (default: from now)");
  app->add_option("--cursor-file", flags->cursor_file,
                  "Save the cursor here (atomically) and resume from it when it "
                  "exists; the start flags then only apply to the first run");
  app->add_option("-n,--count", flags->count, "Exit after N updates");
  app->add_flag("--until-caught-up", flags->until_caught_up,
                "Exit once history is complete (the caught-up marker)");
  app->add_option("-o,--output", flags->output,
                  "table | json | jsonl (default: table on a terminal, jsonl when piped)");
  app->add_flag("--markers", flags->markers,
                "json/jsonl: also print markers and heartbeats (objects with "
                "heartbeat/caughtUp/snapshotEnd/gap and cursor)");
  app->add_flag("--no-color", flags->no_color, "No colours in the table (also: NO_COLOR=1)");
  app->add_option("--heartbeat", flags->heartbeat,
                  "Ask for a heartbeat after this much silence (default 5s, min 1s)");
  app->add_option("--on-gap", flags->on_gap,
                  "When the cursor fell behind retention: gap (marker, continue), "
                  "situation (resync with a snapshot), fail");
  app->add_option("--max-lag", flags->max_lag,
                  "Let the server end the stream when more than N updates behind");
  app->add_option("--give-up-after", flags->give_up_after,
                  "Stop reconnecting after this long without success (default: never)");
  Command command;
  command.app = app;
  command.run = [flags, global, app] { return RunSubscribe(*flags, *app, *global); };
  return command;
}

}  // namespace sitrep::cli
