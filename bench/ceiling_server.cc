// ceiling_server: the limit of any gRPC design for sitrep's fan-out on this
// machine. A bare callback server with sitrep's wire format
// (sitrep.v1.SituationFeed Subscribe and PublishStream) and an in-memory
// fan-out: no storage, no validation, filter = one mission compare, each
// update serialised once into one ref-counted grpc::Slice that every
// subscriber's batch shares (no per-subscriber copy), batched writes
// (everything pending for a stream in one SubscribeResponse, up to 256
// updates / 64 KiB), one write in flight per stream, the subscribers spread
// over --fanout_threads fan-out threads. It links the allocator sitrepd links
// (jemalloc, server/server.cmake's sitrep_link_malloc), so that the two
// differ only in what sitrep does (issue 24: the ceiling must be the
// strongest bare gRPC fan-out on the machine, or its ratios flatter sitrep). It stamps what sitrepd stamps on every update (sequence,
// received_at, occurred_at when absent, publisher), so both deliver the same
// bytes. sitrep-bench drives it exactly like sitrepd.
//
//   ceiling_server --listen=127.0.0.1:0 --port_file=F [--fanout_threads=N]
//                  [--share_slices=false]
//
// Prints "serving" on stderr once it listens. SIGTERM/SIGINT stop it.
//
// Thread safety: Hub::publish_mu_ orders publishes (and so every shard's
// incoming queue); each Shard's mu_ guards its incoming queue and subscriber
// lists; each Subscriber's queue is guarded by its own mu_. A subscriber's
// StartWrite is called by the thread that set writing_ (its shard's fan-out
// thread or a callback thread), never concurrently.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on");
ABSL_FLAG(std::string, port_file, "", "write the bound port here");
ABSL_FLAG(int, fanout_threads, 2,
          "fan-out threads; subscriber i is served by thread i % N (on 2 "
          "cores, 2 measured best: docs/performance.md)");
ABSL_FLAG(bool, share_slices, true,
          "batches reference each update's one serialised slice; false: "
          "each batch copies the updates into one buffer of its own");
ABSL_FLAG(bool, deadlock_detection, false,
          "keep abseil's mutex deadlock detector on (as sitrepd has it)");

namespace sitrep::bench {
namespace {

constexpr char kLogId[] = "ceiling";
constexpr size_t kMaxBatchUpdates = 256;
constexpr size_t kMaxBatchBytes = 64 * 1024;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// SubscribeResponse field 15: Cursor{log_id, sequence}.
void PutCursor(std::string* out, uint64_t sequence) {
  std::string cursor;
  cursor.push_back(0x0A);
  PutVarint(&cursor, sizeof(kLogId) - 1);
  cursor.append(kLogId);
  cursor.push_back(0x10);
  PutVarint(&cursor, sequence);
  out->push_back(static_cast<char>((15 << 3) | 2));
  PutVarint(out, cursor.size());
  out->append(cursor);
}

grpc::Slice ToSlice(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  return grpc::Slice(
      owned->data(), owned->size(),
      [](void* p) { delete static_cast<std::string*>(p); }, owned);
}

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  grpc::Slice slice = ToSlice(std::move(bytes));
  return grpc::ByteBuffer(&slice, 1);
}

struct Entry {
  uint64_t sequence;
  int mission;
  // Field 1 of SubscribeResponse: tag, length, update. One slice per
  // update, referenced (not copied) by every batch that carries it.
  grpc::Slice wire;
};
using EntryPtr = std::shared_ptr<const Entry>;

class Hub;
struct Shard;

class Subscriber final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  Subscriber(Hub* hub, int mission, bool share_slices)
      : hub_(hub), mission_(mission), share_slices_(share_slices) {}

  int mission() const { return mission_; }
  Shard* shard() const { return shard_; }
  void set_shard(Shard* shard) { shard_ = shard; }

  // Starts the stream with CaughtUp{head}. Called under its
  // Shard::subscribers_mu.
  void StartLocked(uint64_t head) {
    std::string bytes;
    std::string caught_up;
    caught_up.push_back(0x08);
    PutVarint(&caught_up, head);
    bytes.push_back(static_cast<char>((3 << 3) | 2));
    PutVarint(&bytes, caught_up.size());
    bytes += caught_up;
    PutCursor(&bytes, head);
    {
      absl::MutexLock lock(&mu_);
      writing_ = true;
      cursor_ = head;
    }
    buffer_ = ToByteBuffer(std::move(bytes));
    StartWrite(&buffer_);
  }

  // Queues updates; starts a write if none is in flight. Called by its
  // shard's fan-out thread.
  void Push(const std::vector<EntryPtr>& entries) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      pending_.insert(pending_.end(), entries.begin(), entries.end());
      cursor_ = entries.back()->sequence;
      if (writing_) return;
      writing_ = true;
      buffer_ = TakeBatchLocked();
    }
    StartWrite(&buffer_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (!ok || cancelled_ || pending_.empty()) {
        writing_ = false;
        if ((!ok || cancelled_) && !finished_) {
          finished_ = true;
          finish = true;
        }
      } else {
        buffer_ = TakeBatchLocked();
      }
      if (!finish && !writing_) return;
    }
    if (finish) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    StartWrite(&buffer_);
  }

  void OnCancel() override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (!writing_ && !finished_) {
        finished_ = true;
        finish = true;
      }
    }
    if (finish) Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override;

 private:
  grpc::ByteBuffer TakeBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string bytes;
    slices_.clear();
    size_t n = 0, size = 0;
    uint64_t last = 0;
    while (!pending_.empty() && n < kMaxBatchUpdates &&
           (n == 0 || size + pending_.front()->wire.size() <= kMaxBatchBytes)) {
      const grpc::Slice& wire = pending_.front()->wire;
      if (share_slices_) {
        slices_.push_back(wire);  // a reference, not a copy
      } else {
        bytes.append(reinterpret_cast<const char*>(wire.begin()), wire.size());
      }
      size += wire.size();
      last = pending_.front()->sequence;
      pending_.pop_front();
      ++n;
    }
    std::string cursor;
    PutCursor(share_slices_ ? &cursor : &bytes,
              pending_.empty() ? cursor_ : last);
    if (!share_slices_) return ToByteBuffer(std::move(bytes));
    slices_.push_back(grpc::Slice(cursor));
    return grpc::ByteBuffer(slices_.data(), slices_.size());
  }

  Hub* const hub_;
  const int mission_;
  const bool share_slices_;
  Shard* shard_ = nullptr;  // set before the stream starts
  std::vector<grpc::Slice> slices_ ABSL_GUARDED_BY(mu_);  // scratch
  grpc::ByteBuffer buffer_;  // touched only by the thread that set writing_
  absl::Mutex mu_;
  std::deque<EntryPtr> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A fan-out thread and the subscribers it serves. Publishes append to
// every shard's incoming_ and return; the shard's thread takes everything
// that arrived since its last round and hands each of its subscribers of
// the update's mission the round's updates at once, so batches grow with
// the load (the same shape as sitrep's wake-ups on its executor).
struct Shard {
  absl::Mutex mu;
  std::vector<EntryPtr> incoming ABSL_GUARDED_BY(mu);
  bool stop ABSL_GUARDED_BY(mu) = false;
  // Held while a round is handed out, so that a subscriber's OnDone
  // (which removes it, then deletes it) waits for the round.
  absl::Mutex subscribers_mu;
  uint64_t fanned_out ABSL_GUARDED_BY(subscribers_mu) = 0;
  // Index 0: subscribers without a mission filter.
  std::vector<Subscriber*> subscribers[4] ABSL_GUARDED_BY(subscribers_mu);
  std::thread thread;
};

class Hub {
 public:
  explicit Hub(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      shards_.push_back(std::make_unique<Shard>());
    }
    for (auto& shard : shards_) {
      Shard* s = shard.get();
      s->thread = std::thread([s] { FanoutLoop(s); });
    }
  }
  ~Hub() {
    for (auto& shard : shards_) {
      absl::MutexLock lock(&shard->mu);
      shard->stop = true;
    }
    for (auto& shard : shards_) shard->thread.join();
  }

  void Add(Subscriber* s) {
    Shard* shard =
        shards_[next_shard_.fetch_add(1, std::memory_order_relaxed) %
                shards_.size()]
            .get();
    s->set_shard(shard);
    absl::MutexLock lock(&shard->subscribers_mu);
    shard->subscribers[s->mission()].push_back(s);
    s->StartLocked(shard->fanned_out);
  }

  void Remove(Subscriber* s) {
    Shard* shard = s->shard();
    absl::MutexLock lock(&shard->subscribers_mu);
    std::vector<Subscriber*>& list = shard->subscribers[s->mission()];
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i] == s) {
        list[i] = list.back();
        list.pop_back();
        break;
      }
    }
  }

  // Assigns the next sequence and serialises the update once. Returns the
  // sequence.
  uint64_t Publish(sitrep::v1::SituationUpdate* update) {
    auto entry = std::make_shared<Entry>();
    absl::MutexLock lock(&publish_mu_);
    const uint64_t sequence = ++head_;
    update->set_sequence(sequence);
    // sitrepd's stamps, so that an update is as long as sitrepd's
    // ("anonymous": its caller without --auth_file, as sitrep-bench runs it).
    const absl::Duration since_epoch = absl::Now() - absl::UnixEpoch();
    const int64_t seconds = absl::ToInt64Seconds(since_epoch);
    update->mutable_received_at()->set_seconds(seconds);
    update->mutable_received_at()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
    if (!update->has_occurred_at()) {
      *update->mutable_occurred_at() = update->received_at();
    }
    update->set_publisher("anonymous");
    entry->sequence = sequence;
    entry->mission = update->mission() & 3;
    const std::string body = update->SerializeAsString();
    std::string wire;
    wire.reserve(body.size() + 6);
    wire.push_back(0x0A);
    PutVarint(&wire, body.size());
    wire += body;
    entry->wire = ToSlice(std::move(wire));
    // Under publish_mu_: every shard sees the updates in sequence order.
    for (auto& shard : shards_) {
      absl::MutexLock shard_lock(&shard->mu);
      shard->incoming.push_back(entry);
    }
    return sequence;
  }

 private:
  static void FanoutLoop(Shard* shard) {
    std::vector<EntryPtr> round;
    std::vector<EntryPtr> by_mission[4];
    for (;;) {
      round.clear();
      {
        absl::MutexLock lock(&shard->mu);
        auto ready = [shard]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard->mu) {
          return shard->stop || !shard->incoming.empty();
        };
        shard->mu.Await(absl::Condition(&ready));
        if (shard->stop) return;
        round.swap(shard->incoming);
      }
      for (auto& list : by_mission) list.clear();
      for (const EntryPtr& e : round) {
        by_mission[e->mission].push_back(e);
        by_mission[0].push_back(e);
      }
      // Publishes go on (shard->mu is free) while this round is handed out.
      absl::MutexLock lock(&shard->subscribers_mu);
      for (int m = 0; m < 4; ++m) {
        if (by_mission[m].empty()) continue;
        for (Subscriber* s : shard->subscribers[m]) s->Push(by_mission[m]);
      }
      shard->fanned_out = round.back()->sequence;
    }
  }

  absl::Mutex publish_mu_;
  uint64_t head_ ABSL_GUARDED_BY(publish_mu_) = 0;
  std::atomic<size_t> next_shard_{0};
  std::vector<std::unique_ptr<Shard>> shards_;  // fixed after construction
};

void Subscriber::OnDone() {
  hub_->Remove(this);
  delete this;
}

class PublishStreamReactor final
    : public grpc::ServerBidiReactor<sitrep::v1::PublishRequest,
                                     sitrep::v1::PublishAck> {
 public:
  explicit PublishStreamReactor(Hub* hub) : hub_(hub) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      bool finish = false;
      {
        absl::MutexLock lock(&mu_);
        reads_done_ = true;
        finish = !writing_ && acks_.empty() && !finished_;
        if (finish) finished_ = true;
      }
      if (finish) Finish(grpc::Status::OK);
      return;
    }
    // A message with PublishRequest.batch is answered by one message with
    // its acks, as sitrep does.
    sitrep::v1::PublishAck ack;
    auto publish = [this](sitrep::v1::PublishRequest* request,
                          sitrep::v1::PublishAck* one) {
      one->set_index(index_++);
      one->set_sequence(hub_->Publish(request->mutable_update()));
      one->set_event_id(request->update().event_id());
    };
    if (request_.batch_size() == 0) {
      publish(&request_, &ack);
    } else {
      for (sitrep::v1::PublishRequest& one : *request_.mutable_batch()) {
        publish(&one, ack.add_batch());
      }
    }
    bool start = false;
    {
      absl::MutexLock lock(&mu_);
      acks_.push_back(std::move(ack));
      if (!writing_) {
        writing_ = true;
        start = true;
        writing_ack_ = std::move(acks_.front());
        acks_.pop_front();
      }
    }
    if (start) StartWrite(&writing_ack_);
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (ok && !acks_.empty()) {
        writing_ack_ = std::move(acks_.front());
        acks_.pop_front();
      } else {
        writing_ = false;
        if (!ok) acks_.clear();
        finish = (reads_done_ || !ok) && !finished_;
        if (finish) finished_ = true;
      }
      if (!finish && !writing_) return;
    }
    if (finish) {
      Finish(ok ? grpc::Status::OK : grpc::Status::CANCELLED);
      return;
    }
    StartWrite(&writing_ack_);
  }

  void OnDone() override { delete this; }

 private:
  Hub* const hub_;
  sitrep::v1::PublishRequest request_;  // only the one read in flight
  uint64_t index_ = 0;                  // only the one read in flight
  sitrep::v1::PublishAck writing_ack_;  // only the thread that set writing_
  absl::Mutex mu_;
  std::deque<sitrep::v1::PublishAck> acks_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

class CeilingService final
    : public sitrep::v1::SituationFeed::WithRawCallbackMethod_Subscribe<
          sitrep::v1::SituationFeed::CallbackService> {
 public:
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(
      grpc::CallbackServerContext* /*context*/,
      const grpc::ByteBuffer* request_bytes) override {
    sitrep::v1::SubscribeRequest request;
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request_bytes->Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    request.ParseFromString(bytes);
    const int mission =
        request.filter().missions_size() > 0 ? request.filter().missions(0) & 3
                                             : 0;
    auto* subscriber = new Subscriber(&hub_, mission, absl::GetFlag(FLAGS_share_slices));
    hub_.Add(subscriber);
    return subscriber;
  }

  grpc::ServerBidiReactor<sitrep::v1::PublishRequest, sitrep::v1::PublishAck>*
  PublishStream(grpc::CallbackServerContext* /*context*/) override {
    return new PublishStreamReactor(&hub_);
  }

 private:
  Hub hub_{absl::GetFlag(FLAGS_fanout_threads)};
};

volatile std::sig_atomic_t g_stop = 0;

}  // namespace
}  // namespace sitrep::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil is built without NDEBUG, so every absl::Mutex::Lock runs
  // the deadlock detector (GraphCycles) unless told not to. The ceiling is
  // the bare limit: it does not pay for it.
  if (!absl::GetFlag(FLAGS_deadlock_detection)) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  std::signal(SIGTERM, [](int) { sitrep::bench::g_stop = 1; });
  std::signal(SIGINT, [](int) { sitrep::bench::g_stop = 1; });

  sitrep::bench::CeilingService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "ceiling_server: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << port << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  std::fprintf(stderr, "ceiling_server: serving on port %d\n", port);
  while (!sitrep::bench::g_stop) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
