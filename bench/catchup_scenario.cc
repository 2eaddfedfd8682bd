// --scenario=catchup: --catchup_updates stored updates; one subscriber
// from_beginning filtered to one mission; updates/s until CaughtUp.
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/grpc_channels.h"
#include "bench/grpc_subscriber.h"
#include "bench/scenarios.h"
#include "bench/stream_publisher.h"
#include "bench/system_under_test.h"

namespace sitrep::bench {

void RunCatchup(FanoutOutcome* outcome) {
  const std::string scenario = "catchup";
  const int64_t count = absl::GetFlag(FLAGS_catchup_updates);
  System system{"sitrep"};
  // The fill is not what is measured: no fsync.
  if (!system.Start("off")) {
    ++outcome->failures;
    return;
  }
  std::vector<Channel> channels = MakeChannels(system.process.address(), 1);
  int64_t g = 0;
  {
    StreamPublisher publisher(channels[0].stub.get(),
                              absl::StrCat("cat", getpid()),
                              absl::GetFlag(FLAGS_publish_batch));
    const absl::Time t0 = absl::Now();
    const absl::Time end = t0 + absl::GetFlag(FLAGS_fill_timeout);
    while (g < count && absl::Now() < end && publisher.Publish(g, 1024)) ++g;
    publisher.WaitAcked(absl::Seconds(60));
    Note("catchup: stored %lld updates in %.1f s", static_cast<long long>(g),
         Seconds(absl::Now() - t0));
    publisher.Close();
  }
  Result(scenario, "sitrep", "stored updates", static_cast<double>(g));
  const ProcStats stats0 = system.Stats();
  v1::SubscribeRequest request;
  request.mutable_filter()->add_missions(v1::MISSION_KFOR);
  request.set_from_beginning(true);
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  subscribers.push_back(std::make_unique<Subscriber>(0));
  Subscriber& s = *subscribers[0];
  s.Start(&channels[0], request);
  WaitFor([&] { return s.caught_up() || s.done(); }, absl::Seconds(300));
  const uint64_t received = s.received();
  CancelAll(subscribers);
  const ProcStats stats1 = system.Stats();
  if (!s.caught_up()) {
    Note("catchup: no CaughtUp (%s)", s.status().error_message().c_str());
    ++outcome->failures;
    return;
  }
  s.FinishVerification(g);
  const double seconds = s.seconds_to_caught_up();
  Result(scenario, "sitrep", "scanned/s", static_cast<double>(g) / seconds);
  Result(scenario, "sitrep", "delivered/s",
         static_cast<double>(received) / seconds);
  Result(scenario, "sitrep", "seconds", seconds);
  Result(scenario, "sitrep", "lost", static_cast<double>(s.lost()));
  Result(scenario, "sitrep", "duplicates", static_cast<double>(s.duplicates()));
  Result(scenario, "sitrep", "server CPU s",
         stats1.cpu_seconds - stats0.cpu_seconds);
  Result(scenario, "sitrep", "server peak RSS MiB", stats1.peak_rss_kib / 1024);
  outcome->failures += s.lost() + s.duplicates() + s.reordered();
  system.process.Stop();
}

}  // namespace sitrep::bench
