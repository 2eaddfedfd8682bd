#ifndef SITREP_BENCH_SITREPD_CLIENT_H_
#define SITREP_BENCH_SITREPD_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/server_process.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::bench {

// A figure of a scenario: RESULT <scenario> sitrep <figure> <value>.
using ResultFn = std::function<void(const std::string& scenario,
                                    const std::string& figure, double value)>;

// Starts `sitrepd` on data_dir (fsync batch, no per-principal limits,
// metrics on a free port, no HTTP unless `extra` says so) and waits for
// "serving"; null on failure. A ServerProcess is started only once (it
// keeps what the last one said), so every restart is a new one; the port
// file is removed first, so that it cannot name a killed server's port.
std::unique_ptr<ServerProcess> StartSitrepd(
    const std::string& sitrepd, const std::string& data_dir,
    const std::string& port_file, const std::vector<std::string>& extra = {});

// SIGKILL, reaped.
void KillHard(std::unique_ptr<ServerProcess> process);

std::unique_ptr<v1::SituationFeed::Stub> NewStub(const std::string& address);

// One unary Publish, retried until answered (a restarting server refuses
// connections for a moment). False past `timeout`.
bool PublishOne(v1::SituationFeed::Stub* stub,
                const v1::PublishRequest& request, absl::Duration timeout);

// Polls pred every millisecond; true once it holds, false past timeout.
bool WaitUntil(const std::function<bool()>& pred, absl::Duration timeout);

// Seconds on the steady clock since `start`: how long a step took.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_SITREPD_CLIENT_H_
