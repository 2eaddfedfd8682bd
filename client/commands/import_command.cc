// `sitrep import FILE|-`: bulk ingest of JSON lines through PublishStream.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "client/commands/commands.h"
#include "client/status_text.h"
#include "client/stop_signal.h"
#include "client/update_json.h"

namespace sitrep::cli {
namespace {

struct ImportFlags {
  std::string input;
  bool quiet = false;
};

// Counts the lines of a regular file for the progress total; -1 otherwise.
int64_t CountLines(const std::string& path) {
  struct stat st;
  if (path == "-" || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  std::ifstream in(path, std::ios::binary);
  int64_t lines = 0;
  char buffer[1 << 16];
  char last = '\n';
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      if (buffer[i] == '\n') ++lines;
    }
    last = buffer[in.gcount() - 1];
  }
  if (last != '\n') ++lines;
  return lines;
}

// The import's bookkeeping, shared by the writer (main) and ack threads.
// Thread safety: every method locks mu_.
class ImportState {
 public:
  ImportState(int64_t total_lines, bool progress_on_tty, bool quiet)
      : total_lines_(total_lines), tty_(progress_on_tty), quiet_(quiet) {}

  void Sent(uint64_t index, int64_t line) {
    absl::MutexLock lock(&mu_);
    pending_.push_back({index, line});
    last_line_ = line;
  }

  void LineFailed(int64_t line, const std::string& why) {
    absl::MutexLock lock(&mu_);
    ++failed_;
    last_line_ = line;
    PrintLocked(absl::StrCat("line ", line, ": ", why));
  }

  void Acked(const sitrep::v1::PublishAck& ack) {
    absl::MutexLock lock(&mu_);
    // Acks come in request order; anything else is a server bug, but the
    // index still finds the line.
    int64_t line = -1;
    while (!pending_.empty() && pending_.front().first <= ack.index()) {
      if (pending_.front().first == ack.index()) line = pending_.front().second;
      pending_.pop_front();
    }
    if (ack.has_error()) {
      ++failed_;
      std::string why = absl::StrCat(RpcCodeName(ack.error().code()), ": ",
                                     ack.error().message());
      if (!ack.error().field().empty() &&
          ack.error().message().find(ack.error().field()) == std::string::npos) {
        absl::StrAppend(&why, " (field ", ack.error().field(), ")");
      }
      PrintLocked(absl::StrCat("line ", line, ": ", why));
    } else if (ack.duplicate()) {
      ++duplicates_;
    } else {
      ++stored_;
    }
    MaybeProgressLocked();
  }

  size_t unacked() {
    absl::MutexLock lock(&mu_);
    return pending_.size();
  }
  int64_t failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  int64_t acked() {
    absl::MutexLock lock(&mu_);
    return stored_ + duplicates_;
  }

  void Summary(const std::string& suffix) {
    absl::MutexLock lock(&mu_);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    const int64_t done = stored_ + duplicates_ + failed_;
    PrintLocked(absl::StrFormat(
        "import: %d lines: %d stored, %d duplicates (already stored), %d failed "
        "in %.1fs (%.0f lines/s)%s",
        done, stored_, duplicates_, failed_, seconds,
        seconds > 0 ? done / seconds : 0.0, suffix));
  }

 private:
  void PrintLocked(const std::string& line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (progress_shown_ && tty_) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "%s\n", line.c_str());
    progress_shown_ = false;
  }

  // A progress line once the import runs longer than a second: rewritten in
  // place on a terminal, every 10 s otherwise.
  void MaybeProgressLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (quiet_) return;
    const absl::Time now = absl::Now();
    const absl::Duration every = tty_ ? absl::Milliseconds(250) : absl::Seconds(10);
    if (now - start_ < absl::Seconds(1) || now - last_progress_ < every) return;
    last_progress_ = now;
    const int64_t done = stored_ + duplicates_ + failed_;
    const double rate = done / absl::ToDoubleSeconds(now - start_);
    std::string text = total_lines_ > 0
                           ? absl::StrFormat("import: %d/%d lines (%.0f%%)", done,
                                             total_lines_, 100.0 * done / total_lines_)
                           : absl::StrFormat("import: %d lines", done);
    absl::StrAppendFormat(&text, ", %.0f/s, %d errors", rate, failed_);
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", text.c_str());
      progress_shown_ = true;
    } else {
      std::fprintf(stderr, "%s\n", text.c_str());
    }
  }

  // Constant after construction.
  const int64_t total_lines_;
  const bool tty_;
  const bool quiet_;
  const absl::Time start_ = absl::Now();

  // State below is protected by mu_.
  absl::Mutex mu_;
  std::deque<std::pair<uint64_t, int64_t>> pending_ ABSL_GUARDED_BY(mu_);  // index, line
  int64_t stored_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_line_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_progress_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool progress_shown_ ABSL_GUARDED_BY(mu_) = false;
};

int RunImport(const ImportFlags& flags, const GlobalFlags& global) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (flags.input != "-") {
    file.open(flags.input);
    if (!file) return ReportUsageError(absl::StrCat("cannot read ", flags.input));
    in = &file;
  }
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  FeedClient* feed = client->get();
  OnStopSignal([feed] { feed->Cancel(); });

  ImportState state(CountLines(flags.input), isatty(STDERR_FILENO) != 0, flags.quiet);
  int64_t line_number = 0;
  uint64_t index = 0;
  std::string line;
  auto next = [&](sitrep::v1::PublishRequest* request) -> bool {
    while (std::getline(*in, line)) {
      ++line_number;
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      absl::StatusOr<sitrep::v1::PublishRequest> parsed = ParsePublishJson(line);
      if (!parsed.ok()) {
        state.LineFailed(line_number, std::string(parsed.status().message()));
        continue;
      }
      *request = *std::move(parsed);
      if (request->update().event_id().empty()) {
        request->mutable_update()->set_event_id(DeriveEventId(*request));
      }
      state.Sent(index++, line_number);
      return true;
    }
    return false;
  };
  grpc::Status status = feed->PublishStream(
      next, [&](const sitrep::v1::PublishAck& ack) { state.Acked(ack); });
  OnStopSignal(nullptr);

  if (feed->cancelled()) {
    state.Summary("; interrupted: re-run to finish (stored lines come back as duplicates)");
    return kExitFailed;
  }
  if (!status.ok() || state.unacked() > 0) {
    state.Summary("");
    if (status.ok()) {
      status = grpc::Status(grpc::StatusCode::INTERNAL,
                            absl::StrCat("the stream ended with ", state.unacked(),
                                         " lines unacknowledged"));
    }
    ReportRpcError(absl::StrCat("import stream failed after ", state.acked(),
                                " acknowledged lines (re-run: stored lines are "
                                "recognised as duplicates)"),
                   status, global.server);
    return ExitCodeFor(status) == kExitOk ? kExitFailed : ExitCodeFor(status);
  }
  state.Summary("");
  return state.failed() > 0 ? kExitFailed : kExitOk;
}

}  // namespace

Command AddImportCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* app = root->add_subcommand(
      "import",
      "Publish every line of a JSON-lines file (each a PublishRequest or a bare "
      "SituationUpdate in protobuf's JSON mapping) through one PublishStream. "
      "Lines without an event id get one derived from their content, so "
      "importing a file again stores nothing twice. Bad lines are reported "
      "with their line number; the exit code is 1 if any failed.");
  app->add_option("input", flags->input, "FILE, or - for stdin")->required();
  app->add_flag("-q,--quiet", flags->quiet, "No progress lines");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunImport(*flags, *global); };
  return command;
}

}  // namespace sitrep::cli
