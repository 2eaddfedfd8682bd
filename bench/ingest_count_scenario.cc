// --scenario=ingest-count: exactly --ingest_count updates through one
// PublishStream, --publish_batch per message (1: one update per message),
// then every ack awaited. A fixed workload, so that two sitrepd binaries
// can be compared by the instructions they execute (valgrind's callgrind):
// the ingest scenario runs for a --duration, so a slower server gets fewer
// updates and another mix. With --ingest_address it publishes to a
// sitrepd started by the caller (under valgrind, say:
// bench/callgrind_ingest.sh); without, it starts --sitrepd itself.
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/grpc_channels.h"
#include "bench/scenarios.h"
#include "bench/stream_publisher.h"
#include "bench/system_under_test.h"

ABSL_FLAG(int64_t, ingest_count, 20000,
          "ingest-count: the updates to publish");
ABSL_FLAG(std::string, ingest_address, "",
          "ingest-count: host:port of a running sitrepd (empty: start "
          "--sitrepd with --fsync=off)");

namespace sitrep::bench {

void RunIngestCount(FanoutOutcome* outcome) {
  const std::string scenario = "ingest-count";
  const int64_t count = absl::GetFlag(FLAGS_ingest_count);
  const int batch = absl::GetFlag(FLAGS_publish_batch);
  std::string address = absl::GetFlag(FLAGS_ingest_address);
  System system{"sitrep"};
  if (address.empty()) {
    if (!system.Start("off")) {
      ++outcome->failures;
      return;
    }
    address = system.process.address();
  }
  std::vector<Channel> channels = MakeChannels(address, 1);
  StreamPublisher publisher(channels[0].stub.get(),
                            absl::StrCat("cnt", getpid()), batch);
  const size_t window = static_cast<size_t>(absl::GetFlag(FLAGS_window));
  const absl::Time t0 = absl::Now();
  int64_t g = 0;
  while (g < count && publisher.Publish(g, window)) ++g;
  // Bounded: a server under valgrind is some 50 times slower.
  const bool acked = publisher.WaitAcked(absl::Minutes(30));
  const double seconds = Seconds(absl::Now() - t0);
  Result(scenario, "sitrep", "published", static_cast<double>(g));
  Result(scenario, "sitrep", "acked", static_cast<double>(publisher.acked()));
  Result(scenario, "sitrep", "errors", static_cast<double>(publisher.errors()));
  Result(scenario, "sitrep", "seconds", seconds);
  if (g < count || !acked || publisher.errors() > 0) ++outcome->failures;
  publisher.Close();
}

}  // namespace sitrep::bench
