#ifndef SITREP_BENCH_JETSTREAM_PEER_H_
#define SITREP_BENCH_JETSTREAM_PEER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sitrep::bench {

// The raw JetStream peer of sitrep's JetStream ingest (issue 20: "through
// one replica, durable batched ingest at >= 50 % of the rate raw JetStream
// async publishing reaches with the same payloads, stream settings and
// replica count"). It publishes straight to a stream created with the
// settings of server/log/jetstream_event_log.cc (file storage, limits
// retention, discard old, the duplicate window, AllowDirect, `replicas`),
// with js_PublishAsync and at most `window` unacknowledged, each message
// carrying a Nats-Msg-Id as sitrep's do. What sitrep adds on top (its
// validation, incident rules, Nats-Expected-Last-Sequence chaining, the
// tail) is what the ratio measures.

struct PeerStream {
  std::string name = "PEER";
  std::string subjects = "peer.*.*.*";  // sitrep's <prefix>.*.*.*
  int replicas = 1;
  absl::Duration duplicate_window = absl::Minutes(2);
};

// Message g: its subject (under PeerStream::subjects), Nats-Msg-Id and body.
struct PeerMessage {
  std::string subject;
  std::string msg_id;
  std::string body;
};

struct PeerIngest {
  uint64_t acked = 0;        // acknowledged in the measured phase
  double seconds = 0;        // length of the measured phase
  uint64_t errors = 0;       // negative acks and publish failures, all phases
  double stored_bytes_per_message = 0;  // stream bytes / messages at the end
};

// Called on the publishing thread right as the measured phase begins and
// right as it ends (before the outstanding acks are awaited), so that a
// caller measures CPU over the same phase as `acked`; either may be empty.
struct PeerPhaseHooks {
  std::function<void()> begin;
  std::function<void()> end;
};

// Connects to `nats_url`, creates `stream`, publishes for `warmup`, then
// for `duration` (measured); waits for the outstanding acks. make(g, &m)
// fills message g. UNAVAILABLE when NATS cannot be reached,
// FAILED_PRECONDITION when the stream cannot be created.
absl::StatusOr<PeerIngest> PublishRawJetStream(
    const std::string& nats_url, const PeerStream& stream,
    const std::function<void(int64_t g, PeerMessage* m)>& make, int window,
    absl::Duration warmup, absl::Duration duration,
    const PeerPhaseHooks& hooks = {});

// Stream bytes / messages of `stream` at `nats_url` (what a message costs
// in the store, headers and subject included); 0 when unknown.
double StoredBytesPerMessage(const std::string& nats_url, const std::string& stream);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_JETSTREAM_PEER_H_
