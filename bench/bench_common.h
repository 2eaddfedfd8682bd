// What every sitrep-bench scenario shares: the clock of its timestamps,
// its RESULT lines and notes, percentiles and bounded waits.
//
//   Result("ingest fsync=batch", "sitrep", "stream acked/s", rate);
//   // RESULT<TAB>ingest fsync=batch<TAB>sitrep<TAB>stream acked/s<TAB>51234
#ifndef SITREP_BENCH_BENCH_COMMON_H_
#define SITREP_BENCH_BENCH_COMMON_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sitrep::bench {

// Steady-clock nanoseconds: publish times in label "b" and latencies.
inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// One figure on stdout: RESULT<TAB>scenario<TAB>system<TAB>figure<TAB>value
// (bench/run.sh and docs/performance.md read these; keep the names).
void Result(const std::string& scenario, const std::string& system,
            const std::string& figure, double value);

// A line on stderr, prefixed "sitrep-bench: ".
void Note(const char* format, ...) __attribute__((format(printf, 1, 2)));

// Percentile of sorted values (nearest rank); 0 when empty.
template <typename T>
double Percentile(const std::vector<T>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()));
  if (rank >= sorted.size()) rank = sorted.size() - 1;
  return static_cast<double>(sorted[rank]);
}

// Waits until pred() or timeout; true if pred().
template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// The outcome of a run: exit 1 under --check when it is not zero.
struct FanoutOutcome {
  uint64_t failures = 0;  // losses + duplicates + reorders + violations
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_BENCH_COMMON_H_
