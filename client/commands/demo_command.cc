// `sitrep demo`: publishes a synthetic Kosovo feed at a chosen rate.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/synchronization/mutex.h"
#include "absl/base/thread_annotations.h"
#include "client/backoff.h"
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
  std::string step_every = "40s";
  std::string incident_every = "30s";
  std::string expiry = "30m";
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

bool Retryable(int code) {
  // UNAVAILABLE: the server restarts or its store is away; RESOURCE_EXHAUSTED:
  // the publish rate limit; ABORTED / DEADLINE_EXCEEDED: worth another try.
  return code == static_cast<int>(grpc::StatusCode::UNAVAILABLE) ||
         code == static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED) ||
         code == static_cast<int>(grpc::StatusCode::ABORTED) ||
         code == static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED);
}

// What the publishing loop shares with the ack reader and the signal thread.
struct DemoState {
  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  // An ack asked for a retry: end the stream, then resend.
  bool retry ABSL_GUARDED_BY(mu) = false;
  // Sent on the current stream, not acked yet (in order).
  std::deque<sitrep::v1::PublishRequest> pending ABSL_GUARDED_BY(mu);
  // Acked with a retryable error on the current stream.
  std::deque<sitrep::v1::PublishRequest> refused ABSL_GUARDED_BY(mu);
  // To go out first on the next stream, with their event ids: a request
  // the broken stream had stored comes back as a duplicate, not twice.
  std::deque<sitrep::v1::PublishRequest> resend ABSL_GUARDED_BY(mu);
  int64_t stored ABSL_GUARDED_BY(mu) = 0;
  int64_t duplicates ABSL_GUARDED_BY(mu) = 0;
  int64_t failed ABSL_GUARDED_BY(mu) = 0;
  bool acked_one ABSL_GUARDED_BY(mu) = false;  // since the last backoff
  bool ever_acked ABSL_GUARDED_BY(mu) = false;
};

// Closes the incidents the demo left open, each by the mission that leads
// it (asked of the server: the demo's own idea of it is wrong when some
// updates failed). Retries unavailable servers for up to `patience`.
// Returns how many are still open.
size_t CloseOpenIncidents(const DemoFeed& demo, const GlobalFlags& global,
                          absl::Duration patience) {
  const std::vector<DemoFeed::OpenIncident> open = demo.OpenIncidents();
  if (open.empty()) return 0;
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return open.size();
  std::fprintf(stderr, "demo: closing %zu open incident%s\n", open.size(),
               open.size() == 1 ? "" : "s");
  const absl::Time now = absl::Now();  // one stamp: a retry is a duplicate
  const absl::Time give_up = now + patience;
  Backoff backoff(BackoffOptions{}, static_cast<uint64_t>(absl::ToUnixNanos(now)));
  size_t left = 0;
  for (const DemoFeed::OpenIncident& incident : open) {
    bool done = false;
    while (!done) {
      sitrep::v1::GetIncidentRequest get;
      get.set_incident_id(incident.id);
      sitrep::v1::IncidentThread thread;
      grpc::Status status = (*client)->GetIncident(get, &thread);
      sitrep::v1::Mission lead = incident.lead;
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) break;  // never stored
      if (status.ok()) {
        if (thread.incident().closed()) break;
        if (thread.incident().lead().mission() != sitrep::v1::MISSION_UNSPECIFIED) {
          lead = thread.incident().lead().mission();
        }
        sitrep::v1::PublishResponse response;
        status = (*client)->Publish(demo.CloseRequest(incident.id, lead, now), &response);
        if (status.ok()) {
          done = true;
          break;
        }
      }
      if (!Retryable(static_cast<int>(status.error_code())) || absl::Now() >= give_up) {
        std::fprintf(stderr, "demo: could not close %s: %s\n", incident.id.c_str(),
                     FormatStatus(status).c_str());
        break;
      }
      absl::SleepFor(std::min(backoff.Next(), give_up - absl::Now()));
    }
    if (!done) {
      // NOT_FOUND and closed incidents are no leftovers.
      sitrep::v1::GetIncidentRequest get;
      get.set_incident_id(incident.id);
      sitrep::v1::IncidentThread thread;
      grpc::Status status = (*client)->GetIncident(get, &thread);
      if (!(status.error_code() == grpc::StatusCode::NOT_FOUND ||
            (status.ok() && thread.incident().closed()))) {
        ++left;
      }
    }
  }
  return left;
}

// A stream's end that is an answer, not an outage (credentials, ...): the
// demo stops and says so.
bool IsAnswer(const grpc::Status& status) {
  return !status.ok() && !Retryable(static_cast<int>(status.error_code())) &&
         status.error_code() != grpc::StatusCode::CANCELLED;
}

// What the flags decide, checked.
struct DemoPlan {
  absl::Duration duration = absl::InfiniteDuration();
  DemoOptions options;
  uint64_t seed = 0;
  std::string run_id;
};

absl::StatusOr<DemoPlan> MakeDemoPlan(const DemoFlags& flags, const CLI::App& app) {
  if (!(flags.rate > 0) || flags.rate > 100000) {
    return absl::InvalidArgumentError("--rate: must be > 0 and at most 100000 updates/s");
  }
  if (flags.count < 0) return absl::InvalidArgumentError("--count: must be >= 0");
  DemoPlan plan;
  if (!flags.duration.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDurationFlag(flags.duration, "--duration");
    if (!d.ok()) return d.status();
    plan.duration = *d;
  }
  const std::pair<const std::string*, absl::Duration*> durations[] = {
      {&flags.step_every, &plan.options.step_every},
      {&flags.incident_every, &plan.options.incident_every},
      {&flags.expiry, &plan.options.expiry}};
  const char* const names[] = {"--step-every", "--incident-every", "--expiry"};
  for (size_t i = 0; i < 3; ++i) {
    absl::StatusOr<absl::Duration> d = ParseDurationFlag(*durations[i].first, names[i]);
    if (!d.ok()) return d.status();
    if (*d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(names[i], ": must be positive"));
    }
    *durations[i].second = *d;
  }
  for (char c : flags.run_id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return absl::InvalidArgumentError("--run-id: only letters, digits and '-'");
    }
  }
  plan.seed = app.count("--seed") > 0
                  ? flags.seed
                  : static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) % 1000000;
  plan.run_id = flags.run_id.empty() ? DefaultRunId() : flags.run_id;
  return plan;
}

// Publishes the demo feed over PublishStream, stream after stream: paces the
// new requests, counts the acks and sends again, with their event ids, what
// a broken stream left unacked. Next and OnAck run on the stream's threads
// (FeedClient::PublishStream), Run on the caller's.
class DemoPublisher {
 public:
  // Every pointer must outlive the publisher.
  DemoPublisher(const DemoFlags* flags, const GlobalFlags& global, absl::Duration duration,
                DemoFeed* demo, DemoState* state)
      : flags_(*flags), duration_(duration), demo_(*demo), state_(*state) {
    if (absl::StatusOr<RenderOptions> options = MakeRenderOptions(global, /*no_color=*/false);
        options.ok()) {
      render_ = *options;
    }
  }

  // Publishes until --count, --duration, a stop signal or an answer that is
  // not an outage; returns the last stream's status.
  grpc::Status Run(FeedClient* feed, uint64_t seed) {
    Backoff backoff(BackoffOptions{}, seed);
    grpc::Status status;
    while (true) {
      {
        absl::MutexLock lock(&state_.mu);
        pace_start_ = absl::Now();
        pace_sent_ = 0;
        state_.retry = false;
        state_.acked_one = false;
      }
      status = feed->PublishStream(
          [this](sitrep::v1::PublishRequest* request) { return Next(request); },
          [this](const sitrep::v1::PublishAck& ack) { OnAck(ack); });
      absl::MutexLock lock(&state_.mu);
      RequeueUnackedLocked();
      if (StreamsEndLocked(status)) break;
      if (state_.acked_one) backoff.Reset();
      const absl::Duration delay = backoff.Next();
      std::fprintf(stderr,
                   "demo: %s; retrying in %s (%zu update%s to send again, same event ids)\n",
                   status.ok() ? "the server asked to retry" : FormatStatus(status).c_str(),
                   absl::FormatDuration(absl::Trunc(delay, absl::Milliseconds(1))).c_str(),
                   state_.resend.size(), state_.resend.size() == 1 ? "" : "s");
      state_.mu.AwaitWithTimeout(absl::Condition(&state_.stopping), delay);
      if (state_.stopping) break;
      status = grpc::Status::OK;
    }
    return status;
  }

  absl::Time start() const { return start_; }

 private:
  // Whatever the stream did not ack goes out again, in order, behind the
  // requests an ack asked to retry.
  void RequeueUnackedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_.mu) {
    for (auto it = state_.pending.rbegin(); it != state_.pending.rend(); ++it) {
      state_.resend.push_front(std::move(*it));
    }
    state_.pending.clear();
    for (auto it = state_.refused.rbegin(); it != state_.refused.rend(); ++it) {
      state_.resend.push_front(std::move(*it));
    }
    state_.refused.clear();
  }

  // Whether no stream follows the one that ended with `status`.
  bool StreamsEndLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_.mu) {
    if (state_.stopping) return true;
    if (status.ok() && !state_.retry && state_.resend.empty()) return true;  // --count / --duration
    // A server never reached is a wrong address, not a restart: say so.
    if (!state_.ever_acked && status.error_code() == grpc::StatusCode::UNAVAILABLE) return true;
    if (IsAnswer(status)) return true;
    return state_.resend.empty() && !BudgetLeft();
  }

  bool BudgetLeft() const {
    return (flags_.count == 0 || sent_ < flags_.count) && absl::Now() - start_ < duration_;
  }

  // The next request: a resend first, else a new one when its pace is due.
  bool Next(sitrep::v1::PublishRequest* request) {
    absl::MutexLock lock(&state_.mu);
    if (state_.stopping || state_.retry) return false;
    if (!state_.resend.empty()) {
      *request = std::move(state_.resend.front());
      state_.resend.pop_front();
      state_.pending.push_back(*request);
      return true;
    }
    if (flags_.count > 0 && sent_ >= flags_.count) return false;
    const absl::Time due =
        pace_start_ + absl::Seconds(static_cast<double>(pace_sent_) / flags_.rate);
    if (due - start_ >= duration_) return false;
    state_.mu.AwaitWithDeadline(absl::Condition(&state_.stopping), due);
    if (state_.stopping) return false;
    *request = demo_.Next(absl::Now());
    state_.pending.push_back(*request);
    ++sent_;
    ++pace_sent_;
    return true;
  }

  void OnAck(const sitrep::v1::PublishAck& ack) {
    absl::MutexLock lock(&state_.mu);
    sitrep::v1::PublishRequest request;
    if (!state_.pending.empty()) {
      request = std::move(state_.pending.front());
      state_.pending.pop_front();
    }
    if (ack.has_error()) {
      if (Retryable(ack.error().code())) {
        state_.refused.push_back(std::move(request));
        state_.retry = true;
        return;
      }
      ++state_.failed;
      std::fprintf(stderr, "demo: %s (%s): %s: %s\n", request.update().event_id().c_str(),
                   request.update().headline().c_str(),
                   RpcCodeName(ack.error().code()).c_str(), ack.error().message().c_str());
      return;
    }
    state_.acked_one = true;
    state_.ever_acked = true;
    if (ack.duplicate()) {
      ++state_.duplicates;
      return;
    }
    ++state_.stored;
    if (flags_.verbose) PrintStored(request, ack.sequence());
  }

  void PrintStored(sitrep::v1::PublishRequest& request, uint64_t sequence) {
    if (!header_) {
      std::fputs(UpdateTableHeader(render_).c_str(), stdout);
      header_ = true;
    }
    request.mutable_update()->set_sequence(sequence);
    std::fputs(UpdateTableRow(request.update(), render_).c_str(), stdout);
    std::fflush(stdout);
  }

  const DemoFlags& flags_;
  const absl::Duration duration_;
  DemoFeed& demo_;
  DemoState& state_;
  RenderOptions render_;
  const absl::Time start_ = absl::Now();
  bool header_ = false;  // under state_.mu, in OnAck
  int64_t sent_ = 0;     // new requests made (not counting resends)
  // Pace: the n-th new request of a stream goes out at pace_start_ + n / rate
  // (reset per stream, so an outage is not followed by a burst).
  absl::Time pace_start_;
  int64_t pace_sent_ = 0;
};

int RunDemo(const DemoFlags& flags, const CLI::App& app, const GlobalFlags& global) {
  absl::StatusOr<DemoPlan> plan = MakeDemoPlan(flags, app);
  if (!plan.ok()) return ReportUsageError(plan.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  DemoState state;
  // The first signal ends the stream after its acks and closes the open
  // incidents; a second one exits at once (stop_signal.h).
  OnStopSignal([&state] {
    absl::MutexLock lock(&state.mu);
    state.stopping = true;
  });
  std::fprintf(stderr,
               "demo: publishing %g updates/s to %s (seed %llu, run %s)%s; Ctrl-C stops "
               "(and closes the demo's incidents)\n",
               flags.rate, global.server.c_str(), static_cast<unsigned long long>(plan->seed),
               plan->run_id.c_str(),
               flags.count > 0 ? absl::StrCat(", ", flags.count, " updates").c_str() : "");

  DemoFeed demo(plan->seed, plan->run_id, plan->options);
  DemoPublisher publisher(&flags, global, plan->duration, &demo, &state);
  const grpc::Status status = publisher.Run(client->get(), plan->seed);
  // The demo leaves nothing behind: its open incidents are closed by their
  // lead (and expire by themselves should that fail).
  bool reached = false;
  {
    absl::MutexLock lock(&state.mu);
    reached = state.ever_acked;
  }
  const size_t left = reached ? CloseOpenIncidents(demo, global, absl::Seconds(30)) : 0;
  OnStopSignal(nullptr);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - publisher.start());
  absl::MutexLock lock(&state.mu);
  std::fprintf(stderr,
               "demo: %lld published, %lld duplicates (resent), %lld failed in %.1fs; "
               "%zu incidents left open\n",
               static_cast<long long>(state.stored), static_cast<long long>(state.duplicates),
               static_cast<long long>(state.failed), seconds, left);
  const bool never_reached =
      !state.ever_acked && status.error_code() == grpc::StatusCode::UNAVAILABLE;
  if (never_reached || IsAnswer(status)) return ReportRpcError("demo", status, global.server);
  return state.failed > 0 || left > 0 ? kExitFailed : kExitOk;
}

}  // namespace

Command AddDemoCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* app = root->add_subcommand(
      "demo",
      "Publish a realistic synthetic feed that plays the security chain by its "
      "rules: Kosovo Police open incidents, ask EULEX for support, EULEX "
      "acknowledges and may take the lead and ask KFOR, the lead hands back "
      "and resolves; plus patrols, border crossing status (Jarinje, Bërnjak, "
      "...) and liaison meetings. Survives server restarts (resends with the "
      "same event ids); Ctrl-C closes the demo's open incidents before exiting.");
  app->add_option("--seed", flags->seed, "PRNG seed (default: from the clock, printed)");
  app->add_option("--run-id", flags->run_id,
                  "Prefix of incident and event ids (default: new per run, so "
                  "incident ids never clash with an earlier run's)");
  app->add_option("--rate", flags->rate, "Updates per second (default 2)");
  app->add_option("-n,--count", flags->count, "Stop after N updates (default: never)");
  app->add_option("--duration", flags->duration, "Stop after this long (30s, 10m)");
  app->add_option("--step-every", flags->step_every,
                  "Mean time between two steps of one incident (default 40s: incidents "
                  "last minutes at any rate)");
  app->add_option("--incident-every", flags->incident_every,
                  "Mean time between two new incidents (default 30s; at most 8 open)");
  app->add_option("--expiry", flags->expiry,
                  "expires_at of every demo incident update: its time + this (default 30m)");
  app->add_flag("-v,--verbose", flags->verbose, "Print every published update");
  Command command;
  command.app = app;
  command.run = [flags, global, app] { return RunDemo(*flags, *app, *global); };
  return command;
}

}  // namespace sitrep::cli
