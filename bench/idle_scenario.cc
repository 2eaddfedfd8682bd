// --scenario=idle: --idle_subscribers idle subscribers; the server's RSS
// delta per subscriber.
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
#include "bench/system_under_test.h"

namespace sitrep::bench {

void RunIdle(const std::string& system_name) {
  const std::string scenario = "idle";
  const int n = absl::GetFlag(FLAGS_idle_subscribers);
  System system{system_name};
  if (!system.Start(absl::GetFlag(FLAGS_fsync))) return;
  std::vector<Channel> channels =
      MakeChannels(system.process.address(), absl::GetFlag(FLAGS_channels));
  absl::SleepFor(absl::Milliseconds(500));
  const ProcStats before = system.Stats();
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < n; ++i) {
    subscribers.push_back(std::make_unique<Subscriber>(i % 3));
    subscribers.back()->Start(&channels[static_cast<size_t>(i) % channels.size()],
                              MissionRequest(i % 3, 3600));
  }
  int started = 0;
  WaitFor(
      [&] {
        started = 0;
        for (auto& s : subscribers) started += s->caught_up() ? 1 : 0;
        return started == n;
      },
      absl::Seconds(180));
  absl::SleepFor(absl::Seconds(2));
  const ProcStats after = system.Stats();
  Result(scenario, system_name, "subscribers", started);
  Result(scenario, system_name, "RSS KiB/subscriber",
         started > 0 ? (after.rss_kib - before.rss_kib) / started : 0);
  Result(scenario, system_name, "server CPU s",
         after.cpu_seconds - before.cpu_seconds);
  Result(scenario, system_name, "server peak RSS MiB", after.peak_rss_kib / 1024);
  CancelAll(subscribers);
  system.process.Stop();
}

}  // namespace sitrep::bench
