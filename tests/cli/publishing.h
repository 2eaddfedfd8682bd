// Publishing to a real sitrepd over gRPC for the process tests: one publish
// that rides out a NATS failover, and a burst from several threads that
// records what was acknowledged (for the kill -9 tests of both stores).
#ifndef SITREP_TESTS_CLI_PUBLISHING_H_
#define SITREP_TESTS_CLI_PUBLISHING_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::testing {

// A valid stand-alone KFOR patrol report with this event_id, whose headline
// and description are made from it (so that its content can be checked).
v1::PublishRequest PatrolRequest(const std::string& event_id);

// How a PublishBurst thread publishes.
enum class PublishMode {
  kUnary,        // one Publish call per update
  kStream,       // one PublishStream, one request per message
  kStreamBatch,  // one PublishStream, kBurstBatchSize requests per message
};
inline constexpr int kBurstBatchSize = 16;

// Publishes PatrolRequest(event_id), retrying while sitrepd answers
// UNAVAILABLE or the call times out (a NATS node died and the stream is
// electing a leader), at most `attempts` calls of at most 30 s each. A retry
// of an update an earlier attempt stored is a duplicate: its sequence is
// returned. 0 (and a test failure) when every attempt failed.
uint64_t PublishRetrying(v1::SituationFeed::Stub& stub,
                         const std::string& event_id, int attempts = 20);

// `threads` publishers on `stub` with event ids "<prefix><thread>-<n>" until
// a call or stream fails (sitrepd was killed) or Stop(). Thread i publishes
// the way modes[i % modes.size()] says; a stream thread waits for each
// message's ack before it writes the next. Each acknowledged event id is
// recorded with the sequence it was given.
class PublishBurst {
 public:
  PublishBurst(v1::SituationFeed::Stub* stub, int threads, std::string prefix,
               std::vector<PublishMode> modes = {PublishMode::kUnary});
  ~PublishBurst();  // Stop()

  // Waits until at least `count` publishes were acknowledged.
  bool WaitForAcks(size_t count, absl::Duration timeout = absl::Seconds(60));
  // Waits for every publisher to end (after a failed call); true if all did
  // within `timeout`.
  bool WaitForEnd(absl::Duration timeout = absl::Seconds(60));
  // Tells the publishers to stop after their current call and joins them.
  void Stop();

  // event_id -> sequence of every acknowledged publish so far.
  std::map<std::string, uint64_t> acked() const;

 private:
  void Run(int id);
  void RunUnary(int id);
  void RunStream(int id, int per_message);
  // Records an acknowledged publish; false once Stop() was called.
  bool Record(const std::string& event_id, uint64_t sequence);

  v1::SituationFeed::Stub* const stub_;
  const std::string prefix_;
  const std::vector<PublishMode> modes_;
  mutable absl::Mutex mu_;
  std::map<std::string, uint64_t> acked_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_CLI_PUBLISHING_H_
