// The joining replay of the JetStream log: the retained updates up to the
// stream's last sequence when the log opened, read by the tail's ordered
// consumer before Open returns. Nothing listens yet (a listener is set
// after Open), so each one only makes the state: its slot of the retained
// index (received_at and the (publisher, event_id) digest, read from the
// encoding without parsing it: ScanStoredUpdate) and, decoded in full,
// the incident updates (folded into their records) and the newest
// `cache_entries` (the cache of recent entries). The state the replay
// leaves is the one the tail's ApplyLocked makes of the same messages:
// jetstream_join_test compares them.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_log.h"
#include "server/log/stored_update_scan.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace jetstream {

namespace {

// The replay's messages are destroyed this many at a time: each
// natsMsg_Destroy of a lone message wakes libnats' collector thread
// (DestroyMessages).
constexpr size_t kReplayGarbageBatch = 512;

}  // namespace

void JetStreamEventLog::ReplayMessage(natsMsg* msg, uint64_t sequence) {
  replay_garbage_.push_back(msg);
  absl::StatusOr<Replayed> replayed = ReadReplayed(msg, sequence);
  {
    absl::MutexLock lock(&mu_);
    ApplyReplayedLocked(sequence, replayed);
  }
  if (replay_garbage_.size() >= kReplayGarbageBatch ||
      sequence >= replay_last_.load(std::memory_order_acquire)) {
    DestroyMessages(&replay_garbage_);
  }
}

absl::StatusOr<JetStreamEventLog::Replayed> JetStreamEventLog::ReadReplayed(
    natsMsg* msg, uint64_t sequence) const {
  const absl::string_view body(natsMsg_GetData(msg),
                               static_cast<size_t>(natsMsg_GetDataLength(msg)));
  StoredUpdateFields fields;
  if (!ScanStoredUpdate(body, &fields)) {
    return absl::DataLossError(
        absl::StrCat("cannot decode the update with sequence ", sequence,
                     " stored in the event log"));
  }
  if (fields.sequence != sequence) {
    return absl::DataLossError(absl::StrCat(
        "stream message ", sequence, " holds an update with sequence ",
        fields.sequence, ": it was not appended by sitrep"));
  }
  Replayed replayed;
  replayed.received_us = fields.received_at_us;
  // Decoded in full: what the cache keeps, and what the incident records
  // fold.
  const uint64_t last = replay_last_.load(std::memory_order_acquire);
  const uint64_t cached = std::max<uint64_t>(options_.cache_entries, 1);
  if (!fields.incident_id.empty() || sequence + cached > last) {
    absl::StatusOr<LogEntryPtr> entry = EntryFromMessage(msg, sequence);
    if (!entry.ok()) return entry.status();
    replayed.entry = *std::move(entry);
    // EntryFromMessage read a header, so libnats has parsed them all: the
    // writer's digest in Nats-Msg-Id is at hand (no SHA-256).
    replayed.digest = MessageDigest(msg, fields.publisher, fields.event_id);
  } else {
    // The headers stay unparsed: libnats' parse and free of them (~7,000
    // instructions, callgrind of the tail) cost twice the SHA-256.
    replayed.digest = DigestOf(fields.publisher, fields.event_id);
  }
  return replayed;
}

void JetStreamEventLog::ApplyReplayedLocked(
    uint64_t sequence, const absl::StatusOr<Replayed>& replayed) {
  // A redelivery after the ordered consumer was reset.
  if (sequence <= index_.head()) return;
  if (!replayed.ok()) {
    LogError("log", "cannot apply a stream message",
             {{"sequence", absl::StrCat(sequence)},
              {"error", replayed.status().ToString()}});
    if (tail_error_.ok()) tail_error_ = replayed.status();
    return;
  }
  // The sequences in between were removed before the tail saw them.
  if (sequence != index_.head() + 1) index_.Reset(sequence);
  if (replayed->entry != nullptr) {
    ApplyToIncidentsLocked(replayed->entry, nullptr);
    index_.Add(replayed->entry, replayed->digest);
  } else {
    index_.AddWithoutEntry(replayed->received_us, replayed->digest);
  }
  last_received_at_ = absl::FromUnixMicros(replayed->received_us);
  // Nothing listens during the replay (SetAppendListener comes after
  // Open): what the tail applied is handed on by being applied.
  if (to_notify_.empty()) notified_ = sequence;
}

}  // namespace jetstream
}  // namespace sitrep
