#ifndef SITREP_SERVER_LOG_JETSTREAM_EVENT_LOG_H_
#define SITREP_SERVER_LOG_JETSTREAM_EVENT_LOG_H_

// The NATS JetStream EventLog (--store=jetstream): several sitrepd replicas
// share one JetStream stream, which does replication, consensus and
// retention; sitrep grows none of its own.
//
// Layout of the stream (created on first open, checked on every open):
//   name         options.stream (default SITREP)
//   subjects     <prefix>.*.*.*: one message per update, published on
//                <prefix>.<mission>.<role>.<severity> (lower-case enum
//                names without their type prefix: sitrep.kfor.third_responder
//                .minor) so that JetStream can pre-filter
//   body         the update's deterministic encoding with its server-set
//                fields (sequence, received_at, incident_version)
//   headers      Nats-Msg-Id: <the first 32 hex digits of JetStreamMsgId>
//                .<a random id of the writing log>.<its publish counter>,
//                unique per publish (the other replicas' tails read the
//                dedupe digest from its first 32 digits rather than hash
//                the event key again); Nats-Expected-Last-Sequence on the
//                first publish of a chain, Nats-Expected-Last-Msg-Id on
//                every later one (see Append below);
//                Sitrep-Previous: LogEntry::previous, base64
//   description  "sitrep event log <log_id>": the log_id every replica reads
//   storage      file; duplicate window options.duplicate_window; no
//                max_age / max_msgs of its own (see ApplyRetention below)
// Incident snapshots: the key-value bucket <stream>_INCIDENTS, one key per
// incident (its id in hex), value = the IncidentRecord
// (incident_record_codec.h) as of some sequence. ApplyRetention writes the
// records that changed before it removes updates from the stream, and
// never replaces a newer snapshot with an older one; on open the log loads
// the snapshots and then replays the retained updates newer than each. So
// the situation survives retention and restarts, as with SQLite.
//
// Retention: ApplyRetention (run by every replica on --retention_interval)
// purges the stream below the first sequence to keep; one purge request,
// applied by JetStream on every node. The stream has no JetStream limits:
// only sitrepd appends to it, so a limit would only remove updates without
// their incident snapshots.
// The stream sequence IS the update's sequence, so a cursor is valid on
// every replica.
//
// Each log tails the stream with one ordered consumer and applies every
// message - appended by this replica or another - to its local state
// (incident records, the (publisher, event_id) index, the received_at index
// and a bounded cache of recent entries; all but the incident records
// follow retention: JetStreamIndexSizes), then tells the AppendListener.
// Append validates a group commit against that state at head H (or, while
// the tail has not applied this writer's last stored round, on top of that
// round, H its last sequence) and
// publishes its accepted updates pipelined, all in flight at once, the
// first with Nats-Expected-Last-Sequence: H and the k-th after it with
// Nats-Expected-Last-Msg-Id: the (k-1)-th's id (unique per publish, so it
// fixes the k-th's sequence at H + k - 1 as well), so two replicas never
// both append on a stale view and no publish is stored after a refused
// one: the loser waits for its tail and validates again. A request the incident rules refuse against a
// state behind the stream's last sequence is validated again once the
// tail has read that far (read-your-writes across replicas).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/log/event_log.h"
#include "server/runtime/clock.h"

namespace sitrep {

struct JetStreamOptions {
  // NATS servers, comma-separated (nats://h1:4222,nats://h2:4222).
  std::string nats_url = "nats://127.0.0.1:4222";
  // Connect to the servers in the order given rather than a random one
  // (random spreads replicas over a cluster).
  bool randomize_servers = true;
  // The stream's name, and the first token of its subjects.
  std::string stream = "SITREP";
  std::string subject_prefix = "sitrep";
  // Stream replicas when the stream is created (R3 in a 3-node cluster).
  int replicas = 1;
  // Optional: NATS credentials file; TLS CA, client certificate and key.
  std::string creds_file;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // JetStream's Nats-Msg-Id duplicate window.
  absl::Duration duplicate_window = absl::Minutes(2);
  // Entries kept in memory for Read; older ones are fetched from the stream.
  size_t cache_entries = 100000;
  // At most this many requests per group commit.
  size_t max_batch = 4096;
  // Timeout of one NATS request (publish ack, stream info, get).
  absl::Duration request_timeout = absl::Seconds(5);
  // Heartbeat of the tail's ordered consumer: after two missed ones (NATS
  // restarted, the consumer lost) libnats recreates it where it stopped.
  absl::Duration tail_heartbeat = absl::Seconds(2);
  // After the replay in Open, apply updates from other replicas only once
  // SetAppendListener gave a listener, so that what LoadOpenIncidents and
  // Head() said before and what the listener hears after add up to every
  // update exactly once (sitrepd sets it; it attaches its listener right
  // after loading the situation). Until then the log's own appends wait
  // too: their callbacks run after the listener heard of them.
  bool hold_tail_until_listener = false;
  // Clock for received_at; not owned, must outlive the log. Null: real.
  Clock* clock = nullptr;
  // Told when the connection to NATS is lost (false) and back (true), on
  // libnats' thread; must be quick. Not called during destruction. (The
  // log also reports it to its listener as health: OnHealthChanged.)
  std::function<void(bool connected)> on_connection_change;
};

// SHA-256 of the (publisher, event_id) of `update`, hex: the start of the
// Nats-Msg-Id of its publishes.
std::string JetStreamMsgId(const v1::SituationUpdate& update);

// The sizes of a JetStream log's in-memory indexes (docs/design.md, "The
// JetStream log's memory"): the first three follow retention (and the cache
// its own bound), so none grows with the log's age; incident records are
// kept for every incident ever opened, as in the SQLite store.
struct JetStreamIndexSizes {
  // Retained updates [Oldest(), Head()] the replica indexes (received_at and
  // the (publisher, event_id) digest of each).
  uint64_t retained = 0;
  // Entries of the (publisher, event_id) dedupe index: at most `retained`.
  uint64_t event_ids = 0;
  // Recent entries kept for Read: at most JetStreamOptions::cache_entries.
  uint64_t cached_entries = 0;
  uint64_t incidents = 0;
};
// The sizes of `log`'s indexes; all zero when `log` did not come from
// OpenJetStreamEventLog. Thread-safe.
JetStreamIndexSizes JetStreamIndexSizesOf(const EventLog& log);

// What a JetStream log's writer did across group commits
// (jetstream_pipelining.cc): how often it sent a round while the one
// before it was still unanswered, and how often a round in flight was
// refused (or not answered) with a round chained behind it, whose
// decisions were then made again. With several replicas writing
// (docs/design.md §4): the rounds it sent, how many of them another
// replica's append refused (each one: read the stream's last sequence,
// wait for the tail to reach it, decide again) and the time those
// catch-ups took. Logged when the log closes.
struct JetStreamWriterCounts {
  uint64_t rounds_sent_behind = 0;
  uint64_t refusals_in_flight = 0;
  uint64_t rounds_sent = 0;
  uint64_t conflicts = 0;
  double conflict_seconds = 0;
};
// `log`'s counts; zero when `log` did not come from OpenJetStreamEventLog.
// Thread-safe.
JetStreamWriterCounts JetStreamWriterCountsOf(const EventLog& log);

// Connects to NATS, creates or checks the stream and replays it into the
// local state before returning. Errors:
//   UNAVAILABLE          NATS unreachable (the message names --nats_url)
//   FAILED_PRECONDITION  JetStream disabled, or a stream of that name that
//                        sitrep cannot use (other subjects, not a sitrep log)
absl::StatusOr<std::unique_ptr<EventLog>> OpenJetStreamEventLog(
    const JetStreamOptions& options);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_EVENT_LOG_H_
