// `sitrep demo`: publishes a synthetic Kosovo feed at a chosen rate.
#include <unistd.h>

#include <cstdio>
#include <deque>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/synchronization/mutex.h"
#include "client/commands/commands.h"
#include "client/demo_feed.h"
#include "client/filter_flags.h"
#include "client/output.h"
#include "client/status_text.h"
#include "client/stop_signal.h"

namespace sitrep::cli {
namespace {

struct DemoFlags {
  uint64_t seed = 0;
  std::string run_id;
  double rate = 2.0;
  int64_t count = 0;
  std::string duration;
  bool verbose = false;
};

std::string DefaultRunId() {
  // Base-36 seconds since 2024: short, and new for every run.
  int64_t t = absl::ToUnixSeconds(absl::Now()) - 1704067200;
  std::string out;
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  do {
    out.insert(out.begin(), digits[t % 36]);
    t /= 36;
  } while (t > 0);
  return absl::StrCat("demo-", out);
}

int RunDemo(const DemoFlags& flags, const CLI::App& app, const GlobalFlags& global) {
  if (!(flags.rate > 0) || flags.rate > 100000) {
    return ReportUsageError("--rate: must be > 0 and at most 100000 updates/s");
  }
  if (flags.count < 0) return ReportUsageError("--count: must be >= 0");
  absl::Duration duration = absl::InfiniteDuration();
  if (!flags.duration.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDurationFlag(flags.duration, "--duration");
    if (!d.ok()) return ReportUsageError(d.status());
    duration = *d;
  }
  for (char c : flags.run_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return ReportUsageError("--run-id: only letters, digits and '-'");
    }
  }
  const uint64_t seed = app.count("--seed") > 0
                            ? flags.seed
                            : static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) % 1000000;
  const std::string run_id = flags.run_id.empty() ? DefaultRunId() : flags.run_id;

  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  FeedClient* feed = client->get();
  OnStopSignal([feed] { feed->Cancel(); });
  std::fprintf(stderr,
               "demo: publishing %g updates/s to %s (seed %llu, run %s)%s; Ctrl-C stops\n",
               flags.rate, global.server.c_str(), static_cast<unsigned long long>(seed),
               run_id.c_str(),
               flags.count > 0 ? absl::StrCat(", ", flags.count, " updates").c_str() : "");

  DemoFeed demo(seed, run_id);
  absl::Mutex mu;
  std::deque<sitrep::v1::PublishRequest> pending;
  int64_t stored = 0;
  int64_t failed = 0;
  RenderOptions render;
  render.color = ColorByDefault();
  bool header = false;

  const absl::Time start = absl::Now();
  int64_t sent = 0;
  auto next = [&](sitrep::v1::PublishRequest* request) -> bool {
    if (flags.count > 0 && sent >= flags.count) return false;
    // Pace: update n goes out at start + n / rate.
    const absl::Time due = start + absl::Seconds(static_cast<double>(sent) / flags.rate);
    if (due - start >= duration) return false;
    while (absl::Now() < due) {
      if (feed->cancelled()) return false;
      absl::SleepFor(std::min(due - absl::Now(), absl::Milliseconds(100)));
    }
    if (feed->cancelled()) return false;
    *request = demo.Next();
    const int64_t nanos = absl::ToUnixNanos(absl::Now());
    request->mutable_update()->mutable_occurred_at()->set_seconds(nanos / 1000000000);
    request->mutable_update()->mutable_occurred_at()->set_nanos(
        static_cast<int32_t>(nanos % 1000000000));
    {
      absl::MutexLock lock(&mu);
      pending.push_back(*request);
    }
    ++sent;
    return true;
  };
  auto on_ack = [&](const sitrep::v1::PublishAck& ack) {
    absl::MutexLock lock(&mu);
    sitrep::v1::PublishRequest request;
    if (!pending.empty()) {
      request = std::move(pending.front());
      pending.pop_front();
    }
    if (ack.has_error()) {
      ++failed;
      std::fprintf(stderr, "demo: %s (%s): %s: %s\n", request.update().event_id().c_str(),
                   request.update().headline().c_str(),
                   RpcCodeName(ack.error().code()).c_str(), ack.error().message().c_str());
      return;
    }
    ++stored;
    if (flags.verbose) {
      if (!header) {
        std::fputs(UpdateTableHeader(render).c_str(), stdout);
        header = true;
      }
      request.mutable_update()->set_sequence(ack.sequence());
      std::fputs(UpdateTableRow(request.update(), render).c_str(), stdout);
      std::fflush(stdout);
    }
  };
  grpc::Status status = feed->PublishStream(next, on_ack);
  OnStopSignal(nullptr);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  absl::MutexLock lock(&mu);
  std::fprintf(stderr, "demo: %lld published, %lld failed in %.1fs; %zu incidents still open\n",
               static_cast<long long>(stored), static_cast<long long>(failed), seconds,
               demo.open_incidents());
  if (!status.ok() && !feed->cancelled()) {
    return ReportRpcError("demo", status, global.server);
  }
  return failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace

Command AddDemoCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* app = root->add_subcommand(
      "demo",
      "Publish a realistic synthetic feed: Kosovo Police open incidents across "
      "the municipalities, request EULEX support, some escalate to KFOR, all "
      "get resolved; plus patrols, border crossing status (Jarinje, Bërnjak, "
      "...) and liaison meetings. The same --seed and --run-id give the same "
      "sequence of updates.");
  app->add_option("--seed", flags->seed, "PRNG seed (default: from the clock, printed)");
  app->add_option("--run-id", flags->run_id,
                  "Prefix of incident and event ids (default: new per run, so "
                  "incident ids never clash with an earlier run's)");
  app->add_option("--rate", flags->rate, "Updates per second (default 2)");
  app->add_option("-n,--count", flags->count, "Stop after N updates (default: never)");
  app->add_option("--duration", flags->duration, "Stop after this long (30s, 10m)");
  app->add_flag("-v,--verbose", flags->verbose, "Print every published update");
  Command command;
  command.app = app;
  command.run = [flags, global, app] { return RunDemo(*flags, *app, *global); };
  return command;
}

}  // namespace sitrep::cli
