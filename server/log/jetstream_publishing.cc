// The writer of the JetStream log: a group commit validates its requests
// against the replica's state at the head H (the shared incident rules of
// append_rules.h / incident_thread.h), publishes the accepted ones all at
// once (pipelined, js_PublishMsgAsync), the first with
// Nats-Expected-Last-Sequence: H (unless chained to the round in flight)
// and each later one with Nats-Expected-Last-Msg-Id: the id of the publish
// before it (which fixes its sequence too), and answers once the tail has
// applied them. The chain
// keeps the incident rules exact across replicas: JetStream stores the
// k-th publish only right after the (k-1)-th, so when another replica
// appended first, the rest of the round is refused too, and the writer
// waits for its tail and decides the rest again.

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_log.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace jetstream {
namespace {

// How often one group commit waits for a stream leader to be elected
// before its appends fail UNAVAILABLE; each wait is at most one request
// timeout.
constexpr int kMaxElectionWaits = 10;
// How often one group commit decides again after losing a race to
// another replica before its appends fail UNAVAILABLE.
constexpr int kMaxConflicts = 1000;

}  // namespace

void JetStreamEventLog::Append(std::vector<AppendRequest> batch,
                               AppendCallback done) {
  queue_.PushAppendOrFail(std::move(batch), std::move(done), CloseError());
}

std::vector<JetStreamEventLog::Decision> JetStreamEventLog::Decide(
    const std::vector<Item>& items, size_t first, uint64_t* head,
    RoundState* round) {
  std::vector<Decision> decisions;
  decisions.reserve(items.size() - first);
  // Requests decided before (a round refused, a publish failed, a decision
  // made again at the stream's head) get their updates back from the
  // entries they were moved into.
  for (size_t i = first; i < items.size(); ++i) {
    Moved& moved = *items[i].moved;
    if (moved.entry == nullptr) continue;
    items[i].request->update =
        UpdateBeforePrepare(moved.entry->update, moved.undo);
    moved.entry = nullptr;
  }
  absl::MutexLock lock(&mu_);
  *head = index_.head();
  if (carried_last_ > *head) {
    // The tail has not applied all of the last stored round yet: decide on
    // top of it. What the tail has applied is in the state already (the
    // same entries and records), so the carried state keeps only the rest.
    const uint64_t applied = *head;
    absl::erase_if(carried_.added, [applied](const auto& added) {
      return added.second->sequence() <= applied;
    });
    absl::erase_if(carried_.incidents, [applied](const auto& incident) {
      return incident.second->latest->sequence() <= applied;
    });
    *round = std::move(carried_);
  } else {
    *round = RoundState();
    round->next = *head + 1;
    round->last_received_at = last_received_at_;
  }
  carried_ = RoundState();
  carried_last_ = 0;
  for (size_t i = first; i < items.size(); ++i) {
    decisions.push_back(
        DecideOneLocked(*items[i].request, items[i].moved, round));
  }
  return decisions;
}

JetStreamEventLog::Decision JetStreamEventLog::DecideOneLocked(
    AppendRequest& request, Moved* moved, RoundState* round) {
  Decision decision;
  absl::Status status = CheckAppendRequest(request);
  if (!status.ok()) {
    decision.result = status;
    return decision;
  }
  const v1::SituationUpdate& update = request.update;
  const EventDigest key = DigestOf(update);
  if (auto it = round->added.find(key); it != round->added.end()) {
    status = CheckSameContent(it->second->update, update);
    decision.result = status.ok() ? absl::StatusOr<AppendResult>(
                                        AppendResult{it->second, true})
                                  : status;
    return decision;
  }
  if (std::optional<uint64_t> stored = index_.FindEvent(key)) {
    decision.kind = Decision::kCompare;
    decision.stored_sequence = *stored;
    return decision;
  }
  IncidentRecordPtr current;
  if (!update.incident_id().empty()) {
    if (auto it = round->incidents.find(update.incident_id());
        it != round->incidents.end()) {
      current = it->second;
    } else if (auto it = incidents_.find(update.incident_id());
               it != incidents_.end()) {
      current = it->second;
    }
  }
  const absl::Time received_at =
      NextReceivedAt(clock_->Now(), round->last_received_at);
  // Decided again only when a round fails: then Decide gets the update
  // back from the entry rather than every request being copied here.
  absl::StatusOr<PreparedAppend> prepared =
      PrepareAppend(std::move(request), current.get(), round->next,
                    received_at, &moved->undo);
  if (!prepared.ok()) {
    decision.result = prepared.status();
    decision.refused_on_state = true;
    return decision;
  }
  if (prepared->record != nullptr) {
    round->incidents[prepared->record->incident_id] = prepared->record;
  }
  round->added[key] = prepared->entry;
  moved->entry = prepared->entry;
  round->last_received_at = received_at;
  ++round->next;
  decision.kind = Decision::kPublish;
  decision.publish.entry = std::move(prepared->entry);
  decision.publish.digest = key;
  decision.publish.base = std::move(current);
  decision.publish.record = std::move(prepared->record);
  return decision;
}

absl::StatusOr<uint64_t> JetStreamEventLog::StreamLastSequence() {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s =
      js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &code);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot read stream '", options_.stream, "'"), s, code));
  }
  StreamInfoPtr info(raw);
  return info->State.LastSeq;
}

absl::StatusOr<AppendResult> JetStreamEventLog::CompareWithStored(
    uint64_t stored_sequence, const AppendRequest& request) {
  absl::StatusOr<LogEntryPtr> stored = Get(stored_sequence);
  if (!stored.ok()) return stored.status();
  absl::Status same = CheckSameContent((*stored)->update, request.update);
  if (!same.ok()) return same;
  return AppendResult{*stored, true};
}

void JetStreamEventLog::SendNextRound(Commit* commit) {
  Progress* progress = &commit->progress;
  uint64_t head = 0;
  RoundState state;
  std::vector<Decision> decisions =
      DecideAtStreamHead(commit->items, progress, &head, &state);
  // A refusal of the round in flight needs what the tail took of it.
  const uint64_t keep_from =
      in_flight_ != nullptr ? in_flight_->round.sent.front().second->sequence()
                            : std::numeric_limits<uint64_t>::max();
  ForgetPublishesUpTo(head, keep_from);
  SentRound round = SendRound(commit->items, progress->next, &decisions);
  if (!round.sent.empty()) rounds_sent_.fetch_add(1, std::memory_order_relaxed);
  if (round.sent.empty()) {
    progress->next = round.end;
    if (!round.failure.ok()) {
      CatchUp(round.failure, false, progress);
    } else if (state.next > head + 1) {
      // Nothing sent, but the carried state still holds stored publishes
      // the tail has not applied: keep deciding on top of it.
      carried_last_ = state.next - 1;
      carried_ = std::move(state);
    }
    return;
  }
  if (round.failure.ok()) {
    // The next round is decided on top of this one before its answer is
    // in: its first publish expects this round's last (chain_), so a
    // refusal of this round refuses it too. Cleared after a refusal.
    carried_last_ = round.sent.back().second->sequence();
    carried_ = std::move(state);
  }
  commit->round = std::move(round);
}

std::vector<JetStreamEventLog::Decision> JetStreamEventLog::DecideAtStreamHead(
    const std::vector<Item>& items, Progress* progress, uint64_t* head,
    RoundState* round) {
  std::vector<Decision> decisions = Decide(items, progress->next, head, round);
  if (progress->read_to_stream_head) return decisions;
  const bool refused_on_state =
      std::any_of(decisions.begin(), decisions.end(),
                  [](const Decision& d) { return d.refused_on_state; });
  if (!refused_on_state) return decisions;
  // Refused against this replica's view of the stream: a client that opened
  // an incident through another replica and resolves it here at once must
  // not hear "does not exist" because this tail has not read the opening.
  // Read to the stream's head (bounded by one request timeout; after it, or
  // without an answer, the refusal stands) and decide again, once per group
  // commit. Accepted requests never pay for this.
  progress->read_to_stream_head = true;
  // Decided on top of the round in flight: it is resolved first, and when
  // it was not stored whole these decisions are made again whatever the
  // stream's head says.
  const bool stale = in_flight_ != nullptr && !ResolveInFlight(nullptr);
  absl::StatusOr<uint64_t> last = StreamLastSequence();
  if (!last.ok() || *last <= *head ||
      !WaitNotified(*last, options_.request_timeout)) {
    return stale ? Decide(items, progress->next, head, round) : decisions;
  }
  // The tail has applied everything this writer stored: the round starts
  // from the state at the head.
  return Decide(items, progress->next, head, round);
}

void JetStreamEventLog::ForgetPublishesUpTo(uint64_t head,
                                            uint64_t keep_from) {
  // What the tail has passed without taking (a publish refused, a message
  // the tail decoded itself) is not needed any more.
  absl::MutexLock lock(&published_mu_);
  absl::erase_if(published_, [head](const auto& published) {
    return published.first <= head;
  });
  absl::erase_if(taken_, [keep_from](uint64_t sequence) {
    return sequence < keep_from;
  });
}

JetStreamEventLog::SentRound JetStreamEventLog::SendRound(
    const std::vector<Item>& items, size_t first,
    std::vector<Decision>* decisions) {
  size_t last_publish = items.size();
  for (size_t i = first; i < items.size(); ++i) {
    if ((*decisions)[i - first].kind == Decision::kPublish) last_publish = i;
  }
  // Only the last publish asks for an ack: the chain makes JetStream store
  // the k-th publish only right after the (k-1)-th, so its OK says the
  // whole round is stored, in order. One ack per round rather than per
  // publish spares libnats' ack thread, its reply messages and
  // nats-server's replies.
  SentRound round;
  round.end = items.size();
  std::vector<natsMsg*> unanswered;
  for (size_t i = first; i < round.end; ++i) {
    Decision& decision = (*decisions)[i - first];
    if (decision.kind == Decision::kFinal) {
      *items[i].result = std::move(decision.result);
    } else if (decision.kind == Decision::kCompare) {
      *items[i].result =
          CompareWithStored(decision.stored_sequence, *items[i].request);
    } else if (round.failure = PublishAsync(decision.publish,
                                            i == last_publish, &chain_,
                                            &unanswered);
               round.failure.ok()) {
      round.sent.emplace_back(i, decision.publish.entry);
      round.ack_attempt = publishes_;
    } else {
      round.end = i;  // Decided again from here.
    }
  }
  DestroyMessages(&unanswered);
  return round;
}

void JetStreamEventLog::FinishRound(Commit* commit) {
  const SentRound& round = commit->round;
  PublishOutcome outcome;
  if (round.failure.ok()) {
    outcome = AwaitAck(round.ack_attempt, round.sent.back().second->sequence());
  } else {
    // The round's last publish was not sent: nothing says how far the
    // chain got.
    outcome.status = round.failure;
  }
  if (outcome.status.ok()) {
    // Nothing is in flight now: the next round's expected last sequence
    // says all (the stream holds this round up to its last).
    chain_.clear();
    AcceptRound(commit);
  } else {
    ClearCarried();
    CatchUp(outcome.status, outcome.no_leader, &commit->progress);
    TakeStoredPrefix(commit->items, round.sent, round.end, &commit->progress);
  }
  commit->round = SentRound();
}

void JetStreamEventLog::AcceptRound(Commit* commit) {
  const SentRound& round = commit->round;
  for (const auto& [index, entry] : round.sent) {
    *commit->items[index].result = AppendResult{entry, false};
  }
  // The stream holds the round up to its last (nothing after a refused
  // publish was sent): the next round goes on from there.
  commit->progress.published = round.sent.back().second->sequence();
  commit->progress.next = round.end;
}

void JetStreamEventLog::TakeStoredPrefix(
    const std::vector<Item>& items,
    const std::vector<std::pair<size_t, LogEntryPtr>>& sent, size_t end,
    Progress* progress) {
  // After CatchUp the tail has applied the stream up to its last sequence
  // (when it could: otherwise the rest is decided again and finds what was
  // stored in the index, as a duplicate).
  absl::MutexLock lock(&published_mu_);
  for (const auto& [index, entry] : sent) {
    if (!taken_.contains(entry->sequence())) {
      progress->next = index;
      return;
    }
    *items[index].result = AppendResult{entry, false};
    progress->published = entry->sequence();
  }
  progress->next = end;
}

void JetStreamEventLog::CatchUp(const absl::Status& cause, bool no_leader,
                                Progress* progress) {
  if (no_leader) {
    // A stream info request is answered once the stream has a leader again
    // (or times out): then decide again, as after a conflict.
    if (++progress->elections > kMaxElectionWaits) {
      progress->failure = cause;
      return;
    }
  } else if (cause.code() != absl::StatusCode::kAborted) {
    progress->failure = cause;
    return;
  } else if (++progress->conflicts > kMaxConflicts) {
    // Another replica appended first, again and again.
    progress->failure = absl::UnavailableError(absl::StrCat(
        "could not append after ", progress->conflicts,
        " conflicts with other replicas: ", cause.message()));
    return;
  }
  const bool conflict = !no_leader;
  const absl::Time start = absl::Now();
  absl::StatusOr<uint64_t> last = StreamLastSequence();
  if (!last.ok()) {
    // After a lost leader the next round finds out again.
    if (!no_leader) progress->failure = last.status();
  } else if (!WaitNotified(*last, options_.request_timeout)) {
    progress->failure = absl::UnavailableError(absl::StrCat(
        "this replica's tail did not reach sequence ", *last));
  }
  if (conflict) {
    conflicts_.fetch_add(1, std::memory_order_relaxed);
    conflict_ns_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - start),
                           std::memory_order_relaxed);
  }
}

void JetStreamEventLog::Complete(Completion done) {
  {
    absl::MutexLock lock(&mu_);
    if (!completions_.empty() || notified_ < done.published) {
      completions_.push_back(std::move(done));
      return;
    }
  }
  RunCompletion(&done);
}

void JetStreamEventLog::RunCompletion(Completion* done) {
  for (size_t i = 0; i < done->appends.size(); ++i) {
    health_.ReportAppend(done->results[i]);
    done->appends[i].done(std::move(done->results[i]));
  }
}

bool JetStreamEventLog::CompletionSeenLocked() const {
  return !completions_.empty() && completions_.front().published <= notified_;
}

void JetStreamEventLog::TakeDueCompletionsLocked(
    std::vector<Completion>* due) {
  // Read once: the notifier's wait condition reads no clock (it is
  // evaluated at every release of mu_); its deadline ends the wait instead.
  const absl::Time now = absl::Now();
  while (!completions_.empty() && (CompletionSeenLocked() ||
                                   completions_.front().deadline <= now)) {
    Completion& done = completions_.front();
    if (done.published > notified_) {
      const absl::Status late = absl::UnavailableError(absl::StrCat(
          "stored up to sequence ", done.published,
          " but this replica's tail has not seen it yet; retry (the retry "
          "is a duplicate)"));
      for (auto& results : done.results) {
        for (absl::StatusOr<AppendResult>& result : results) {
          if (result.ok() && !result->duplicate) result = late;
        }
      }
    }
    due->push_back(std::move(done));
    completions_.pop_front();
  }
}

void JetStreamEventLog::DrainCompletions() {
  absl::MutexLock lock(&mu_);
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return completions_.empty();
  };
  // Each completion is due by its deadline at the latest.
  mu_.AwaitWithTimeout(absl::Condition(&drained),
                       std::max(options_.request_timeout, absl::Seconds(30)) +
                           absl::Seconds(5));
}

}  // namespace jetstream
}  // namespace sitrep
