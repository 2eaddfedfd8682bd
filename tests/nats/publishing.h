// Publishing to a real sitrepd over gRPC for the nats-labelled process
// tests: one publish that rides out a NATS failover, and a burst from
// several threads that records what was acknowledged (for kill -9 tests).
#ifndef SITREP_TESTS_NATS_PUBLISHING_H_
#define SITREP_TESTS_NATS_PUBLISHING_H_

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

// A valid stand-alone KFOR patrol report with this event_id.
v1::PublishRequest PatrolRequest(const std::string& event_id);

// Publishes PatrolRequest(event_id), retrying while sitrepd answers
// UNAVAILABLE or the call times out (a NATS node died and the stream is
// electing a leader), at most `attempts` calls of at most 30 s each. A retry
// of an update an earlier attempt stored is a duplicate: its sequence is
// returned. 0 (and a test failure) when every attempt failed.
uint64_t PublishRetrying(v1::SituationFeed::Stub& stub,
                         const std::string& event_id, int attempts = 20);

// `threads` publishers calling Publish on `stub` with event ids
// "<prefix><thread>-<n>" until a call fails (sitrepd was killed) or Stop().
// Each acknowledged event id is recorded with the sequence it was given.
class PublishBurst {
 public:
  PublishBurst(v1::SituationFeed::Stub* stub, int threads, std::string prefix);
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

  v1::SituationFeed::Stub* const stub_;
  const std::string prefix_;
  mutable absl::Mutex mu_;
  std::map<std::string, uint64_t> acked_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_NATS_PUBLISHING_H_
