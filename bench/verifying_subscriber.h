// One subscriber's verification, whatever its transport (gRPC, NATS, SSE):
// every update of its mission exactly once and in order, and the
// publish->deliver latencies while g_recording is on.
#ifndef SITREP_BENCH_VERIFYING_SUBSCRIBER_H_
#define SITREP_BENCH_VERIFYING_SUBSCRIBER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/step_latencies.h"
#include "bench/update_decoder.h"

namespace sitrep::bench {

// VerifyingSubscriber checks one subscriber's stream of g's; its transport
// (bench/grpc_subscriber.h, bench/nats_target.cc, bench/fanout_sse_target.cc)
// calls OnUpdate from one thread at a time. The atomics are what other
// threads read while it runs; the rest is read only after done().

// Phase B of a fan-out: subscribers keep the latencies of what arrives.
inline std::atomic<bool> g_recording{false};

class VerifyingSubscriber {
 public:
  // mission_index 0..2: expects g = mission_index, +3, +6, ...
  explicit VerifyingSubscriber(int mission_index)
      : mission_index_(mission_index) {
    expected_g_.store(mission_index, std::memory_order_relaxed);
  }
  virtual ~VerifyingSubscriber() = default;

  // Ends the subscription; done() turns true once no callback runs any more.
  virtual void Cancel() = 0;

  // Readable any time.
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  bool done() const { return done_.load(std::memory_order_acquire); }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  // Messages that carried at least one update.
  uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }
  uint64_t update_bytes() const {
    return update_bytes_.load(std::memory_order_relaxed);
  }
  int64_t expected_g() const {
    return expected_g_.load(std::memory_order_relaxed);
  }
  int mission_index() const { return mission_index_; }

  // Readable after done().
  const std::vector<int64_t>& latencies() const { return latencies_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t lost() const { return lost_; }
  uint64_t reordered() const { return reordered_; }
  uint64_t contract_violations() const { return contract_violations_; }
  uint64_t gaps() const { return gaps_; }
  double seconds_to_caught_up() const {
    return static_cast<double>(caught_up_ns_ - start_ns_) / 1e9;
  }

  // Counts what never arrived of the `published` updates (g < published).
  void FinishVerification(int64_t published) {
    int64_t e = expected_g();
    while (e < published) {
      ++lost_;
      e += 3;
    }
  }

 protected:
  void OnUpdate(const DecodedUpdate& u, int64_t now, bool recording) {
    if (u.sequence != 0) {  // NATS payloads carry no sitrep sequence
      if (u.sequence <= last_sequence_) ++reordered_;
      last_sequence_ = u.sequence;
    }
    if (u.g < 0 || u.mission != mission_index_ + 1) {
      ++contract_violations_;  // not ours: the filter failed
      return;
    }
    const int64_t e = expected_g_.load(std::memory_order_relaxed);
    // A capacity step counts each update's first delivery (its count then
    // tells a loss, bench/step_latencies.h).
    if (u.g >= e) g_step_latencies.Record(u.g, now - u.t_ns);
    if (u.g == e) {
      expected_g_.store(e + 3, std::memory_order_relaxed);
    } else if (u.g < e) {
      ++duplicates_;
    } else {
      lost_ += static_cast<uint64_t>((u.g - e) / 3);
      expected_g_.store(u.g + 3, std::memory_order_relaxed);
    }
    if (recording) latencies_.push_back(now - u.t_ns);
  }
  void SetCaughtUp(int64_t now) {
    if (!caught_up_.load(std::memory_order_relaxed)) {
      caught_up_ns_ = now;
      caught_up_.store(true, std::memory_order_release);
    }
  }
  // `n` updates of `bytes` in all (their encodings, without framing).
  void AddReceived(uint64_t n, uint64_t bytes) {
    received_.fetch_add(n, std::memory_order_relaxed);
    update_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    if (n > 0) messages_.fetch_add(1, std::memory_order_relaxed);
  }
  void SetDone() { done_.store(true, std::memory_order_release); }

  int64_t start_ns_ = 0;
  uint64_t contract_violations_ = 0, heartbeats_ = 0, gaps_ = 0;

 private:
  const int mission_index_;
  int64_t caught_up_ns_ = 0;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> update_bytes_{0};
  std::atomic<int64_t> expected_g_{0};
  uint64_t last_sequence_ = 0;
  uint64_t duplicates_ = 0, lost_ = 0, reordered_ = 0;
  std::vector<int64_t> latencies_;
};

// One gRPC Subscribe stream. Callbacks of one reactor never run

// Cancels every subscriber and waits up to 30 s for them to end; leaks
// (rather than frees under gRPC) those that did not.
template <typename T>
void CancelAll(std::vector<std::unique_ptr<T>>& subscribers) {
  for (auto& s : subscribers) s->Cancel();
  if (!WaitFor(
          [&] {
            for (auto& s : subscribers) {
              if (!s->done()) return false;
            }
            return true;
          },
          absl::Seconds(30))) {
    Note("some subscribers did not end within 30 s; leaking them");
    for (auto& s : subscribers) {
      if (!s->done()) s.release();
    }
  }
}

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_VERIFYING_SUBSCRIBER_H_
