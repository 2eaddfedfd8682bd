// The ceiling server's fan-out (bench/ceiling_server.cc): an in-memory hub
// that sequences each published update, serialises it once into a
// ref-counted slice and hands it to --fanout_threads shards, each a thread
// that writes batches to its subscribers (one write in flight per stream).
//
// Thread safety: Hub::publish_mu_ orders publishes (and so every shard's
// incoming queue); each Shard's mu guards its incoming queue and
// subscribers_mu its subscriber lists; each Subscriber's queue is guarded by
// its own mu_. A subscriber's StartWrite is called by the thread that set
// writing_ (its shard's fan-out thread or a callback thread), never
// concurrently, and with no lock held: a write's completion, and any other
// reaction of the server, may run inside it (server/api/inline_write_reactor.h).
#ifndef SITREP_BENCH_CEILING_HUB_H_
#define SITREP_BENCH_CEILING_HUB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "server/api/encoded_message.h"
#include "server/api/inline_write_reactor.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

namespace sitrep::bench::ceiling {

struct Entry {
  uint64_t sequence;
  int mission;
  // Field 1 of SubscribeResponse: tag, length, update. One slice per
  // update, referenced (not copied) by every batch that carries it.
  grpc::Slice wire;
};
using EntryPtr = std::shared_ptr<const Entry>;

// What sitrepd stamps on every update it accepts (sequence, received_at,
// occurred_at when absent, publisher "anonymous": its caller without
// --auth_file, as sitrep-bench runs it), so that the ceiling delivers
// updates as long as sitrepd's.
void StampAsSitrepd(uint64_t sequence, sitrep::v1::SituationUpdate* update);

class Hub;
struct Shard;

// One Subscribe stream: a queue of updates written in batches of at most
// 256 updates / 64 KiB, each with the cursor, handed to gRPC without the
// copy a grpc::ByteBuffer message costs (the same EncodedMessage sitrepd
// writes: server/api/encoded_message.h), each write's completion run on the
// writing thread when it completes at once, as sitrepd's are
// (server/api/inline_write_reactor.h). Deletes itself in OnDone.
class Subscriber final : public sitrep::InlineWriteReactor {
 public:
  Subscriber(Hub* hub, int mission, bool share_slices)
      : hub_(hub), mission_(mission), share_slices_(share_slices) {}

  int mission() const { return mission_; }
  Shard* shard() const { return shard_; }
  void set_shard(Shard* shard) { shard_ = shard; }

  // Starts the stream with CaughtUp{head}. Called under its
  // Shard::subscribers_mu.
  void StartLocked(uint64_t head);

  // Queues updates. True: no write was in flight, so the caller must call
  // WriteNext() (outside its locks). Called by its shard's fan-out thread
  // under Shard::subscribers_mu. The stream cannot end between the two: it
  // finishes only with no write owed.
  bool Queue(const std::vector<EntryPtr>& entries);
  // Writes the batch Queue took.
  void WriteNext();

  void OnWriteDone(bool ok) override;

  void OnCancel() override;

  void OnDone() override;

 private:
  // Sets buffer_ to the next batch.
  void TakeBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Hub* const hub_;
  const int mission_;
  const bool share_slices_;
  Shard* shard_ = nullptr;  // set before the stream starts
  std::vector<grpc::Slice> slices_ ABSL_GUARDED_BY(mu_);  // scratch
  // Touched only by the thread that set writing_.
  sitrep::EncodedMessage buffer_;
  absl::Mutex mu_;
  std::deque<EntryPtr> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// The in-memory fan-out: `threads` shards, subscriber i on shard i % N.
class Hub {
 public:
  explicit Hub(int threads);
  // Stops and joins the shards' threads.
  ~Hub();

  // Places `s` (borrowed until Remove) on a shard and starts its stream.
  void Add(Subscriber* s);
  void Remove(Subscriber* s);

  // Assigns the next sequence and serialises the update once. Returns the
  // sequence.
  uint64_t Publish(sitrep::v1::SituationUpdate* update);

 private:
  static void FanoutLoop(Shard* shard);

  absl::Mutex publish_mu_;
  uint64_t head_ ABSL_GUARDED_BY(publish_mu_) = 0;
  std::atomic<size_t> next_shard_{0};
  std::vector<std::unique_ptr<Shard>> shards_;  // fixed after construction
};

}  // namespace sitrep::bench::ceiling

#endif  // SITREP_BENCH_CEILING_HUB_H_
