// The fan-out's publishers: the interface every system's publisher has
// (FanoutPublisher) and sitrep's and the ceiling's, a PublishStream
// (StreamPublisher), which the ingest scenarios use too.
#ifndef SITREP_BENCH_STREAM_PUBLISHER_H_
#define SITREP_BENCH_STREAM_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_payload.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::bench {

// Publishers: one writer thread (the caller).
class FanoutPublisher {
 public:
  virtual ~FanoutPublisher() = default;
  // Publishes g (mission MissionOf(g)); waits while `window` publishes are
  // unacknowledged. False when the publisher failed.
  virtual bool Publish(int64_t g, size_t window) = 0;
  virtual uint64_t acked() const = 0;
  virtual uint64_t errors() const = 0;
  virtual bool WaitAcked(absl::Duration timeout) = 0;
  virtual void Close() = 0;
  // Nanoseconds Publish() has waited for acks (a full window) so far.
  virtual int64_t window_wait_ns() const { return 0; }
  // From now on `batch` updates per message (when the system takes
  // batches); sends what is pending first. False when the publisher failed.
  virtual bool SetBatch(int /*batch*/) { return true; }
};

// PublishStream: one writer (the caller), one ack reader thread.
class StreamPublisher final : public FanoutPublisher {
 public:
  // `batch` > 1: that many requests per message (PublishRequest.batch).
  StreamPublisher(v1::SituationFeed::Stub* stub, std::string run,
                  int batch = 1)
      : payload_(std::move(run)),
        send_ns_(kRing),
        batch_(batch),
        batch_bytes_(pending_.GetReflection()->MutableUnknownFields(&pending_)) {
    stream_ = stub->PublishStream(&context_);
    reader_ = std::thread([this] { ReadAcks(); });
  }
  ~StreamPublisher() override { Close(); }

  bool Publish(int64_t g, size_t window) override {
    if (!WaitForWindow(window)) return false;
    const int64_t now = NowNs();
    send_ns_[sent_ % kRing] = now;
    ++sent_;
    if (batch_ <= 1) return stream_->Write(payload_.Make(g, now));
    // The request is serialized once, straight into the bytes of
    // PublishRequest.batch: an unknown field of pending_ with the batch's
    // number, which protobuf writes as it is, after the (unset) known
    // fields. So gRPC sends the bytes of a PublishRequest whose batch holds
    // these requests, without a copy of each into the batch that would be
    // serialized again (h20-ingest4: the load generator's cost per update).
    payload_.Make(g, now).SerializeToString(batch_bytes_->AddLengthDelimited(
        v1::PublishRequest::kBatchFieldNumber));
    return ++pending_count_ < batch_ || Flush();
  }

  bool SetBatch(int batch) override {
    batch_ = batch;
    return Flush();
  }

  // Writes the requests of a batch that is not full yet.
  bool Flush() {
    if (pending_count_ == 0) return true;
    const bool ok = stream_->Write(pending_);
    batch_bytes_->Clear();
    pending_count_ = 0;
    return ok;
  }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    Flush();
    stream_->WritesDone();
    reader_.join();
    grpc::Status status = stream_->Finish();
    if (!status.ok()) {
      Note("PublishStream ended: %s", status.error_message().c_str());
    }
  }

  uint64_t sent() const { return sent_; }
  int64_t window_wait_ns() const override { return window_wait_ns_; }
  uint64_t acked() const override {
    return acked_.load(std::memory_order_acquire);
  }
  uint64_t errors() const override { return errors_.load(); }
  bool WaitAcked(absl::Duration timeout) override {
    Flush();
    return WaitFor([this] { return acked() >= sent_ || failed_.load(); },
                   timeout);
  }
  void set_recording(bool on) { recording_.store(on); }
  std::vector<int64_t> TakeLatencies() {
    absl::MutexLock lock(&mu_);
    return std::move(latencies_);
  }

 private:
  int64_t window_wait_ns_ = 0;  // the caller's thread only
  static constexpr size_t kRing = 1 << 16;

  // Waits while `window` publishes are unacknowledged, woken by the ack
  // reader (not polling: a poll's wake-ups cost the machine the publisher
  // shares with the servers it measures); sends what is pending first.
  // False when the publisher failed.
  bool WaitForWindow(size_t window) {
    if (sent_ - acked() < window) return true;
    if (failed_.load() || !Flush()) return false;
    const int64_t wait_start = NowNs();
    const uint64_t sent = sent_;
    auto open = [this, sent, window] {
      return sent - acked() < window || failed_.load();
    };
    {
      absl::MutexLock lock(&window_mu_);
      window_mu_.Await(absl::Condition(&open));
    }
    window_wait_ns_ += NowNs() - wait_start;
    return sent_ - acked() < window;
  }

  void ReadAcks() {
    v1::PublishAck ack;
    while (stream_->Read(&ack)) {
      const int64_t now = NowNs();
      uint64_t count = 0;
      if (ack.batch_size() == 0) {
        count += Count(ack, now);
      } else {
        for (const v1::PublishAck& one : ack.batch()) count += Count(one, now);
      }
      acked_.fetch_add(count, std::memory_order_release);
      // A writer waiting for the window re-checks it as the lock is
      // released.
      absl::MutexLock lock(&window_mu_);
    }
    failed_.store(true);
    absl::MutexLock lock(&window_mu_);
  }

  // Counts one ack's error and latency; returns 1 (the ack).
  uint64_t Count(const v1::PublishAck& ack, int64_t now) {
    if (ack.has_error()) {
      if (errors_.fetch_add(1) < 3) {
        Note("publish error: %s", ack.error().message().c_str());
      }
    }
    if (recording_.load(std::memory_order_relaxed)) {
      absl::MutexLock lock(&mu_);
      latencies_.push_back(now - send_ns_[ack.index() % kRing]);
    }
    return 1;
  }

  PayloadMaker payload_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishAck>>
      stream_;
  std::vector<int64_t> send_ns_;  // written before the Write, read on ack
  int batch_;
  // Writer only: the batch being filled (its requests' bytes, see Publish)
  // and how many requests it holds.
  v1::PublishRequest pending_;
  // pending_'s unknown fields (never cleared as a whole, so this stays
  // its set): the requests' bytes.
  google::protobuf::UnknownFieldSet* batch_bytes_;
  int pending_count_ = 0;
  uint64_t sent_ = 0;             // writer only
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> recording_{false};
  bool closed_ = false;
  std::thread reader_;
  // Released by the ack reader after each ack message: wakes the writer
  // waiting in WaitForWindow.
  absl::Mutex window_mu_;
  absl::Mutex mu_;
  std::vector<int64_t> latencies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_STREAM_PUBLISHER_H_
