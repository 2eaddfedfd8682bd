#include "server/log/jetstream_nats.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_ack_reply.h"
#include "server/log/stored_update_scan.h"

extern "C" {
// libnats' own free of a message (src/msg.c): the headers it has read, then
// the message's single allocation. Exported by libnats (3.x, Debian 12's
// 3.4.1) but not declared in <nats/nats.h>; natsMsg_Destroy calls it when
// it does not hand the message to the garbage collector thread.
void natsMsg_free(void* object);
}

namespace sitrep {
namespace jetstream {
namespace {

// The subject token of an enum value: MISSION_KFOR -> kfor.
template <typename Enum>
std::string Token(const std::string& name, Enum value) {
  if (name.empty()) return absl::StrCat(static_cast<int>(value));
  absl::string_view rest = name;
  const size_t underscore = rest.find('_');
  if (underscore != absl::string_view::npos) rest.remove_prefix(underscore + 1);
  return absl::AsciiStrToLower(rest);
}

}  // namespace

std::string NatsErrorText(absl::string_view what, natsStatus status,
                          jsErrCode code) {
  std::string text = absl::StrCat(what, ": ", natsStatus_GetText(status));
  // The library's detail, when it says more than the status.
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && !absl::StrContains(last, natsStatus_GetText(status))) {
    absl::StrAppend(&text, " (", last, ")");
  }
  if (code != 0) absl::StrAppend(&text, " [JetStream error ", code, "]");
  return text;
}

std::string SubjectOf(const std::string& prefix,
                      const v1::SituationUpdate& update) {
  return absl::StrCat(prefix, ".",
                      Token(v1::Mission_Name(update.mission()), update.mission()),
                      ".", Token(v1::Role_Name(update.role()), update.role()),
                      ".",
                      Token(v1::Severity_Name(update.severity()),
                            update.severity()));
}

std::string EventKey(const v1::SituationUpdate& update) {
  return absl::StrCat(update.publisher().size(), ":", update.publisher(),
                      update.event_id());
}

namespace {

// The update in `msg`'s body, with `previous` (the Sitrep-Previous header's
// bytes, empty without one), checked to be the one at `sequence`.
absl::StatusOr<LogEntryPtr> DecodeStreamMessage(natsMsg* msg, uint64_t sequence,
                                                absl::string_view previous) {
  // The sequence joins the error text only on an error: a string built per
  // message would cost every replica an allocation per update.
  absl::StatusOr<LogEntryPtr> entry = DecodeLogEntry(
      absl::string_view(natsMsg_GetData(msg),
                        static_cast<size_t>(natsMsg_GetDataLength(msg))),
      "the update", previous);
  if (!entry.ok()) {
    return absl::Status(entry.status().code(),
                        absl::StrCat(entry.status().message(),
                                     " (stream sequence ", sequence, ")"));
  }
  if ((*entry)->sequence() != sequence) {
    return absl::DataLossError(absl::StrCat(
        "stream message ", sequence, " holds an update with sequence ",
        (*entry)->sequence(), ": it was not appended by sitrep"));
  }
  return entry;
}

}  // namespace

absl::StatusOr<LogEntryPtr> EntryFromMessage(natsMsg* msg, uint64_t sequence) {
  std::string previous;
  const char* encoded = nullptr;
  if (natsMsgHeader_Get(msg, kPreviousHeader, &encoded) == NATS_OK &&
      encoded != nullptr && !absl::Base64Unescape(encoded, &previous)) {
    return absl::DataLossError(absl::StrCat(
        "the previous incident update of sequence ", sequence,
        " in the stream is not base64"));
  }
  return DecodeStreamMessage(msg, sequence, previous);
}

absl::StatusOr<TailEntry> TailEntryFromMessage(natsMsg* msg,
                                               uint64_t sequence) {
  const absl::string_view body(natsMsg_GetData(msg),
                               static_cast<size_t>(natsMsg_GetDataLength(msg)));
  StoredUpdateFields fields;
  TailEntry tail;
  if (!ScanStoredUpdate(body, &fields) || !fields.incident_id.empty()) {
    // An incident update (its previous is in a header), or bytes the full
    // decode will refuse with its own words.
    absl::StatusOr<LogEntryPtr> entry = EntryFromMessage(msg, sequence);
    if (!entry.ok()) return entry.status();
    tail.entry = *std::move(entry);
    tail.digest = MessageDigest(msg, tail.entry->update);
    return tail;
  }
  // No incident, so no Sitrep-Previous (the writer sets it only on an
  // incident's later updates): the headers are left alone. libnats parses
  // every header into a hash map on the first lookup and frees it with the
  // message, ~7,000 instructions per message by callgrind, twice the
  // SHA-256 of the event key that stands in for reading Nats-Msg-Id.
  absl::StatusOr<LogEntryPtr> entry = DecodeStreamMessage(msg, sequence, "");
  if (!entry.ok()) return entry.status();
  tail.digest = DigestOf(fields.publisher, fields.event_id);
  tail.entry = *std::move(entry);
  return tail;
}

EventDigest MessageDigest(natsMsg* msg, const v1::SituationUpdate& update) {
  return MessageDigest(msg, update.publisher(), update.event_id());
}

EventDigest MessageDigest(natsMsg* msg, absl::string_view publisher,
                          absl::string_view event_id) {
  const char* id = nullptr;
  if (natsMsgHeader_Get(msg, kMsgIdHeader, &id) == NATS_OK && id != nullptr) {
    if (std::optional<EventDigest> digest = DigestFromMsgId(id)) return *digest;
  }
  return DigestOf(publisher, event_id);
}

uint64_t StreamSequenceOf(natsMsg* msg) {
  const char* reply = natsMsg_GetReply(msg);
  if (reply != nullptr) {
    if (std::optional<uint64_t> sequence = StreamSequenceFromAckReply(reply)) {
      return *sequence;
    }
  }
  // A subject of another shape: libnats' parser (it allocates).
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) return 0;
  const uint64_t sequence = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  return sequence;
}

absl::StatusOr<NatsOptionsPtr> MakeNatsOptions(const JetStreamOptions& options,
                                               const std::string& client_name) {
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) {
    return absl::ResourceExhaustedError("cannot create NATS options");
  }
  NatsOptionsPtr opts(raw);
  std::vector<std::string> urls =
      absl::StrSplit(options.nats_url, ',', absl::SkipWhitespace());
  std::vector<const char*> servers;
  for (std::string& url : urls) {
    url = std::string(absl::StripAsciiWhitespace(url));
    servers.push_back(url.c_str());
  }
  if (servers.empty()) {
    return absl::InvalidArgumentError("--nats_url: no NATS server given");
  }
  natsStatus s = natsOptions_SetServers(opts.get(), servers.data(),
                                        static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), client_name.c_str());
  if (s == NATS_OK && !options.randomize_servers) {
    s = natsOptions_SetNoRandomize(opts.get(), true);
  }
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) {
    s = natsOptions_SetTimeout(
        opts.get(), absl::ToInt64Milliseconds(options.request_timeout));
  }
  if (s == NATS_OK && !options.creds_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(
        opts.get(), options.creds_file.c_str(), nullptr);
  }
  if (s == NATS_OK && !options.tls_ca_file.empty()) {
    s = natsOptions_SetSecure(opts.get(), true);
    if (s == NATS_OK) {
      s = natsOptions_LoadCATrustedCertificates(opts.get(),
                                                options.tls_ca_file.c_str());
    }
  }
  if (s == NATS_OK && !options.tls_cert_file.empty()) {
    s = natsOptions_LoadCertificatesChain(opts.get(),
                                          options.tls_cert_file.c_str(),
                                          options.tls_key_file.c_str());
  }
  if (s != NATS_OK) {
    return absl::InvalidArgumentError(NatsErrorText(
        "--nats_creds / --nats_tls_*: cannot use the NATS credentials or TLS "
        "files",
        s));
  }
  return opts;
}

absl::StatusOr<natsConnection*> ConnectToNats(
    const JetStreamOptions& options, const std::string& client_name,
    const std::function<natsStatus(natsOptions*)>& configure) {
  absl::StatusOr<NatsOptionsPtr> opts = MakeNatsOptions(options, client_name);
  if (!opts.ok()) return opts.status();
  natsStatus s = configure != nullptr ? configure(opts->get()) : NATS_OK;
  if (s != NATS_OK) {
    return absl::InternalError(NatsErrorText("cannot set NATS options", s));
  }
  natsConnection* nc = nullptr;
  s = natsConnection_Connect(&nc, opts->get());
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot connect to NATS at '", options.nats_url,
                     "' (--nats_url)"),
        s));
  }
  return nc;
}

natsStatus OpenOrCreateBucket(jsCtx* js, const BucketSettings& bucket,
                              kvStore** kv) {
  natsStatus s = js_KeyValue(kv, js, bucket.name.c_str());
  if (s != NATS_NOT_FOUND) return s;
  kvConfig config;
  kvConfig_Init(&config);
  config.Bucket = bucket.name.c_str();
  config.Description = bucket.description.c_str();
  config.History = 1;
  config.StorageType = bucket.storage;
  config.Replicas = bucket.replicas;
  config.TTL = absl::ToInt64Nanoseconds(bucket.ttl);
  s = js_CreateKeyValue(kv, js, &config);
  // Another replica created it first.
  if (s != NATS_OK) s = js_KeyValue(kv, js, bucket.name.c_str());
  return s;
}

void FreeMessage(natsMsg* msg) {
  // What natsMsg_Destroy does when libnats' garbage collector is off: the
  // headers read so far, then the message's single allocation.
  if (msg != nullptr) natsMsg_free(msg);
}

void DestroyMessages(std::vector<natsMsg*>* messages) {
  for (natsMsg* msg : *messages) FreeMessage(msg);
  messages->clear();
}

std::string IncidentKey(absl::string_view incident_id) {
  return absl::BytesToHexString(incident_id);
}

}  // namespace jetstream
}  // namespace sitrep
