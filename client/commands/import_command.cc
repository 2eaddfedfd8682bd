// `sitrep import FILE|-`: bulk ingest of JSON lines through PublishStream.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/synchronization/mutex.h"
#include "client/commands/cap_import_command.h"
#include "client/commands/commands.h"
#include "client/status_text.h"
#include "client/stop_signal.h"
#include "client/update_json.h"
#include "common/human_duration.h"

namespace sitrep::cli {
namespace {

// A PublishStream message carries at most this many lines (the server takes
// up to 1024 per message) and stops growing past this many bytes (gRPC's
// default limit for a received message is 4 MiB).
constexpr int kImportBatchRequests = 256;
constexpr size_t kImportBatchBytes = 1 << 20;

struct ImportFlags {
  std::string input;
  bool quiet = false;
  std::string format = "jsonl";
  std::string mission;  // --format cap: when the alert names none
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

// A line the server refused for the principal's publish rate, to be sent
// again once `due`.
struct RateLimited {
  int64_t line = 0;
  absl::Time due;
  sitrep::v1::PublishRequest request;
};

// The import's bookkeeping, shared by the writer (main) and ack threads.
// Thread safety: every method locks mu_.
class ImportState {
 public:
  ImportState(int64_t total_lines, bool progress_on_tty, bool quiet)
      : total_lines_(total_lines), tty_(progress_on_tty), quiet_(quiet) {}

  // `request` went out as the stream's request `index`; kept until acked,
  // so that a rate-limited one can be sent again.
  void Sent(uint64_t index, int64_t line, sitrep::v1::PublishRequest request) {
    absl::MutexLock lock(&mu_);
    pending_.push_back({index, line, std::move(request)});
    if (line > last_line_) ++lines_;
    last_line_ = std::max(last_line_, line);
  }

  // Ctrl-C: send nothing more (not even lines waiting for the rate limit),
  // and let the acks of what went out come in.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  bool stopping() {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }

  // The ack stream ended: nothing in flight will be answered any more.
  void AcksEnded() {
    absl::MutexLock lock(&mu_);
    acks_ended_ = true;
  }

  // Writer: the rate-limited lines to send again, at most `max`, in line
  // order. Waits until the first is due: a refused import slows to the
  // principal's rate instead of sending on into the refusal. Without
  // `input_done` it returns nothing at once when none waits; with it, it
  // also waits for the acks in flight, and nothing means the import is over.
  std::vector<RateLimited> TakeRateLimited(bool input_done, size_t max) {
    std::vector<RateLimited> due;
    absl::Time first_due;
    {
      absl::MutexLock lock(&mu_);
      auto settled = [this, input_done]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !retry_.empty() || !input_done || pending_.empty() ||
               acks_ended_ || stopping_;
      };
      mu_.Await(absl::Condition(&settled));
      if (retry_.empty() || acks_ended_ || stopping_) return due;
      first_due = retry_.front().due;
    }
    absl::SleepFor(first_due - absl::Now());
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    while (!retry_.empty() && due.size() < max && retry_.front().due <= now) {
      due.push_back(std::move(retry_.front()));
      retry_.pop_front();
    }
    return due;
  }

  void LineFailed(int64_t line, const std::string& why) {
    absl::MutexLock lock(&mu_);
    ++failed_;
    ++lines_;
    last_line_ = std::max(last_line_, line);
    ReportLocked(line, why);
  }

  void Acked(const sitrep::v1::PublishAck& ack) {
    absl::MutexLock lock(&mu_);
    // Acks come in request order; anything else is a server bug, but the
    // index still finds the line.
    int64_t line = -1;
    sitrep::v1::PublishRequest request;
    while (!pending_.empty() && pending_.front().index <= ack.index()) {
      if (pending_.front().index == ack.index()) {
        line = pending_.front().line;
        request = std::move(pending_.front().request);
      }
      pending_.pop_front();
    }
    if (ack.has_error() && ack.error().code() == grpc::RESOURCE_EXHAUSTED &&
        ack.error().has_retry_delay() && line >= 0) {
      ++rate_limited_;
      // The delay is until the principal's next token: refused lines are
      // spaced by it, one after another, so that they go out at the rate
      // the server takes instead of being refused again together.
      const google::protobuf::Duration& delay = ack.error().retry_delay();
      const absl::Time after =
          retry_.empty() ? absl::Now()
                         : std::max(absl::Now(), retry_.back().due);
      retry_.push_back({line,
                        after + absl::Seconds(delay.seconds()) +
                            absl::Nanoseconds(delay.nanos()),
                        std::move(request)});
      FlushErrorsLocked();
      return;
    }
    if (ack.has_error()) {
      ++failed_;
      ++server_failed_;
      std::string why = absl::StrCat(RpcCodeName(ack.error().code()), ": ",
                                     ack.error().message());
      if (!ack.error().field().empty() &&
          ack.error().message().find(ack.error().field()) == std::string::npos) {
        absl::StrAppend(&why, " (field ", ack.error().field(), ")");
      }
      ReportLocked(line, why);
    } else if (ack.duplicate()) {
      ++duplicates_;
    } else {
      ++stored_;
    }
    FlushErrorsLocked();
    MaybeProgressLocked();
  }

  // Lines sent and not answered, or refused and not sent again.
  size_t unacked() {
    absl::MutexLock lock(&mu_);
    return pending_.size() + retry_.size();
  }
  int64_t failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  int64_t acked() {
    absl::MutexLock lock(&mu_);
    return stored_ + duplicates_;
  }
  // Lines the server answered (stored, duplicate or refused).
  int64_t answered() {
    absl::MutexLock lock(&mu_);
    return stored_ + duplicates_ + server_failed_;
  }

  // The summary when the server answered nothing (not reached, or gone
  // before its first answer).
  void NothingAnswered() {
    absl::MutexLock lock(&mu_);
    FlushErrorsLocked(/*all=*/true);
    const int64_t lines = std::max(lines_, total_lines_);
    PrintLocked(absl::StrCat("import: 0 of ", Plural(lines, "line"),
                             " stored: the server did not answer (re-run once it is up: nothing "
                             "is stored twice)"));
  }

  // The last line: exact counts, from the acks. Lines that were sent but
  // not answered (the stream broke, or a second Ctrl-C) may or may not be
  // stored; a re-run settles them as duplicates or stores them.
  void Summary(const std::string& suffix) {
    absl::MutexLock lock(&mu_);
    FlushErrorsLocked(/*all=*/true);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    const int64_t done = stored_ + duplicates_ + failed_;
    // Lines waiting to be sent again after a rate-limit refusal are known
    // not to be stored; only lines in flight are in doubt.
    const int64_t unanswered = static_cast<int64_t>(pending_.size());
    std::string waits;
    if (rate_limited_ > 0) {
      waits = absl::StrCat("; ", Plural(rate_limited_, "send"),
                           " waited for the publish rate limit");
    }
    std::string of = Plural(done, "line");
    if (lines_ != done || (total_lines_ >= 0 && total_lines_ != done)) {
      of = absl::StrCat(absl::StrCat(done), " of ",
                        total_lines_ > lines_ ? absl::StrCat(total_lines_)
                                              : Plural(lines_, "line"),
                        total_lines_ > lines_ ? " lines" : "");
    }
    PrintLocked(absl::StrFormat(
        "import: %s: %s stored, %s (already stored), %s failed%s in %.1fs (%.0f lines/s)%s%s", of,
        absl::StrCat(stored_), Plural(duplicates_, "duplicate"), absl::StrCat(failed_),
        unanswered > 0 ? absl::StrCat(", ", absl::StrCat(unanswered),
                                      " sent but not acknowledged (stored or not: re-run)")
                       : "",
        seconds, seconds > 0 ? done / seconds : 0.0, waits, suffix));
  }

 private:
  // A failed line is printed once every line before it was answered, so
  // that the errors come in line order (a parse error is known at once, the
  // server's answer to an earlier line later; a rate-limited line is
  // answered late).
  void ReportLocked(int64_t line, const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    errors_.emplace(line, why);
    FlushErrorsLocked();
  }

  void FlushErrorsLocked(bool all = false) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (errors_.empty()) return;
    int64_t frontier = INT64_MAX;  // the first line still waiting for its answer
    if (!all) {
      for (const InFlight& p : pending_) frontier = std::min(frontier, p.line);
      for (const RateLimited& r : retry_) frontier = std::min(frontier, r.line);
    }
    while (!errors_.empty() && errors_.begin()->first < frontier) {
      PrintLocked(absl::StrCat("line ", errors_.begin()->first, ": ", errors_.begin()->second));
      errors_.erase(errors_.begin());
    }
  }

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
  struct InFlight {
    uint64_t index;
    int64_t line;
    sitrep::v1::PublishRequest request;
  };
  std::deque<InFlight> pending_ ABSL_GUARDED_BY(mu_);
  std::deque<RateLimited> retry_ ABSL_GUARDED_BY(mu_);
  int64_t rate_limited_ ABSL_GUARDED_BY(mu_) = 0;
  bool acks_ended_ ABSL_GUARDED_BY(mu_) = false;
  int64_t stored_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t server_failed_ ABSL_GUARDED_BY(mu_) = 0;  // of failed_: refused by the server
  int64_t last_line_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t lines_ ABSL_GUARDED_BY(mu_) = 0;  // non-blank lines read
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::multimap<int64_t, std::string> errors_ ABSL_GUARDED_BY(mu_);  // not printed yet
  absl::Time last_progress_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool progress_shown_ ABSL_GUARDED_BY(mu_) = false;
};

// Turns the input's lines into the stream's requests. Its methods run on
// the stream's writing side only (FeedClient::PublishStream's `next`).
class ImportReader {
 public:
  // `in` and `state` must outlive the reader.
  ImportReader(std::istream* in, ImportState* state) : in_(in), state_(state) {}

  // Lines already read into the stream's buffer go out together, as one
  // PublishRequest.batch: gRPC's cost per message, not the bytes, bounds a
  // stream of single updates. A line that has to be waited for (a pipe fed
  // slowly) is sent at once, alone.
  bool Next(sitrep::v1::PublishRequest* request) {
    sitrep::v1::PublishRequest first;
    for (;;) {
      // Lines refused for the rate limit go first, once due; at the end of
      // the input the stream stays open until every line was answered.
      std::vector<RateLimited> again =
          state_->TakeRateLimited(input_done_, kImportBatchRequests);
      if (!again.empty()) {
        for (RateLimited& one : again) {
          state_->Sent(index_++, one.line, one.request);
          *(again.size() == 1 ? request : request->add_batch()) =
              std::move(one.request);
        }
        return true;
      }
      if (input_done_ || state_->stopping()) return false;
      if (ReadOne(&first)) break;
    }
    if (in_->rdbuf()->in_avail() <= 0) {
      *request = std::move(first);
      return true;
    }
    size_t bytes = first.ByteSizeLong();
    *request->add_batch() = std::move(first);
    while (request->batch_size() < kImportBatchRequests &&
           bytes < kImportBatchBytes && in_->rdbuf()->in_avail() > 0) {
      sitrep::v1::PublishRequest* slot = request->add_batch();
      if (!ReadOne(slot)) {  // the rest was blank or bad, or the end
        request->mutable_batch()->RemoveLast();
        break;
      }
      bytes += slot->ByteSizeLong();
    }
    return true;
  }

 private:
  // The next good line as a request; false at the end of the input.
  bool ReadOne(sitrep::v1::PublishRequest* request) {
    while (!state_->stopping() && std::getline(*in_, line_)) {
      ++line_number_;
      if (absl::StripAsciiWhitespace(line_).empty()) continue;
      absl::StatusOr<sitrep::v1::PublishRequest> parsed = ParsePublishJson(line_);
      if (!parsed.ok()) {
        state_->LineFailed(line_number_, std::string(parsed.status().message()));
        continue;
      }
      *request = *std::move(parsed);
      if (request->update().event_id().empty()) {
        request->mutable_update()->set_event_id(DeriveEventId(*request));
      }
      state_->Sent(index_++, line_number_, *request);
      return true;
    }
    input_done_ = true;
    return false;
  }

  std::istream* const in_;
  ImportState* const state_;
  int64_t line_number_ = 0;
  uint64_t index_ = 0;
  std::string line_;
  bool input_done_ = false;
};

// The summary and the exit code once the stream has ended with `status`.
int FinishImport(ImportState& state, grpc::Status status, const GlobalFlags& global) {
  if (state.stopping() && status.ok()) {
    state.Summary("; interrupted: re-run to finish (stored lines come back as duplicates)");
    return kExitInterrupted;
  }
  if (!status.ok() || state.unacked() > 0) {
    if (state.answered() == 0 && ExitCodeFor(status) == kExitUnavailable) {
      // Not "0 lines": the file's lines are there, the server is not.
      state.NothingAnswered();
      return ReportRpcError("import", status, global.server);
    }
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

int RunImport(const ImportFlags& flags, const GlobalFlags& global) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (flags.input == "-") {
    // A buffered std::cin (nothing was read from it yet): in_avail() then
    // tells the lines already piped in, which ImportReader sends as batches.
    std::ios::sync_with_stdio(false);
  } else {
    file.open(flags.input);
    if (!file) return ReportUsageError(absl::StrCat("cannot read ", flags.input));
    in = &file;
  }
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  ImportState state(CountLines(flags.input), isatty(STDERR_FILENO) != 0, flags.quiet);
  // The first Ctrl-C ends the input: what was sent is still answered, so
  // the summary counts exactly what was stored. A second one exits at once.
  OnStopSignal([&state] { state.Stop(); });
  ImportReader reader(in, &state);
  auto on_ack = [&state](const sitrep::v1::PublishAck& ack) {
    if (ack.batch_size() == 0) {
      state.Acked(ack);
      return;
    }
    for (const sitrep::v1::PublishAck& one : ack.batch()) state.Acked(one);
  };
  grpc::Status status = (*client)->PublishStream(
      [&reader](sitrep::v1::PublishRequest* request) { return reader.Next(request); }, on_ack,
      [&state] { state.AcksEnded(); });
  OnStopSignal(nullptr);
  return FinishImport(state, std::move(status), global);
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
  app->add_option("--format", flags->format,
                  "jsonl (default) | cap: the input is one CAP 1.2 alert (docs/interop.md)")
      ->check(CLI::IsMember({"jsonl", "cap"}));
  app->add_option("--mission", flags->mission,
                  "--format cap: the mission to publish as when the alert names none");
  Command command;
  command.app = app;
  command.run = [flags, global] {
    if (flags->format == "cap") return RunCapImport(flags->input, flags->mission, *global);
    return RunImport(*flags, *global);
  };
  return command;
}

}  // namespace sitrep::cli
