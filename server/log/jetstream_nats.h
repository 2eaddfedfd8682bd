#ifndef SITREP_SERVER_LOG_JETSTREAM_NATS_H_
#define SITREP_SERVER_LOG_JETSTREAM_NATS_H_

// The small pieces of libnats that the JetStream log's files share: owners
// of libnats objects, error text, the stream's subjects and headers, and the
// decoding of a stream message into a LogEntry. Internal to server/log.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nats/nats.h"
#include "server/log/jetstream_event_log.h"
#include "server/log/jetstream_retained_index.h"
#include "server/log/log_entry.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace jetstream {

inline constexpr char kDescriptionPrefix[] = "sitrep event log ";
inline constexpr char kMsgIdHeader[] = "Nats-Msg-Id";
inline constexpr char kExpectedLastSeqHeader[] = "Nats-Expected-Last-Sequence";
inline constexpr char kExpectedLastMsgIdHeader[] = "Nats-Expected-Last-Msg-Id";
inline constexpr char kPreviousHeader[] = "Sitrep-Previous";

struct NatsOptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* i) const { jsStreamInfo_Destroy(i); }
};
struct KvEntryDeleter {
  void operator()(kvEntry* e) const { kvEntry_Destroy(e); }
};
// Frees a message this process owns (received, answered, or made for a
// publish) at once, on the calling thread. natsMsg_Destroy instead hands it
// to libnats' garbage collector thread and wakes that thread whenever it
// waits; the woken thread preempted the writer after every message of a
// round (`perf record -e sched:sched_switch` of the writer: 76 % of its
// switches), so a round of 300 publishes cost ~300 thread switches.
// Never for a message libnats still holds (an async publish it sent).
void FreeMessage(natsMsg* msg);

struct MsgDeleter {
  void operator()(natsMsg* m) const { FreeMessage(m); }
};
struct PubAckDeleter {
  void operator()(jsPubAck* a) const { jsPubAck_Destroy(a); }
};
using NatsOptionsPtr = std::unique_ptr<natsOptions, NatsOptionsDeleter>;
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;
using KvEntryPtr = std::unique_ptr<kvEntry, KvEntryDeleter>;
using PubAckPtr = std::unique_ptr<jsPubAck, PubAckDeleter>;

// The libnats options of `options` for a client named `client_name`: the
// servers of nats_url (comma-separated), reconnection for ever (the tail,
// the probe resume by themselves when NATS returns), request_timeout to
// connect, the credentials and TLS files. INVALID_ARGUMENT naming the flag
// when they cannot be used.
absl::StatusOr<NatsOptionsPtr> MakeNatsOptions(const JetStreamOptions& options,
                                               const std::string& client_name);

// Connects with MakeNatsOptions(options, client_name), after `configure`
// (when given) set what else the caller needs (callbacks). UNAVAILABLE
// naming the servers when none answers. The caller owns the connection.
absl::StatusOr<natsConnection*> ConnectToNats(
    const JetStreamOptions& options, const std::string& client_name,
    const std::function<natsStatus(natsOptions*)>& configure = nullptr);

// A key-value bucket of sitrep's next to the stream; one version per key.
struct BucketSettings {
  std::string name;
  std::string description;
  jsStorageType storage = js_FileStorage;
  int replicas = 1;
  // How long a key lives; zero: for ever.
  absl::Duration ttl = absl::ZeroDuration();
};

// Opens the bucket, creating it when it does not exist; when another
// replica creates it at the same moment, opens that one. The caller owns
// *kv.
natsStatus OpenOrCreateBucket(jsCtx* js, const BucketSettings& bucket,
                              kvStore** kv);

// Frees `messages` (FreeMessage) and clears it.
void DestroyMessages(std::vector<natsMsg*>* messages);

// "what: <nats status> (<last error>)", with the JetStream error code.
std::string NatsErrorText(absl::string_view what, natsStatus status,
                          jsErrCode code = static_cast<jsErrCode>(0));

// The subject of `update`: <prefix>.<mission>.<role>.<severity>.
std::string SubjectOf(const std::string& prefix,
                      const v1::SituationUpdate& update);

// The dedupe key of an update: publisher and event_id, unambiguous.
std::string EventKey(const v1::SituationUpdate& update);

// Decodes a stream message (the tail's or a stream get's) into an entry.
// DATA_LOSS when it does not decode or holds another sequence.
absl::StatusOr<LogEntryPtr> EntryFromMessage(natsMsg* msg, uint64_t sequence);

// A message of the tail, decoded, with its dedupe digest.
struct TailEntry {
  LogEntryPtr entry;
  EventDigest digest = 0;
};
// EntryFromMessage and MessageDigest in one, reading no header of an
// update without an incident (it has no Sitrep-Previous; its digest is
// then DigestOf its fields).
absl::StatusOr<TailEntry> TailEntryFromMessage(natsMsg* msg, uint64_t sequence);

// The dedupe digest of a stream message holding `update`: read from its
// Nats-Msg-Id (DigestFromMsgId) when that is sitrep's, else DigestOf.
EventDigest MessageDigest(natsMsg* msg, const v1::SituationUpdate& update);
// The same from the update's two fields (the replay reads them without
// parsing the update).
EventDigest MessageDigest(natsMsg* msg, absl::string_view publisher,
                          absl::string_view event_id);

// The stream sequence of a message of the tail's consumer, from its ack
// reply subject (StreamSequenceFromAckReply; libnats' metadata parser only
// for a subject of another shape); 0 when it has none.
uint64_t StreamSequenceOf(natsMsg* msg);

// The incident snapshot key of an incident id: hex, within the characters
// a key may use.
std::string IncidentKey(absl::string_view incident_id);

}  // namespace jetstream
}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_NATS_H_
