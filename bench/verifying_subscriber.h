// One subscriber's verification, whatever its transport (gRPC, NATS, SSE):
// every update of its mission exactly once and in order, and the
// publish->deliver latencies while g_recording is on. With several
// publishers sharing the updates (PublisherOf) the order checked is each
// publisher's: updates of different publishers may interleave in the log.
#ifndef SITREP_BENCH_VERIFYING_SUBSCRIBER_H_
#define SITREP_BENCH_VERIFYING_SUBSCRIBER_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/step_latencies.h"
#include "bench/update_decoder.h"

namespace sitrep::bench {

// Phase B of a fan-out: subscribers keep the latencies of what arrives.
inline std::atomic<bool> g_recording{false};

// Which of `publishers` publishers publishes update g: g's triple (g / 3:
// one update of each mission) goes to publisher (g / 3) % publishers, so
// every publisher publishes every mission and a subscriber of one mission
// gets publisher p's updates g = mission + 3p, + 3 x publishers, ...
inline int PublisherOf(int64_t g, int publishers) {
  return static_cast<int>((g / 3) % publishers);
}

// VerifyingSubscriber checks one subscriber's stream of g's; its transport
// (bench/grpc_subscriber.h, bench/nats_target.cc, bench/fanout_sse_target.cc)
// calls OnUpdate from one thread at a time. The atomics are what other
// threads read while it runs; the rest is read only after done().
//
// What it counts, for each of the mission's updates g (its publisher's
// position: the next g it expects from PublisherOf(g)):
//   g is the one expected next: fine, the position moves on;
//   g is past it: the updates skipped are lost (and remembered, up to
//   kMaxRemembered, as missing);
//   g is before it: a missing one that came late is reordered (no longer
//   lost), anything else a duplicate.
// Besides, a sitrep sequence (NATS payloads carry none) that does not rise
// is reordered: delivery out of the log's order (counted once per update).
class VerifyingSubscriber {
 public:
  // mission_index 0..2: expects g = mission_index, +3, +6, ..., published
  // by `publishers` publishers (PublisherOf), each in its own order.
  explicit VerifyingSubscriber(int mission_index, int publishers = 1)
      : mission_index_(mission_index),
        publishers_(std::max(1, publishers)),
        stride_(3 * static_cast<int64_t>(publishers_)),
        next_(static_cast<size_t>(publishers_)) {
    for (int p = 0; p < publishers_; ++p) next_[static_cast<size_t>(p)] = mission_index + 3 * p;
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
  // The subscriber's position: the lowest g of its mission it still
  // expects (the least of its publishers' positions). Every update of its
  // mission below it has arrived or was counted lost: the lag limit and
  // the drains wait on it.
  int64_t expected_g() const {
    return expected_g_.load(std::memory_order_relaxed);
  }
  int mission_index() const { return mission_index_; }
  int publishers() const { return publishers_; }

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
    for (int64_t& next : next_) {
      while (next < published) {
        ++lost_;
        next += stride_;
      }
    }
    UpdatePosition();
  }

  // Updates that arrived late are told from duplicates by remembering this
  // many skipped ones (a run with more losses than that counts the late
  // ones past it as duplicates: a failure either way).
  static constexpr size_t kMaxRemembered = 4096;

 protected:
  void OnUpdate(const DecodedUpdate& u, int64_t now, bool recording) {
    bool out_of_sequence = false;
    if (u.sequence != 0) {  // NATS payloads carry no sitrep sequence
      out_of_sequence = u.sequence <= last_sequence_;
      if (out_of_sequence) ++reordered_;
      last_sequence_ = u.sequence;
    }
    if (u.g < 0 || u.mission != mission_index_ + 1) {
      ++contract_violations_;  // not ours: the filter failed
      return;
    }
    int64_t& e = next_[static_cast<size_t>(PublisherOf(u.g, publishers_))];
    // A capacity step counts each update's first delivery (its count then
    // tells a loss, bench/step_latencies.h).
    if (u.g >= e) g_step_latencies.Record(u.g, now - u.t_ns);
    if (u.g == e) {
      e += stride_;
    } else if (u.g < e) {
      if (missing_.erase(u.g) > 0) {
        --lost_;  // late, not lost: out of its publisher's order
        if (!out_of_sequence) ++reordered_;
      } else {
        ++duplicates_;
      }
    } else {
      const int64_t skipped = (u.g - e) / stride_;
      lost_ += static_cast<uint64_t>(skipped);
      for (int64_t k = 0; k < skipped && missing_.size() < kMaxRemembered; ++k) {
        missing_.insert(e + k * stride_);
      }
      e = u.g + stride_;
    }
    UpdatePosition();
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
  void UpdatePosition() {
    expected_g_.store(*std::min_element(next_.begin(), next_.end()),
                      std::memory_order_relaxed);
  }

  const int mission_index_;
  const int publishers_;
  const int64_t stride_;  // between two updates of one publisher's
  int64_t caught_up_ns_ = 0;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> update_bytes_{0};
  std::atomic<int64_t> expected_g_{0};
  // Each publisher's position: the next g of this mission it publishes
  // that has not arrived.
  std::vector<int64_t> next_;
  // Updates counted lost that may still come (kMaxRemembered at most).
  absl::flat_hash_set<int64_t> missing_;
  uint64_t last_sequence_ = 0;
  uint64_t duplicates_ = 0, lost_ = 0, reordered_ = 0;
  std::vector<int64_t> latencies_;
};

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
