// The fan-out's publishing spread over several PublishStreams, as several
// publishers behind a load balancer publish to a replicated deployment
// (sitrep-bench --scenario=replicas, --replica_publishers=spread): update
// g goes to publisher PublisherOf(g, count) (bench/verifying_subscriber.h),
// which the subscribers' verification knows, so each publisher's order is
// checked and the interleaving of publishers is not counted against the
// log.
#ifndef SITREP_BENCH_FANOUT_SPREAD_PUBLISHER_H_
#define SITREP_BENCH_FANOUT_SPREAD_PUBLISHER_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/stream_publisher.h"
#include "bench/verifying_subscriber.h"

namespace sitrep::bench {

// One writer thread (the caller) feeds every publisher: the run's single
// sequence g stays a prefix of what was published, so the lag limit, the
// drains and the capacity search's counts need nothing new. Each publisher
// keeps its own window of unacknowledged requests (Publish's `window`
// applies to each), so a publisher that waits for acks holds the caller
// and with it the others: they share one pace, as a round-robin balancer's
// clients do.
class SpreadPublisher final : public FanoutPublisher {
 public:
  // At least one publisher.
  explicit SpreadPublisher(std::vector<std::unique_ptr<StreamPublisher>> each)
      : each_(std::move(each)) {}
  ~SpreadPublisher() override { Close(); }

  int count() const { return static_cast<int>(each_.size()); }
  // What publisher p had acknowledged so far (any thread).
  uint64_t acked(int p) const { return each_[static_cast<size_t>(p)]->acked(); }

  bool Publish(int64_t g, size_t window) override {
    return each_[static_cast<size_t>(PublisherOf(g, count()))]->Publish(g, window);
  }
  uint64_t acked() const override {
    uint64_t sum = 0;
    for (const auto& p : each_) sum += p->acked();
    return sum;
  }
  uint64_t errors() const override {
    uint64_t sum = 0;
    for (const auto& p : each_) sum += p->errors();
    return sum;
  }
  bool WaitAcked(absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    bool all = true;
    for (auto& p : each_) {
      all = p->WaitAcked(std::max(absl::ZeroDuration(), deadline - absl::Now())) && all;
    }
    return all;
  }
  void Close() override {
    for (auto& p : each_) p->Close();
  }
  int64_t window_wait_ns() const override {
    int64_t sum = 0;
    for (const auto& p : each_) sum += p->window_wait_ns();
    return sum;
  }
  bool SetBatch(int batch) override {
    bool all = true;
    for (auto& p : each_) all = p->SetBatch(batch) && all;
    return all;
  }

 private:
  std::vector<std::unique_ptr<StreamPublisher>> each_;
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_FANOUT_SPREAD_PUBLISHER_H_
