// The gRPC server a sitrep-bench scenario measures, sitrepd or the
// ceiling server, run as a child process in a fresh temp dir.
#ifndef SITREP_BENCH_SYSTEM_UNDER_TEST_H_
#define SITREP_BENCH_SYSTEM_UNDER_TEST_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/server_process.h"
#include "tests/support/temp_dir.h"

namespace sitrep::bench {

// Not thread-safe: Start and Stop from one thread, Stats() from any.
struct System {
  explicit System(std::string system_name) : name(std::move(system_name)) {}

  std::string name;  // sitrep | ceiling
  testing::TempDir dir;
  ServerProcess process;

  // Starts --sitrepd (on dir/data, --fsync=fsync, no per-principal limits,
  // metrics on a free port, no HTTP) or --ceiling with `extra` flags
  // appended; false when it did not come up.
  bool Start(const std::string& fsync, std::vector<std::string> extra = {});
  ProcStats Stats() const { return ReadProcStats(process.pid()); }
  // The size of sitrepd's SQLite WAL file now (0 when there is none yet);
  // -1 for the ceiling, which stores nothing.
  int64_t WalBytes() const;
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_SYSTEM_UNDER_TEST_H_
