// The tail of the JetStream log: one ordered consumer from the oldest
// retained sequence on, whose messages - appended by this replica or
// another - make the replica's local state, in sequence order, and are then
// told to the AppendListener.

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"
#include "server/log/incident_thread.h"
#include "server/log/jetstream_log.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace jetstream {

absl::Status JetStreamEventLog::StartTail(const jsStreamState& state) {
  const uint64_t last = state.LastSeq;
  {
    absl::MutexLock lock(&mu_);
    index_.Reset(state.Msgs > 0 ? std::max<uint64_t>(state.FirstSeq, 1)
                                : last + 1);
    index_.Reserve(state.Msgs);
    notified_ = index_.head();
    if (state.Msgs == 0 && last > 0) {
      // Everything was removed: nothing tells the last received_at but the
      // stream's own time of its last message.
      last_received_at_ = absl::FromUnixNanos(state.LastTime);
    }
  }
  if (state.Msgs > 0) replay_last_.store(last, std::memory_order_release);
  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Stream = options_.stream.c_str();
  sub_options.Ordered = true;
  sub_options.Config.DeliverPolicy = js_DeliverByStartSequence;
  sub_options.Config.OptStartSeq = std::max<uint64_t>(Oldest(), 1);
  sub_options.Config.Heartbeat =
      absl::ToInt64Nanoseconds(options_.tail_heartbeat);
  const std::string subject = absl::StrCat(options_.subject_prefix, ".*.*.*");
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_Subscribe(&tail_, js_, subject.c_str(),
                              &JetStreamEventLog::OnMessage, this, nullptr,
                              &sub_options, &code);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot tail stream '", options_.stream, "'"), s, code));
  }
  absl::MutexLock lock(&mu_);
  return ReplayLocked(last);
}

absl::Status JetStreamEventLog::ReplayLocked(uint64_t last) {
  // The state must be the stream's before the log is used. Waits as long
  // as the tail makes progress.
  uint64_t seen = index_.head();
  for (;;) {
    auto caught_up = [this, last]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return index_.head() >= last || !tail_error_.ok();
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&caught_up),
                             options_.request_timeout)) {
      break;
    }
    if (index_.head() == seen) {
      return absl::UnavailableError(absl::StrCat(
          "replaying stream '", options_.stream, "' stalled at sequence ",
          seen, " of ", last));
    }
    seen = index_.head();
  }
  // Open returns once the notifier handed the replay on (to no listener
  // yet), so that a listener set after Open hears only what came after.
  auto handed_on = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return notified_ >= index_.head();
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&handed_on),
                            options_.request_timeout)) {
    return absl::UnavailableError(absl::StrCat(
        "replaying stream '", options_.stream, "': the notifier is stuck at ",
        notified_, " of ", index_.head()));
  }
  replayed_ = true;
  return tail_error_;
}

void JetStreamEventLog::OnMessage(natsConnection*, natsSubscription*,
                                  natsMsg* msg, void* closure) {
  static_cast<JetStreamEventLog*>(closure)->ApplyMessage(msg);
}

void JetStreamEventLog::ApplyMessage(natsMsg* msg) {
  MsgPtr owned(msg);
  if (stopping_.load(std::memory_order_acquire)) return;
  const uint64_t sequence = StreamSequenceOf(msg);
  if (sequence == 0) return;
  if (sequence <= replay_last_.load(std::memory_order_acquire)) {
    ReplayMessage(owned.release(), sequence);
    return;
  }
  absl::StatusOr<LogEntryPtr> decoded;
  EventDigest digest = 0;
  std::optional<Published> own = TakePublished(msg, sequence);
  if (own.has_value()) {
    decoded = own->entry;
    digest = own->digest;
  } else {
    // Another replica's publish.
    absl::StatusOr<TailEntry> tail = TailEntryFromMessage(msg, sequence);
    if (tail.ok()) {
      decoded = std::move(tail->entry);
      digest = tail->digest;
    } else {
      decoded = tail.status();
    }
  }
  absl::MutexLock lock(&mu_);
  // The notifier tells the listener, several entries at a time when the
  // tail runs ahead of it.
  IncidentRecordPtr record;
  if (ApplyLocked(sequence, decoded, digest, own ? &*own : nullptr, &record)) {
    to_notify_.push_back(*decoded);
    to_notify_incidents_.push_back(std::move(record));
    applied_.push_back(owned.release());
  }
}

std::optional<JetStreamEventLog::Published> JetStreamEventLog::TakePublished(
    natsMsg* msg, uint64_t sequence) {
  Published publish;
  {
    absl::MutexLock lock(&published_mu_);
    auto it = published_.find(sequence);
    if (it == published_.end()) return std::nullopt;
    publish = std::move(it->second);
    published_.erase(it);
  }
  const absl::string_view body(natsMsg_GetData(msg),
                               static_cast<size_t>(natsMsg_GetDataLength(msg)));
  if (body != EncodedUpdate(*publish.entry)) return std::nullopt;
  absl::MutexLock lock(&published_mu_);
  taken_.insert(sequence);
  // The body holds every field of the update, the sequence among them; the
  // entry's other part, its previous update (the Sitrep-Previous header),
  // follows from the stream before `sequence`, the same for every replica.
  // So equal bodies at this sequence are equal entries, whichever replica
  // or attempt stored the message, and the writer's entry is the one the
  // message decodes to (without parsing, allocating and caching a copy).
  return publish;
}

void JetStreamEventLog::NotifierLoop() {
  for (;;) {
    std::vector<LogEntryPtr> batch;
    std::vector<IncidentRecordPtr> incidents;
    std::vector<natsMsg*> messages;
    std::vector<Completion> due;
    bool stop = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !to_notify_.empty() || notifier_stop_ || CompletionSeenLocked();
      };
      if (completions_.empty()) {
        mu_.Await(absl::Condition(&ready));
      } else {
        // Wakes at the first completion's deadline at the latest.
        mu_.AwaitWithDeadline(absl::Condition(&ready),
                              completions_.front().deadline);
      }
      stop = notifier_stop_;
      if (stop) {
        // The log goes: nobody is told any more; the appenders still hear
        // of their appends (what was stored but not seen: UNAVAILABLE).
        for (Completion& done : completions_) {
          done.deadline = absl::InfinitePast();
        }
        TakeDueCompletionsLocked(&due);
      } else {
        batch.swap(to_notify_);
        incidents.swap(to_notify_incidents_);
        messages.swap(applied_);
      }
    }
    if (!batch.empty()) {
      if (AppendListener* listener =
              listener_.load(std::memory_order_acquire)) {
        listener->OnAppended(batch, incidents);
      }
      DestroyMessages(&messages);
    }
    {
      absl::MutexLock lock(&mu_);
      if (!batch.empty()) notified_ = batch.back()->sequence();
      TakeDueCompletionsLocked(&due);
    }
    // Appenders hear of their appends after the listener (read-your-writes
    // through this replica's subscribers and reads).
    for (Completion& done : due) RunCompletion(&done);
    if (stop) return;
  }
}

bool JetStreamEventLog::ApplyLocked(uint64_t sequence,
                                    const absl::StatusOr<LogEntryPtr>& decoded,
                                    EventDigest digest, const Published* own,
                                    IncidentRecordPtr* record) {
  if (options_.hold_tail_until_listener) {
    auto may_apply = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !replayed_ || listener_attached_ ||
             stopping_.load(std::memory_order_acquire);
    };
    mu_.Await(absl::Condition(&may_apply));
    if (stopping_.load(std::memory_order_acquire)) return false;
  }
  // A redelivery after the ordered consumer was reset.
  if (sequence <= index_.head()) return false;
  if (!decoded.ok()) {
    LogError("log", "cannot apply a stream message",
             {{"sequence", absl::StrCat(sequence)},
              {"error", decoded.status().ToString()}});
    if (tail_error_.ok()) tail_error_ = decoded.status();
    return false;
  }
  const LogEntryPtr& entry = *decoded;
  if (sequence != index_.head() + 1) {
    // The sequences in between were removed before the tail saw them
    // (retention by another replica or by JetStream's limits).
    index_.Reset(sequence);
  }
  *record = ApplyToIncidentsLocked(entry, own);
  index_.Add(entry, digest);
  last_received_at_ = absl::FromUnixMicros(ReceivedAtMicros(entry->update));
  return true;
}

IncidentRecordPtr JetStreamEventLog::ApplyToIncidentsLocked(
    const LogEntryPtr& entry, const Published* own) {
  const v1::SituationUpdate& update = entry->update;
  if (update.incident_id().empty()) return nullptr;
  IncidentRecordPtr& record = incidents_[update.incident_id()];
  // A snapshot written before the chain's rules is re-derived from the
  // thread when the stream still retains its first update.
  if (record != nullptr && record->legacy && update.incident_version() == 1) {
    record = nullptr;
  }
  // A record loaded from a snapshot already holds its updates up to its
  // latest.
  if (record == nullptr || record->latest->sequence() < entry->sequence()) {
    // The writer folded this entry into `own->base` already: when that is
    // still the record here (the very pointer, kept alive by `own`, so no
    // other record at the same address), folding again would make an
    // equal record (AppliedToIncident is a function of the two).
    record = own != nullptr && own->base == record
                 ? own->record
                 : AppliedToIncident(record.get(), entry);
  }
  return record;
}

bool JetStreamEventLog::WaitNotified(uint64_t sequence,
                                     absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return notified_ >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

}  // namespace jetstream
}  // namespace sitrep
