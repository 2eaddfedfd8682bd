// ceiling_server: the limit of any gRPC design for sitrep's fan-out on this
// machine. A bare callback server with sitrep's wire format
// (sitrep.v1.SituationFeed Subscribe and PublishStream) and an in-memory
// fan-out: no storage, no validation, filter = one mission compare, each
// update serialised once, batched writes (everything pending for a stream in
// one SubscribeResponse, up to 256 updates / 64 KiB), one write in flight
// per stream. It stamps what sitrepd stamps on every update (sequence,
// received_at, occurred_at when absent, publisher), so both deliver the same
// bytes. sitrep-bench drives it exactly like sitrepd.
//
//   ceiling_server --listen=127.0.0.1:0 --port_file=F
//
// Prints "serving" on stderr once it listens. SIGTERM/SIGINT stop it.
//
// Thread safety: Hub::incoming_mu_ orders publishes; Hub::subscribers_mu_
// guards the subscriber lists;
// each Subscriber's queue is guarded by its own mu_. A subscriber's
// StartWrite is called by the thread that set writing_ (the fan-out thread
// or a callback thread), never concurrently.

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

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(
      owned->data(), owned->size(),
      [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

struct Entry {
  uint64_t sequence;
  int mission;
  std::string wire;  // field 1 of SubscribeResponse: tag, length, update
};
using EntryPtr = std::shared_ptr<const Entry>;

class Hub;

class Subscriber final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  Subscriber(Hub* hub, int mission) : hub_(hub), mission_(mission) {}

  int mission() const { return mission_; }

  // Starts the stream with CaughtUp{head}. Called under
  // Hub::subscribers_mu_.
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

  // Queues updates; starts a write if none is in flight. Called by the
  // fan-out thread under Hub::subscribers_mu_.
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
    size_t n = 0;
    uint64_t last = 0;
    while (!pending_.empty() && n < kMaxBatchUpdates &&
           (n == 0 || bytes.size() + pending_.front()->wire.size() <=
                          kMaxBatchBytes)) {
      bytes += pending_.front()->wire;
      last = pending_.front()->sequence;
      pending_.pop_front();
      ++n;
    }
    PutCursor(&bytes, pending_.empty() ? cursor_ : last);
    return ToByteBuffer(std::move(bytes));
  }

  Hub* const hub_;
  const int mission_;
  grpc::ByteBuffer buffer_;  // touched only by the thread that set writing_
  absl::Mutex mu_;
  std::deque<EntryPtr> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Publishes append to incoming_ and return; one fan-out thread takes
// everything that arrived since its last round and hands each subscriber of
// the update's mission the round's updates at once, so batches grow with
// the load (the same shape as sitrep's wake-ups on its executor).
class Hub {
 public:
  Hub() : fanout_([this] { FanoutLoop(); }) {}
  ~Hub() {
    {
      absl::MutexLock lock(&incoming_mu_);
      stop_ = true;
    }
    fanout_.join();
  }

  void Add(Subscriber* s) {
    absl::MutexLock lock(&subscribers_mu_);
    subscribers_[s->mission()].push_back(s);
    s->StartLocked(fanned_out_);
  }

  void Remove(Subscriber* s) {
    absl::MutexLock lock(&subscribers_mu_);
    std::vector<Subscriber*>& list = subscribers_[s->mission()];
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
    absl::MutexLock lock(&incoming_mu_);
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
    entry->wire.push_back(0x0A);
    PutVarint(&entry->wire, body.size());
    entry->wire += body;
    incoming_.push_back(std::move(entry));
    return sequence;
  }

 private:
  void FanoutLoop() {
    std::vector<EntryPtr> round;
    std::vector<EntryPtr> by_mission[4];
    for (;;) {
      round.clear();
      {
        absl::MutexLock lock(&incoming_mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(incoming_mu_) {
          return stop_ || !incoming_.empty();
        };
        incoming_mu_.Await(absl::Condition(&ready));
        if (stop_) return;
        round.swap(incoming_);
      }
      for (auto& list : by_mission) list.clear();
      for (const EntryPtr& e : round) {
        by_mission[e->mission].push_back(e);
        by_mission[0].push_back(e);
      }
      absl::MutexLock lock(&subscribers_mu_);
      for (int m = 0; m < 4; ++m) {
        if (by_mission[m].empty()) continue;
        for (Subscriber* s : subscribers_[m]) s->Push(by_mission[m]);
      }
      fanned_out_ = round.back()->sequence;
    }
  }

  absl::Mutex incoming_mu_;
  uint64_t head_ ABSL_GUARDED_BY(incoming_mu_) = 0;
  std::vector<EntryPtr> incoming_ ABSL_GUARDED_BY(incoming_mu_);
  bool stop_ ABSL_GUARDED_BY(incoming_mu_) = false;

  absl::Mutex subscribers_mu_;
  uint64_t fanned_out_ ABSL_GUARDED_BY(subscribers_mu_) = 0;
  // Index 0: subscribers without a mission filter.
  std::vector<Subscriber*> subscribers_[4] ABSL_GUARDED_BY(subscribers_mu_);

  std::thread fanout_;  // last: starts after the state above exists
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
    auto* subscriber = new Subscriber(&hub_, mission);
    hub_.Add(subscriber);
    return subscriber;
  }

  grpc::ServerBidiReactor<sitrep::v1::PublishRequest, sitrep::v1::PublishAck>*
  PublishStream(grpc::CallbackServerContext* /*context*/) override {
    return new PublishStreamReactor(&hub_);
  }

 private:
  Hub hub_;
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
