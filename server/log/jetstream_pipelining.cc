// The JetStream log's writer across group commits: one commit's last round
// stays in flight while the next commit's first round is decided on top of
// it and sent chained to it (its first publish expects the stream's last
// message to be the round in flight's last, by Nats-Msg-Id). nats-server
// then stores round N+1 right behind round N without waiting for the
// writer to hear of N, and the writer decides N+1 while nats-server stores
// N. The chain keeps this exact: when N is refused, nats-server refuses all
// of N+1 too, and N+1's decisions (made on N's state) are made again; no
// appender hears of its update before the round that holds it was answered
// (jetstream_publishing.cc decides, sends and answers one round).

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/log/jetstream_log.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace jetstream {

void JetStreamEventLog::WriterLoop() {
  GroupCommitQueue::Work work;
  for (;;) {
    // With a round in flight, the next commit is only worth waiting for if
    // it is already queued: else the writer waits for the answer instead.
    const bool got =
        in_flight_ != nullptr ? queue_.TryNext(&work) : queue_.Next(&work);
    if (!got) {
      if (in_flight_ == nullptr) break;  // Closed and drained.
      ResolveInFlight(nullptr);
      continue;
    }
    if (!work.appends.empty()) CommitBatch(&work.appends);
    if (work.task != nullptr) {
      // Tasks (retention) see the stream as this writer left it.
      if (in_flight_ != nullptr) ResolveInFlight(nullptr);
      work.task();
    }
  }
  DrainCompletions();
}

std::unique_ptr<JetStreamEventLog::Commit> JetStreamEventLog::MakeCommit(
    std::vector<GroupCommitQueue::PendingAppend>* appends) {
  auto commit = std::make_unique<Commit>();
  commit->appends = std::move(*appends);
  commit->results.resize(commit->appends.size());
  size_t items = 0;
  for (const GroupCommitQueue::PendingAppend& append : commit->appends) {
    items += append.batch.size();
  }
  // Sized once: items point into it.
  commit->moved.resize(items);
  for (size_t i = 0; i < commit->appends.size(); ++i) {
    commit->results[i].resize(commit->appends[i].batch.size(), CloseError());
    for (size_t j = 0; j < commit->results[i].size(); ++j) {
      commit->items.push_back({&commit->appends[i].batch[j],
                               &commit->results[i][j],
                               &commit->moved[commit->items.size()]});
    }
  }
  return commit;
}

void JetStreamEventLog::CommitBatch(
    std::vector<GroupCommitQueue::PendingAppend>* appends) {
  std::unique_ptr<Commit> commit = MakeCommit(appends);
  if (in_flight_ != nullptr) {
    if (Connected()) SendNextRound(commit.get());
    if (!commit->round.sent.empty() && in_flight_ != nullptr) {
      rounds_sent_behind_.fetch_add(1, std::memory_order_relaxed);
    }
    // Deciding may have resolved it already (DecideAtStreamHead).
    if (in_flight_ != nullptr) ResolveInFlight(commit.get());
  }
  RunRounds(std::move(commit), /*may_leave_in_flight=*/true);
}

void JetStreamEventLog::RunRounds(std::unique_ptr<Commit> commit,
                                  bool may_leave_in_flight) {
  Progress& progress = commit->progress;
  for (;;) {
    if (!commit->round.sent.empty()) {
      if (may_leave_in_flight && commit->round.Whole(commit->items.size())) {
        in_flight_ = std::move(commit);
        return;
      }
      FinishRound(commit.get());
    }
    if (progress.next >= commit->items.size() || !progress.failure.ok()) {
      break;
    }
    if (!Connected()) {
      progress.failure = absl::UnavailableError(
          absl::StrCat("not connected to NATS at '", options_.nats_url, "'"));
      break;
    }
    SendNextRound(commit.get());
  }
  FinishCommit(std::move(commit));
}

bool JetStreamEventLog::ResolveInFlight(Commit* next) {
  std::unique_ptr<Commit> commit = std::move(in_flight_);
  const SentRound& round = commit->round;
  const PublishOutcome outcome =
      AwaitAck(round.ack_attempt, round.sent.back().second->sequence());
  const bool next_sent = next != nullptr && !next->round.sent.empty();
  if (outcome.status.ok()) {
    if (!next_sent) chain_.clear();
    AcceptRound(commit.get());
    commit->round = SentRound();
    FinishCommit(std::move(commit));
    return true;
  }
  if (next_sent) refusals_in_flight_.fetch_add(1, std::memory_order_relaxed);
  // Refused or not answered. `next`'s round is chained to this one: it was
  // refused too unless this one was stored after all (an answer lost), and
  // its answer comes in before CatchUp reads the stream's end.
  if (next_sent && next->round.failure.ok()) {
    AwaitAck(next->round.ack_attempt,
             next->round.sent.back().second->sequence());
  }
  ClearCarried();
  CatchUp(outcome.status, outcome.no_leader, &commit->progress);
  TakeStoredPrefix(commit->items, round.sent, round.end, &commit->progress);
  commit->round = SentRound();
  const bool whole = commit->progress.next == commit->items.size();
  if (next != nullptr) {
    if (whole && next_sent) {
      // Decided on a state that was stored: what the stream holds of
      // `next`'s round stands, the rest is decided again.
      TakeStoredPrefix(next->items, next->round.sent, next->round.end,
                       &next->progress);
    } else if (!whole) {
      // Decided on a state the stream does not hold: all of it again.
      next->progress = Progress();
      for (auto& results : next->results) {
        for (absl::StatusOr<AppendResult>& result : results) {
          result = CloseError();
        }
      }
    }
    next->round = SentRound();
  }
  RunRounds(std::move(commit), /*may_leave_in_flight=*/false);
  return whole;
}

void JetStreamEventLog::FinishCommit(std::unique_ptr<Commit> commit) {
  const Progress& progress = commit->progress;
  if (!progress.failure.ok()) {
    LogWarning("log", "append failed",
               {{"error", progress.failure.ToString()}});
    for (size_t i = progress.next; i < commit->items.size(); ++i) {
      *commit->items[i].result = progress.failure;
    }
  }
  Completion done;
  done.published = progress.published;
  done.deadline =
      absl::Now() + std::max(options_.request_timeout, absl::Seconds(30));
  done.appends = std::move(commit->appends);
  done.results = std::move(commit->results);
  Complete(std::move(done));
}

void JetStreamEventLog::ClearCarried() {
  carried_ = RoundState();
  carried_last_ = 0;
  chain_.clear();
}

}  // namespace jetstream
}  // namespace sitrep
