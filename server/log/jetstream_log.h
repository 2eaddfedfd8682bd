#ifndef SITREP_SERVER_LOG_JETSTREAM_LOG_H_
#define SITREP_SERVER_LOG_JETSTREAM_LOG_H_

// The JetStream EventLog's class, internal to server/log: the layout of the
// stream is in jetstream_event_log.h (OpenJetStreamEventLog is the public
// way in). Its methods live in one file per concept:
//   jetstream_event_log.cc          open, connect, check the stream, close
//   jetstream_publishing.cc         the writer: validate, publish, wait
//   jetstream_pipelining.cc         the writer's commits: one in flight
//                                   while the next one's round is sent
//   jetstream_publish_acks.cc       the writer's publishes and their acks
//   jetstream_tail.cc               the tail: apply the stream to the state
//   jetstream_replay.cc             the tail's replay of the stream in Open
//   jetstream_reads.cc              Read, Get, FirstSequenceAtOrAfter, incidents
//   jetstream_incident_snapshots.cc the <stream>_INCIDENTS bucket
//   jetstream_retention.cc          ApplyRetention

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "nats/nats.h"
#include "server/log/append_rules.h"
#include "server/log/event_log.h"
#include "server/log/group_commit.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/jetstream_header_block.h"
#include "server/log/jetstream_nats.h"
#include "server/log/jetstream_retained_index.h"
#include "server/log/jetstream_snapshot_bucket.h"
#include "server/log/log_health.h"

namespace sitrep {
namespace jetstream {

absl::Status CloseError();

// Threads: the writer thread (group commit: validate, publish, wait for the
// tail), libnats' delivery thread of the ordered consumer (the tail: applies
// messages, one at a time, in sequence order), the notifier thread (gives
// the listener what the tail applied, in order, in batches when the tail
// is ahead: one hand-off per batch rather than per message), libnats'
// thread of publish acks, and the callers of the read methods.
//
// Invariants: the state under mu_ is the stream's content up to
// index_.head() as seen through the tail; index_ covers exactly the retained
// sequences [Oldest(), Head()]; notified_ <= Head() and every entry up to
// notified_ was given to the listener.
class JetStreamEventLog final : public EventLog {
 public:
  static absl::StatusOr<std::unique_ptr<JetStreamEventLog>> Open(
      const JetStreamOptions& options);

  ~JetStreamEventLog() override;

  const std::string& log_id() const override { return log_id_; }
  void Append(std::vector<AppendRequest> batch, AppendCallback done) override;
  absl::StatusOr<std::vector<LogEntryPtr>> Read(
      const ReadRange& range) const override;
  uint64_t Head() const override {
    absl::MutexLock lock(&mu_);
    return index_.head();
  }
  uint64_t Oldest() const override {
    absl::MutexLock lock(&mu_);
    return index_.oldest();
  }
  JetStreamIndexSizes IndexSizes() const;
  JetStreamWriterCounts WriterCounts() const {
    return {rounds_sent_behind_.load(std::memory_order_relaxed),
            refusals_in_flight_.load(std::memory_order_relaxed),
            rounds_sent_.load(std::memory_order_relaxed),
            conflicts_.load(std::memory_order_relaxed),
            static_cast<double>(conflict_ns_.load(std::memory_order_relaxed)) / 1e9};
  }
  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const override;
  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override;
  absl::StatusOr<std::optional<IncidentRecord>> LoadIncident(
      const std::string& incident_id) const override;
  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy& policy,
                                          absl::Time now) override {
    absl::StatusOr<uint64_t> removed = Retain(policy, now);
    health_.ReportWrite(removed.status());
    return removed;
  }
  absl::Status SaveSituationSnapshot(
      const StoredSituation& snapshot) override {
    if (closed_.load(std::memory_order_acquire)) return CloseError();
    absl::Status saved = situation_bucket_->Save(snapshot);
    health_.ReportWrite(saved);
    return saved;
  }
  absl::StatusOr<std::vector<uint64_t>> ListSituationSnapshots()
      const override {
    return health_.Read(situation_bucket_->List());
  }
  absl::StatusOr<StoredSituation> LoadSituationSnapshot(
      uint64_t sequence) const override {
    return health_.Read(situation_bucket_->Load(sequence));
  }
  void SetAppendListener(AppendListener* listener) override {
    listener_.store(listener, std::memory_order_release);
    if (listener != nullptr) {
      absl::MutexLock lock(&mu_);
      listener_attached_ = true;
    }
    health_.ListenerAttached();
  }
  void Close() override;

 private:
  // A request whose update its last decision moved into `entry` (null:
  // none, the request is whole), and what that changed (append_rules.h):
  // Decide gets the update back before deciding the request again.
  struct Moved {
    LogEntryPtr entry;
    AppendUndo undo;
  };
  // One request of a group commit and what became of it.
  struct Item {
    AppendRequest* request;
    absl::StatusOr<AppendResult>* result;
    Moved* moved;
  };
  // A publish of this replica's writer, for the tail (TakePublished).
  struct Published {
    LogEntryPtr entry;
    EventDigest digest = 0;  // DigestOf the entry's update
    // For an incident update: the record the writer decided against and
    // the one it made of it (AppliedToIncident(base, entry)). The tail
    // takes `record` rather than folding the entry again when its own
    // record of the incident is still `base` (the very pointer).
    IncidentRecordPtr base;
    IncidentRecordPtr record;
  };
  // A decision of one round of validation for an item.
  struct Decision {
    enum Kind { kFinal, kCompare, kPublish } kind = kFinal;
    absl::StatusOr<AppendResult> result;  // kFinal
    uint64_t stored_sequence = 0;         // kCompare: the stored duplicate
    Published publish;                    // kPublish
    // kFinal: refused by the incident rules against the replica's state,
    // which may be behind the stream's (DecideAtStreamHead).
    bool refused_on_state = false;
  };
  // Where a group commit stands between its rounds.
  struct Progress {
    size_t next = 0;         // Items before it are decided for good.
    uint64_t published = 0;  // The last sequence this commit stored.
    absl::Status failure;    // Fails every item from `next` on.
    int conflicts = 0;
    int elections = 0;
    // A refusal made this commit read to the stream's head once.
    bool read_to_stream_head = false;
  };
  // What one round sent: the publishes (item index and entry), in sequence
  // order; `end`, where it stopped sending (items.size() unless a publish
  // failed, with `failure`); the publish counter of its last publish, whose
  // ack answers the round.
  struct SentRound {
    std::vector<std::pair<size_t, LogEntryPtr>> sent;
    size_t end = 0;
    absl::Status failure;
    uint64_t ack_attempt = 0;
    // Every request of the commit was decided and the round sent whole:
    // it may stay in flight while the next commit's round is sent.
    bool Whole(size_t items) const {
      return !sent.empty() && failure.ok() && end == items;
    }
  };
  // A group commit: its appends, one result per request (handed over by
  // Complete), where it stands, and its round sent and not answered yet
  // (round.sent empty: none). Items point into appends and results, whose
  // buffers a move keeps: a Commit lives behind a unique_ptr.
  struct Commit {
    std::vector<GroupCommitQueue::PendingAppend> appends;
    std::vector<std::vector<absl::StatusOr<AppendResult>>> results;
    std::vector<Moved> moved;  // One per item.
    std::vector<Item> items;
    Progress progress;
    SentRound round;
  };
  // The changes a round has decided so far, on top of the state at the
  // head; after a stored round, what the writer decides the next one on
  // while its tail has not applied it (carried_).
  struct RoundState {
    uint64_t next = 0;  // The sequence the next accepted request gets.
    absl::Time last_received_at;
    // (publisher, event_id) -> the entry this round made of it.
    absl::flat_hash_map<EventDigest, LogEntryPtr> added;
    // The incident records this round changed.
    absl::flat_hash_map<std::string, IncidentRecordPtr> incidents;
  };
  // A group commit decided and stored, whose appenders hear of it once the
  // listener was told of `published` (or at `deadline`, as UNAVAILABLE for
  // what was stored but not seen: the retry is a duplicate). The notifier
  // runs them, in order.
  struct Completion {
    uint64_t published = 0;
    absl::Time deadline;
    std::vector<GroupCommitQueue::PendingAppend> appends;
    std::vector<std::vector<absl::StatusOr<AppendResult>>> results;
  };
  // What JetStream answered to one publish of a round: OK, ABORTED (another
  // replica appended first, or a chained publish whose predecessor was
  // refused) or UNAVAILABLE; no_leader when nothing answered at once (the
  // stream has no leader for a moment: a node of the cluster died and an
  // election runs).
  struct PublishOutcome {
    absl::Status status;
    bool no_leader = false;
  };

  explicit JetStreamEventLog(const JetStreamOptions& options);

  // Open (jetstream_event_log.cc).
  absl::Status Connect();
  absl::StatusOr<StreamInfoPtr> CreateOrCheckStream();
  // Creates the stream (or reads the one another replica just created).
  natsStatus CreateStream(jsStreamInfo** info, jsErrCode* code);
  // Whether `config` is a stream this log can use; sets log_id_.
  absl::Status CheckStream(const jsStreamConfig& config);

  // Incident snapshots (jetstream_incident_snapshots.cc).
  // Opens (or creates) the incident snapshot bucket and loads it.
  absl::Status LoadIncidentSnapshots();
  absl::Status OpenIncidentBucket(const std::string& bucket);
  // Applies one snapshot read from the bucket.
  absl::Status LoadSnapshotLocked(kvEntry* entry, const std::string& bucket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the records changed since their last snapshot. Before the
  // stream loses updates.
  absl::Status SnapshotIncidents();
  // Writes `record` unless the bucket holds a newer one.
  absl::Status PutSnapshot(const IncidentRecord& record);

  // Connection events (jetstream_event_log.cc).
  static void OnDisconnected(natsConnection* nc, void* closure);
  static void OnReconnected(natsConnection* nc, void* closure);
  // libnats' last callback of a connection: after it, none refers to this.
  static void OnConnectionClosed(natsConnection* nc, void* closure);
  void ConnectionChanged(bool connected);

  // Tail (jetstream_tail.cc).
  absl::Status StartTail(const jsStreamState& state);
  // Waits until the tail applied `last` (or failed) while it makes progress.
  absl::Status ReplayLocked(uint64_t last) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void OnMessage(natsConnection* nc, natsSubscription* sub,
                        natsMsg* msg, void* closure);
  // Takes `msg`.
  void ApplyMessage(natsMsg* msg);
  // The entry this replica's writer published as `sequence`, when `msg` is
  // that publish (its stored body is the entry's encoding), or null: the
  // tail then keeps the writer's entry rather than decoding the message.
  std::optional<Published> TakePublished(natsMsg* msg, uint64_t sequence);
  // Applies the decoded message `sequence` to the state and sets *record
  // to its incident's new record (null: none); false when it is not to be
  // told to the listener (a redelivery, an error, stopping).
  // `own`: this replica's publish of `sequence` (TakePublished), or null.
  bool ApplyLocked(uint64_t sequence,
                   const absl::StatusOr<LogEntryPtr>& decoded,
                   EventDigest digest, const Published* own,
                   IncidentRecordPtr* record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Folds `entry` into its incident's record (a new one replaces it) and
  // returns that record; null for a stand-alone report. With `own` (the
  // writer's publish of `entry`) decided against the record held now, takes
  // the record the writer made instead of folding again.
  IncidentRecordPtr ApplyToIncidentsLocked(const LogEntryPtr& entry,
                                           const Published* own)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The notifier thread: gives the listener what the tail applied, in
  // order, and advances notified_.
  void NotifierLoop();
  // Waits until the listener was told about `sequence`; false on timeout.
  bool WaitNotified(uint64_t sequence, absl::Duration timeout) const;

  // The replay in Open (jetstream_replay.cc): the tail's messages up to
  // replay_last_, before anything listens.
  // What the retained index and the incident records need of a message:
  // `entry` only for an incident update or one the cache will keep.
  struct Replayed {
    int64_t received_us = 0;
    EventDigest digest = 0;
    LogEntryPtr entry;
  };
  // Takes `msg` (destroyed with others, a batch at a time).
  void ReplayMessage(natsMsg* msg, uint64_t sequence);
  absl::StatusOr<Replayed> ReadReplayed(natsMsg* msg, uint64_t sequence) const;
  void ApplyReplayedLocked(uint64_t sequence,
                           const absl::StatusOr<Replayed>& replayed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Writer (jetstream_publishing.cc).
  // Takes the next group commit without waiting while one is in flight,
  // and finishes that one when nothing is queued or before a task.
  void WriterLoop();
  // Sends the commit's first round chained to the one in flight (decided
  // on top of it), then resolves the one in flight; runs the rest of the
  // commit's rounds, and leaves its last one in flight when it was sent
  // whole (jetstream_pipelining.cc).
  void CommitBatch(std::vector<GroupCommitQueue::PendingAppend>* appends);
  static std::unique_ptr<Commit> MakeCommit(
      std::vector<GroupCommitQueue::PendingAppend>* appends);
  // Runs rounds until every request of `commit` is decided, then completes
  // it; with `may_leave_in_flight`, stops instead once a round was sent
  // whole and makes it in_flight_.
  void RunRounds(std::unique_ptr<Commit> commit, bool may_leave_in_flight);
  // Waits for the answer of in_flight_'s round and completes that commit.
  // `next` (or null) sent its first round chained to it: when the round in
  // flight was refused or not answered, `next`'s round is awaited too (the
  // chain refused it, unless the first was stored after all), and
  // `next`'s decisions, made on top of a round that was not stored whole,
  // are dropped to be made again. Returns whether in_flight_'s round was
  // stored whole.
  bool ResolveInFlight(Commit* next);
  // Fails what is left of `commit` with its failure and hands it over.
  void FinishCommit(std::unique_ptr<Commit> commit);
  // Forgets the state carried from this writer's last round (after a
  // refusal: CatchUp reads the stream instead) and its chain.
  void ClearCarried();
  // Decides one round from progress.next on and publishes its accepted
  // requests pipelined (all in flight at once, chained) into
  // commit->round, without waiting for the answer.
  void SendNextRound(Commit* commit);
  // Decide from progress->next on; when the incident rules refused a request
  // against a head behind the stream's, once per commit, reads to the
  // stream's head and decides again (read-your-writes across replicas).
  std::vector<Decision> DecideAtStreamHead(const std::vector<Item>& items,
                                           Progress* progress, uint64_t* head,
                                           RoundState* round);
  // Drops this replica's publishes at or below `head` that the tail passed
  // without taking, and what it took below `keep_from` (the first sequence
  // of the round in flight, whose refusal would need it).
  void ForgetPublishesUpTo(uint64_t head, uint64_t keep_from);
  // Answers the round's final and duplicate decisions and publishes its
  // accepted ones, pipelined and chained; stops at a failed publish.
  SentRound SendRound(const std::vector<Item>& items, size_t first,
                      std::vector<Decision>* decisions);
  // Waits for the ack of commit->round's last publish and answers the
  // round, or after a refusal catches up and keeps the prefix the stream
  // stored.
  void FinishRound(Commit* commit);
  // The round's publishes are stored: answers them.
  static void AcceptRound(Commit* commit);
  // After a conflict or a lost leader: waits for the tail to reach the
  // stream's last sequence. Sets progress->failure when it cannot.
  void CatchUp(const absl::Status& cause, bool no_leader, Progress* progress);
  // Validates items[first...] against the state at the head, or on top of
  // carried_ while the tail has not applied this writer's last stored round;
  // returns one decision per item, sets *head (the tail's) and *round.
  std::vector<Decision> Decide(const std::vector<Item>& items, size_t first,
                               uint64_t* head, RoundState* round);
  // Moves an accepted request's update into its entry (*moved).
  Decision DecideOneLocked(AppendRequest& request, Moved* moved,
                           RoundState* round) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The result of a request whose (publisher, event_id) is stored as
  // `stored_sequence`: a duplicate or ALREADY_EXISTS.
  absl::StatusOr<AppendResult> CompareWithStored(uint64_t stored_sequence,
                                                 const AppendRequest& request);
  // After the round's last publish was refused or not answered: the
  // publishes of `sent` the tail took back as this replica's own are the
  // stored prefix of the chain. Sets their results and progress (`end`:
  // where the round stopped sending).
  void TakeStoredPrefix(const std::vector<Item>& items,
                        const std::vector<std::pair<size_t, LogEntryPtr>>& sent,
                        size_t end, Progress* progress);
  // The stream's last sequence, or UNAVAILABLE.
  absl::StatusOr<uint64_t> StreamLastSequence();
  // The listener sees every stored entry before its appender hears of it:
  // runs `done` now when nothing is pending and the listener was told,
  // else queues it for the notifier.
  void Complete(Completion done);
  // Reports the results of `done` and runs its callbacks.
  void RunCompletion(Completion* done);
  // Moves the completions that are due (the listener was told of their
  // publishes, or their deadline passed: then what they stored fails
  // UNAVAILABLE) to *due, in order.
  void TakeDueCompletionsLocked(std::vector<Completion>* due)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the listener was told of the first completion's publishes.
  bool CompletionSeenLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // At the writer's end: waits until the notifier ran every completion.
  void DrainCompletions();

  // Publishes and their acks (jetstream_publish_acks.cc).
  // Publishes `entry` without waiting, expecting the stream's last sequence
  // to be one less and, unless `*chain` is empty, its last message id to
  // be `*chain` (the message before it in this round); sets *chain to this
  // message's id. With `ack` its outcome comes to OnPublishAck; without,
  // nothing answers (a core publish) and the message goes to *sent, to be
  // destroyed with the others of the round.
  absl::Status PublishAsync(const Published& publish, bool ack,
                            std::string* chain, std::vector<natsMsg*>* sent);
  absl::StatusOr<MsgPtr> MakeMessage(const LogEntry& entry,
                                     const std::string& msg_id,
                                     const std::string& chain);
  static void OnPublishAck(jsCtx* js, natsMsg* msg, jsPubAck* ack,
                           jsPubAckErr* error, void* closure);
  // Waits for the outcome of publish `attempt` (the last of a round, stored
  // as `sequence`); without an answer in time: UNAVAILABLE.
  PublishOutcome AwaitAck(uint64_t attempt, uint64_t sequence);

  // Reads (jetstream_reads.cc).
  // The stored entry `sequence`: from the cache or the stream. NOT_FOUND
  // once retention removed it.
  absl::StatusOr<LogEntryPtr> Get(uint64_t sequence) const;
  absl::StatusOr<LogEntryPtr> Fetch(uint64_t sequence) const;
  // The retained entries of [first, last] from the stream in one batch: an
  // ephemeral pull consumer from `first`, fetched, then deleted.
  absl::StatusOr<std::vector<LogEntryPtr>> FetchRange(uint64_t first,
                                                      uint64_t last) const;
  // Appends the retained entries of [first, last] to *entries, ascending:
  // a batch from the stream for the ones not cached, when there are many.
  absl::Status ReadAscending(uint64_t first, uint64_t last,
                             std::vector<LogEntryPtr>* entries) const;

  // Retention (jetstream_retention.cc): ApplyRetention without reporting.
  absl::StatusOr<uint64_t> Retain(const RetentionPolicy& policy,
                                  absl::Time now);
  // The first sequence `policy` keeps at `now`.
  uint64_t RetentionTarget(const RetentionPolicy& policy, absl::Time now) const;
  absl::Status PurgeBelow(uint64_t target);

  bool Connected() const {
    return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
  }

  // Constant after Open().
  const JetStreamOptions options_;
  Clock* const clock_;
  const int64_t timeout_ms_;
  std::string log_id_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  // The context of the writer's pipelined publishes (acks to OnPublishAck).
  jsCtx* publish_js_ = nullptr;
  // Random, made at open: with a per-publish counter it makes every
  // publish's Nats-Msg-Id unique, which the chain of a round relies on.
  std::string nonce_;
  natsSubscription* tail_ = nullptr;
  // The stream's last sequence when the log opened: the tail's messages up
  // to it are the replay (ReplayMessage). Set before the tail subscribes.
  std::atomic<uint64_t> replay_last_{0};
  // The replay's messages not destroyed yet; the tail's thread only (and
  // the destructor, once the tail is gone).
  std::vector<natsMsg*> replay_garbage_;
  kvStore* incidents_kv_ = nullptr;
  // Situation snapshots (GetSituation as_of); set by Open().
  std::unique_ptr<JetStreamSnapshotBucket> situation_bucket_;
  std::thread::id writer_id_;

  std::atomic<AppendListener*> listener_{nullptr};
  // Tells listener_ of the store's health, from the outcomes of the
  // operations and the connection's events.
  mutable LogHealth health_{&listener_};
  std::atomic<bool> closed_{false};
  // Set by the destructor: the tail ignores what is still delivered.
  std::atomic<bool> stopping_{false};
  // Notified by OnConnectionClosed. libnats runs connection callbacks on a
  // thread of its own, after natsConnection_Close returned: the destructor
  // waits for this, the last of them, before the object goes.
  absl::Notification connection_closed_;

  GroupCommitQueue queue_;
  std::thread notifier_;
  // Publishes made so far; writer thread only.
  uint64_t publishes_ = 0;
  // Writer thread only: the subject of each (mission, role, severity) seen.
  absl::flat_hash_map<std::tuple<int, int, int>, std::string> subjects_;
  // Writer thread only: the headers of the message being made.
  NatsHeaderBlock headers_;
  // Writer thread only: the state of the last stored round (its entries and
  // records) and its last sequence, while the tail may not have applied it:
  // the next round is decided on top of it, so the writer sends the next
  // round without waiting for its tail (its publishes expect the stream's
  // last sequence to be carried_last_; anything else appended since is a
  // conflict, as ever). Reset after a failed round (CatchUp read the
  // stream to its end).
  RoundState carried_;
  uint64_t carried_last_ = 0;
  // Writer thread only: the Nats-Msg-Id of the last publish of a round sent
  // and not answered yet (else empty). The next round's first publish
  // expects it as the stream's last message: a sequence alone could be
  // matched by another replica's appends after a refusal of this round.
  std::string chain_;
  // Writer thread only: the group commit whose last round is in flight.
  std::unique_ptr<Commit> in_flight_;
  // Written by the writer, read by WriterCounts().
  std::atomic<uint64_t> rounds_sent_behind_{0};
  std::atomic<uint64_t> refusals_in_flight_{0};
  std::atomic<uint64_t> rounds_sent_{0};
  // Rounds another replica's append refused, and the nanoseconds their
  // catch-ups (CatchUp) took.
  std::atomic<uint64_t> conflicts_{0};
  std::atomic<int64_t> conflict_ns_{0};
  // The rounds in flight (at most two: one resolving, the next sent behind
  // it): the sequence of each round's last publish by the publish counter
  // in its Nats-Msg-Id (a late answer to a round given up on is not in
  // round_), and the answers not yet awaited, by sequence.
  absl::Mutex acks_mu_;
  absl::flat_hash_map<uint64_t, uint64_t> round_ ABSL_GUARDED_BY(acks_mu_);
  absl::flat_hash_map<uint64_t, PublishOutcome> acks_
      ABSL_GUARDED_BY(acks_mu_);
  // The answered publishes' messages, destroyed by the writer after the
  // round: see DestroyMessages.
  std::vector<natsMsg*> answered_ ABSL_GUARDED_BY(acks_mu_);
  std::thread writer_;
  absl::Mutex close_mu_;
  // This replica's publishes not yet seen by the tail, by sequence (for
  // TakePublished); the writer drops those at or below the head.
  absl::Mutex published_mu_;
  absl::flat_hash_map<uint64_t, Published> published_
      ABSL_GUARDED_BY(published_mu_);
  // The sequences TakePublished recognised since the round began.
  absl::flat_hash_set<uint64_t> taken_ ABSL_GUARDED_BY(published_mu_);

  // The local state, as of index_.head(): the stream as seen through the
  // tail.
  mutable absl::Mutex mu_;
  RetainedIndex index_ ABSL_GUARDED_BY(mu_);
  uint64_t notified_ ABSL_GUARDED_BY(mu_) = 0;
  // Applied by the tail, not yet given to the listener (sequences
  // notified_ + 1 on, in order), and the incident record each one made
  // (to_notify_incidents_[i] of to_notify_[i]; null: none).
  std::vector<LogEntryPtr> to_notify_ ABSL_GUARDED_BY(mu_);
  std::vector<IncidentRecordPtr> to_notify_incidents_ ABSL_GUARDED_BY(mu_);
  // The tail's messages of to_notify_, destroyed by the notifier after its
  // batch: see DestroyMessages.
  std::vector<natsMsg*> applied_ ABSL_GUARDED_BY(mu_);
  bool notifier_stop_ ABSL_GUARDED_BY(mu_) = false;
  // Group commits waiting for the listener to be told of their publishes,
  // in commit order.
  std::deque<Completion> completions_ ABSL_GUARDED_BY(mu_);
  absl::Time last_received_at_ ABSL_GUARDED_BY(mu_) = absl::UnixEpoch();
  // One record per incident ever opened (they outlive retention, as the
  // SQLite store's incidents table does), as this replica's tail folded
  // them. Immutable and shared: the tail replaces a record, and the
  // listener and LoadOpenIncidents hand out these very pointers.
  absl::flat_hash_map<std::string, IncidentRecordPtr> incidents_
      ABSL_GUARDED_BY(mu_);
  // incident_id -> the sequence of the record's latest update in its
  // snapshot.
  absl::flat_hash_map<std::string, uint64_t> snapshot_sequence_
      ABSL_GUARDED_BY(mu_);
  // Open's replay is done / a listener was attached once: see
  // JetStreamOptions::hold_tail_until_listener.
  bool replayed_ ABSL_GUARDED_BY(mu_) = false;
  bool listener_attached_ ABSL_GUARDED_BY(mu_) = false;
  // The first error of the tail (a message sitrep cannot decode).
  absl::Status tail_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jetstream
}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_LOG_H_
