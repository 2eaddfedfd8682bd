// One publish of the JetStream log's writer on the wire, and its ack: the
// message with its chain headers (Nats-Expected-Last-Sequence on a chain's
// first publish, Nats-Expected-Last-Msg-Id on the others, the previous
// incident record), published
// pipelined (js_PublishMsgAsync, or a core publish when the round does not
// wait for its answer), and the acks collected by libnats' ack thread for
// the round (jetstream_publishing.cc decides and answers the rounds).

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_header_block.h"
#include "server/log/jetstream_log.h"

namespace sitrep {
namespace jetstream {

absl::StatusOr<MsgPtr> JetStreamEventLog::MakeMessage(
    const LogEntry& entry, const std::string& msg_id,
    const std::string& chain) {
  const v1::SituationUpdate& update = entry.update;
  // Writer thread only; a few dozen subjects at most (mission x role x
  // severity), each made once.
  std::string& subject = subjects_[std::make_tuple(
      static_cast<int>(update.mission()), static_cast<int>(update.role()),
      static_cast<int>(update.severity()))];
  if (subject.empty()) subject = SubjectOf(options_.subject_prefix, update);
  // The headers as one block (jetstream_header_block.h): set directly
  // rather than through jsPubOptions, where 0 means "unset": an empty
  // stream is expected to have last sequence 0.
  headers_.Start();
  headers_.Add(kMsgIdHeader, msg_id);
  if (chain.empty()) {
    headers_.Add(kExpectedLastSeqHeader, entry.sequence() - 1);
  } else {
    // Chained: the expected last message id alone fixes the sequence.
    // nats-server 2.9 sets the stream's last message id on every message
    // it stores (empty for one without an id, restored when a store
    // fails; a duplicate stores nothing) and refuses a publish whose
    // expected last id is not it. Ids are unique per publish, so the
    // stream's last message is then `chain`'s publish, which its own
    // expectation placed at sequence() - 1: the check of
    // Nats-Expected-Last-Sequence could not refuse anything the id check
    // lets through. The chain's first publish carries the sequence.
    // (jetstream_memory_test: a publish chained to one that another
    // replica's message followed is refused.)
    headers_.Add(kExpectedLastMsgIdHeader, chain);
  }
  if (entry.previous != nullptr) {
    headers_.Add(kPreviousHeader,
                 absl::Base64Escape(entry.previous->SerializeAsString()));
  }
  return headers_.MakeMessage(subject.c_str(), EncodedUpdate(entry));
}

absl::Status JetStreamEventLog::PublishAsync(const Published& publish,
                                             bool ack, std::string* chain,
                                             std::vector<natsMsg*>* sent) {
  const LogEntryPtr& entry = publish.entry;
  const uint64_t attempt = ++publishes_;
  // Unique per publish: JetStream's duplicate window never takes a publish
  // of this round for an earlier one (the same event published again after
  // retention removed it, or re-decided after a conflict), and a chained
  // publish names exactly the message it was decided after.
  // The digest is the first half of JetStreamMsgId's SHA-256, so its hex
  // is the id's first 32 digits (without hashing the event key again).
  const std::string msg_id =
      absl::StrCat(absl::Hex(absl::Uint128High64(publish.digest),
                             absl::kZeroPad16),
                   absl::Hex(absl::Uint128Low64(publish.digest),
                             absl::kZeroPad16),
                   ".", nonce_, ".", attempt);
  absl::StatusOr<MsgPtr> msg = MakeMessage(*entry, msg_id, *chain);
  if (!msg.ok()) return msg.status();
  {
    absl::MutexLock lock(&published_mu_);
    published_[entry->sequence()] = publish;
  }
  if (!ack) {
    const natsStatus s = natsConnection_PublishMsg(nc_, msg->get());
    sent->push_back(msg->release());
    if (s != NATS_OK) {
      return absl::UnavailableError(NatsErrorText(
          absl::StrCat("cannot publish to JetStream stream '", options_.stream,
                       "'"),
          s));
    }
    *chain = msg_id;
    return absl::OkStatus();
  }
  {
    absl::MutexLock lock(&acks_mu_);
    round_[attempt] = entry->sequence();
  }
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = timeout_ms_;
  natsMsg* raw = msg->release();
  natsStatus s = js_PublishMsgAsync(publish_js_, &raw, &options);
  // On success the library owns the message and cleared `raw`.
  natsMsg_Destroy(raw);
  if (s != NATS_OK) {
    absl::MutexLock lock(&acks_mu_);
    round_.erase(attempt);
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot publish to JetStream stream '", options_.stream,
                     "'"),
        s));
  }
  *chain = msg_id;
  return absl::OkStatus();
}

void JetStreamEventLog::OnPublishAck(jsCtx*, natsMsg* msg, jsPubAck* ack,
                                     jsPubAckErr* error, void* closure) {
  auto* log = static_cast<JetStreamEventLog*>(closure);
  const char* id = nullptr;
  uint64_t attempt = 0;
  if (natsMsgHeader_Get(msg, kMsgIdHeader, &id) == NATS_OK && id != nullptr) {
    absl::string_view text(id);
    const size_t dot = text.rfind('.');
    if (dot != absl::string_view::npos &&
        !absl::SimpleAtoi(text.substr(dot + 1), &attempt)) {
      attempt = 0;
    }
  }
  absl::MutexLock lock(&log->acks_mu_);
  log->answered_.push_back(msg);
  auto it = log->round_.find(attempt);
  if (it == log->round_.end()) return;  // A late answer to an earlier round.
  const uint64_t sequence = it->second;
  log->round_.erase(it);
  PublishOutcome& outcome = log->acks_[sequence];
  if (ack != nullptr && !ack->Duplicate && ack->Sequence == sequence) return;
  if (ack != nullptr) {
    outcome.status = absl::AbortedError(absl::StrCat(
        "sequence ", sequence, " was answered as a duplicate of sequence ",
        ack->Sequence));
  } else if (error != nullptr &&
             (error->ErrCode == JSStreamWrongLastSequenceErr ||
              error->ErrCode == JSStreamWrongLastMsgIDErr)) {
    outcome.status = absl::AbortedError("another replica appended first");
  } else if (error != nullptr) {
    outcome.no_leader = error->Err == NATS_NO_RESPONDERS;
    outcome.status = absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot publish to JetStream stream '",
                     log->options_.stream, "'"),
        error->Err, error->ErrCode));
  }
}

JetStreamEventLog::PublishOutcome JetStreamEventLog::AwaitAck(
    uint64_t attempt, uint64_t sequence) {
  // Up to two rounds are in flight: this waits for the one publish that
  // answers a round, and leaves the other round's answer in acks_.
  auto answered = [this, attempt]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(acks_mu_) {
    return !round_.contains(attempt);
  };
  // libnats answers every publish within its MaxWait (a timeout at the
  // latest); this wait is longer only to be bounded for sure.
  const absl::Duration limit = options_.request_timeout + absl::Seconds(2);
  bool in_time;
  {
    absl::MutexLock lock(&acks_mu_);
    in_time = acks_mu_.AwaitWithTimeout(absl::Condition(&answered), limit);
  }
  if (!in_time) {
    // Take back what is still unanswered (every round's): its answers are
    // dropped, so each is UNAVAILABLE below.
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList(&pending, publish_js_) == NATS_OK) {
      natsMsgList_Destroy(&pending);
    }
  }
  PublishOutcome outcome;
  std::vector<natsMsg*> messages;
  {
    absl::MutexLock lock(&acks_mu_);
    if (!in_time) {
      for (const auto& [unanswered, last] : round_) {
        acks_[last].status = absl::UnavailableError(absl::StrCat(
            "no answer from JetStream stream '", options_.stream,
            "' to the publish of sequence ", last));
      }
      round_.clear();
    }
    if (auto it = acks_.find(sequence); it != acks_.end()) {
      outcome = std::move(it->second);
      acks_.erase(it);
    }
    messages.swap(answered_);
  }
  DestroyMessages(&messages);
  return outcome;
}

}  // namespace jetstream
}  // namespace sitrep
