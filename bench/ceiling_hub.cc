#include "bench/ceiling_hub.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sitrep::bench::ceiling {
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

}  // namespace

void StampAsSitrepd(uint64_t sequence, sitrep::v1::SituationUpdate* update) {
  update->set_sequence(sequence);
  const absl::Duration since_epoch = absl::Now() - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(since_epoch);
  update->mutable_received_at()->set_seconds(seconds);
  update->mutable_received_at()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
  if (!update->has_occurred_at()) {
    *update->mutable_occurred_at() = update->received_at();
  }
  update->set_publisher("anonymous");
}

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

void Subscriber::StartLocked(uint64_t head) {
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
  buffer_.Set(ToSlice(std::move(bytes)));
  // Not bound to its call yet (Hub::Add runs in the handler): gRPC keeps
  // this write until it is, so nothing completes under subscribers_mu.
  StartWrite(&buffer_);
}

bool Subscriber::Queue(const std::vector<EntryPtr>& entries) {
  absl::MutexLock lock(&mu_);
  if (finished_) return false;
  pending_.insert(pending_.end(), entries.begin(), entries.end());
  cursor_ = entries.back()->sequence;
  if (writing_) return false;
  writing_ = true;
  TakeBatchLocked();
  return true;
}

void Subscriber::WriteNext() { StartInlineWrite(&buffer_); }

void Subscriber::OnWriteDone(bool ok) {
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
      TakeBatchLocked();
    }
    if (!finish && !writing_) return;
  }
  if (finish) {
    Finish(grpc::Status::CANCELLED);
    return;
  }
  StartInlineWrite(&buffer_);
}

void Subscriber::OnCancel() {
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

void Subscriber::TakeBatchLocked() {
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
  if (!share_slices_) {
    buffer_.Set(ToSlice(std::move(bytes)));
    return;
  }
  slices_.push_back(grpc::Slice(cursor));
  buffer_.Set(slices_.data(), slices_.size());
}

void Subscriber::OnDone() {
  hub_->Remove(this);
  delete this;
}

Hub::Hub(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    s->thread = std::thread([s] { FanoutLoop(s); });
  }
}

Hub::~Hub() {
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    shard->stop = true;
  }
  for (auto& shard : shards_) shard->thread.join();
}

void Hub::Add(Subscriber* s) {
  Shard* shard =
      shards_[next_shard_.fetch_add(1, std::memory_order_relaxed) %
              shards_.size()]
          .get();
  s->set_shard(shard);
  absl::MutexLock lock(&shard->subscribers_mu);
  shard->subscribers[s->mission()].push_back(s);
  s->StartLocked(shard->fanned_out);
}

void Hub::Remove(Subscriber* s) {
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

uint64_t Hub::Publish(sitrep::v1::SituationUpdate* update) {
  auto entry = std::make_shared<Entry>();
  absl::MutexLock lock(&publish_mu_);
  const uint64_t sequence = ++head_;
  StampAsSitrepd(sequence, update);
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

void Hub::FanoutLoop(Shard* shard) {
  std::vector<EntryPtr> round;
  std::vector<EntryPtr> by_mission[4];
  std::vector<Subscriber*> to_write;
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
    to_write.clear();
    {
      absl::MutexLock lock(&shard->subscribers_mu);
      for (int m = 0; m < 4; ++m) {
        if (by_mission[m].empty()) continue;
        for (Subscriber* s : shard->subscribers[m]) {
          if (s->Queue(by_mission[m])) to_write.push_back(s);
        }
      }
      shard->fanned_out = round.back()->sequence;
    }
    // Outside subscribers_mu: a write's completion may run inside the
    // write, and a stream that ends there removes itself (OnDone). Each
    // stream here owes a write, so none is deleted before its turn.
    for (Subscriber* s : to_write) s->WriteNext();
  }
}

}  // namespace sitrep::bench::ceiling
