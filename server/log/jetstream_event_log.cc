#include "server/log/jetstream_event_log.h"

#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "nats/nats.h"
#include "server/log/append_rules.h"
#include "server/log/group_commit.h"
#include "server/log/incident_record_codec.h"
#include "server/log/incident_thread.h"
#include "server/log/jetstream_snapshot_bucket.h"
#include "server/runtime/logging.h"

namespace sitrep {
namespace {

constexpr char kDescriptionPrefix[] = "sitrep event log ";
constexpr char kMsgIdHeader[] = "Nats-Msg-Id";
constexpr char kExpectedLastSeqHeader[] = "Nats-Expected-Last-Sequence";
constexpr char kPreviousHeader[] = "Sitrep-Previous";

// How often one group commit waits for a stream leader to be elected
// before its appends fail UNAVAILABLE; each wait is at most one request
// timeout.
constexpr int kMaxElectionWaits = 10;

absl::Status CloseError() {
  return absl::UnavailableError("the log is closed (server shutting down)");
}

// "what: <nats status> (<last error>)", with the JetStream error code.
std::string NatsErrorText(absl::string_view what, natsStatus status,
                          jsErrCode code = static_cast<jsErrCode>(0)) {
  std::string text = absl::StrCat(what, ": ", natsStatus_GetText(status));
  // The library's detail, when it says more than the status.
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && !absl::StrContains(last, natsStatus_GetText(status))) {
    absl::StrAppend(&text, " (", last, ")");
  }
  if (code != 0) absl::StrAppend(&text, " [JetStream error ", code, "]");
  return text;
}

// The subject token of an enum value: MISSION_KFOR -> kfor.
template <typename Enum>
std::string Token(const std::string& name, Enum value) {
  if (name.empty()) return absl::StrCat(static_cast<int>(value));
  absl::string_view rest = name;
  const size_t underscore = rest.find('_');
  if (underscore != absl::string_view::npos) rest.remove_prefix(underscore + 1);
  return absl::AsciiStrToLower(rest);
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

// The dedupe key of an update: publisher and event_id, unambiguous.
std::string EventKey(const v1::SituationUpdate& update) {
  return absl::StrCat(update.publisher().size(), ":", update.publisher(),
                      update.event_id());
}

}  // namespace

std::string JetStreamMsgId(const v1::SituationUpdate& update) {
  const std::string event_key = EventKey(update);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(event_key.data()),
         event_key.size(), digest);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), sizeof(digest)));
}

namespace {

// Decodes a stream message (the tail's or a stream get's) into an entry.
absl::StatusOr<LogEntryPtr> EntryFromMessage(natsMsg* msg, uint64_t sequence) {
  std::string previous;
  const char* encoded = nullptr;
  if (natsMsgHeader_Get(msg, kPreviousHeader, &encoded) == NATS_OK &&
      encoded != nullptr && !absl::Base64Unescape(encoded, &previous)) {
    return absl::DataLossError(absl::StrCat(
        "the previous incident update of sequence ", sequence,
        " in the stream is not base64"));
  }
  absl::StatusOr<LogEntryPtr> entry = DecodeLogEntry(
      absl::string_view(natsMsg_GetData(msg),
                        static_cast<size_t>(natsMsg_GetDataLength(msg))),
      absl::StrCat("the update with sequence ", sequence), previous);
  if (entry.ok() && (*entry)->sequence() != sequence) {
    return absl::DataLossError(absl::StrCat(
        "stream message ", sequence, " holds an update with sequence ",
        (*entry)->sequence(), ": it was not appended by sitrep"));
  }
  return entry;
}

struct NatsOptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* i) const { jsStreamInfo_Destroy(i); }
};
struct KvEntryDeleter {
  void operator()(kvEntry* e) const { kvEntry_Destroy(e); }
};
struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;
using KvEntryPtr = std::unique_ptr<kvEntry, KvEntryDeleter>;

// The incident snapshot key of an incident id: hex, within the characters
// a key may use.
std::string IncidentKey(absl::string_view incident_id) {
  return absl::BytesToHexString(incident_id);
}

// The JetStream EventLog; see jetstream_event_log.h for the layout.
//
// Threads: the writer thread (group commit: validate, publish, wait for the
// tail), libnats' delivery thread of the ordered consumer (the tail: applies
// messages and calls the listener, one at a time, in sequence order) and
// the callers of the read methods.
//
// Invariants: the state under mu_ is the stream's content up to head_ as
// seen through the tail; received_us_ covers exactly [oldest_, head_];
// cache_ covers [cache_first_, head_]; notified_ <= head_ and every entry up
// to notified_ was given to the listener.
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
    return head_;
  }
  uint64_t Oldest() const override {
    absl::MutexLock lock(&mu_);
    return oldest_;
  }
  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(
      absl::Time time) const override;
  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override;
  absl::StatusOr<std::optional<IncidentRecord>> LoadIncident(
      const std::string& incident_id) const override;
  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy& policy,
                                          absl::Time now) override;
  absl::Status SaveSituationSnapshot(
      const StoredSituation& snapshot) override {
    if (closed_.load(std::memory_order_acquire)) return CloseError();
    return situation_bucket_->Save(snapshot);
  }
  absl::StatusOr<std::vector<uint64_t>> ListSituationSnapshots()
      const override {
    return situation_bucket_->List();
  }
  absl::StatusOr<StoredSituation> LoadSituationSnapshot(
      uint64_t sequence) const override {
    return situation_bucket_->Load(sequence);
  }
  void SetAppendListener(AppendListener* listener) override {
    listener_.store(listener, std::memory_order_release);
    if (listener != nullptr) {
      absl::MutexLock lock(&mu_);
      listener_attached_ = true;
    }
  }
  void Close() override;

 private:
  // One request of a group commit and what became of it.
  struct Item {
    const AppendRequest* request;
    absl::StatusOr<AppendResult>* result;
  };
  // A decision of one round of validation for an item.
  struct Decision {
    enum Kind { kFinal, kCompare, kPublish } kind = kFinal;
    absl::StatusOr<AppendResult> result;  // kFinal
    uint64_t stored_sequence = 0;         // kCompare: the stored duplicate
    LogEntryPtr entry;                    // kPublish: the new entry
  };

  explicit JetStreamEventLog(const JetStreamOptions& options)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : RealClock()),
        timeout_ms_(absl::ToInt64Milliseconds(options.request_timeout)),
        queue_(options.max_batch) {}

  absl::Status Connect();
  absl::StatusOr<StreamInfoPtr> CreateOrCheckStream();
  absl::Status StartTail(const jsStreamState& state);
  // Opens (or creates) the incident snapshot bucket and loads it.
  absl::Status LoadIncidentSnapshots();
  // Writes the records changed since their last snapshot. Before the
  // stream loses updates.
  absl::Status SnapshotIncidents();
  // Writes `record` unless the bucket holds a newer one.
  absl::Status PutSnapshot(const IncidentRecord& record);

  // Connection events.
  static void OnDisconnected(natsConnection* nc, void* closure);
  static void OnReconnected(natsConnection* nc, void* closure);
  // libnats' last callback of a connection: after it, none refers to this.
  static void OnConnectionClosed(natsConnection* nc, void* closure);
  void ConnectionChanged(bool connected);

  // Tail.
  static void OnMessage(natsConnection* nc, natsSubscription* sub,
                        natsMsg* msg, void* closure);
  void ApplyMessage(natsMsg* msg);
  // Waits until the listener was told about `sequence`; false on timeout.
  bool WaitNotified(uint64_t sequence, absl::Duration timeout) const;

  // Writer.
  void WriterLoop();
  void CommitBatch(std::vector<GroupCommitQueue::PendingAppend>* appends);
  // Validates items[first...] against the state at the head; returns one
  // decision per item and sets *head.
  std::vector<Decision> Decide(const std::vector<Item>& items, size_t first,
                               uint64_t* head);
  // Publishes `entry` expecting the stream's last sequence to be one less.
  // OK, or ABORTED when another replica (or an earlier attempt) got there
  // first, or UNAVAILABLE; then *no_leader tells whether nothing answered
  // at once (the stream has no leader for a moment: a node of the cluster
  // died and an election runs).
  absl::Status Publish(const LogEntry& entry, bool* no_leader);
  // The stream's last sequence, or UNAVAILABLE.
  absl::StatusOr<uint64_t> StreamLastSequence();

  // The stored entry `sequence`: from the cache or the stream. NOT_FOUND
  // once retention removed it.
  absl::StatusOr<LogEntryPtr> Get(uint64_t sequence) const;
  absl::StatusOr<LogEntryPtr> Fetch(uint64_t sequence) const;

  bool Connected() const {
    return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
  }

  // Constant after Open().
  const JetStreamOptions options_;
  Clock* const clock_;
  const int64_t timeout_ms_;
  std::string log_id_;
  std::string stream_description_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  natsSubscription* tail_ = nullptr;
  kvStore* incidents_kv_ = nullptr;
  // Situation snapshots (GetSituation as_of); set by Open().
  std::unique_ptr<JetStreamSnapshotBucket> situation_bucket_;
  std::thread::id writer_id_;

  std::atomic<AppendListener*> listener_{nullptr};
  std::atomic<bool> closed_{false};
  // Set by the destructor: the tail ignores what is still delivered.
  std::atomic<bool> stopping_{false};
  // Notified by OnConnectionClosed. libnats runs connection callbacks on a
  // thread of its own, after natsConnection_Close returned: the destructor
  // waits for this, the last of them, before the object goes.
  absl::Notification connection_closed_;

  GroupCommitQueue queue_;
  std::thread writer_;
  absl::Mutex close_mu_;

  // The local state, as of head_.
  mutable absl::Mutex mu_;
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t oldest_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t notified_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_received_at_ ABSL_GUARDED_BY(mu_) = absl::UnixEpoch();
  absl::flat_hash_map<std::string, IncidentRecord> incidents_
      ABSL_GUARDED_BY(mu_);
  // incident_id -> the sequence of the record's latest update in its
  // snapshot.
  absl::flat_hash_map<std::string, uint64_t> snapshot_sequence_
      ABSL_GUARDED_BY(mu_);
  // (publisher, event_id) -> sequence; entries below oldest_ are stale.
  absl::flat_hash_map<std::string, uint64_t> events_ ABSL_GUARDED_BY(mu_);
  // received_at (microseconds) of the sequences [oldest_, head_].
  std::deque<int64_t> received_us_ ABSL_GUARDED_BY(mu_);
  std::deque<LogEntryPtr> cache_ ABSL_GUARDED_BY(mu_);
  uint64_t cache_first_ ABSL_GUARDED_BY(mu_) = 1;
  // Open's replay is done / a listener was attached once: see
  // JetStreamOptions::hold_tail_until_listener.
  bool replayed_ ABSL_GUARDED_BY(mu_) = false;
  bool listener_attached_ ABSL_GUARDED_BY(mu_) = false;
  // The first error of the tail (a message sitrep cannot decode).
  absl::Status tail_error_ ABSL_GUARDED_BY(mu_);
};

absl::StatusOr<std::unique_ptr<JetStreamEventLog>> JetStreamEventLog::Open(
    const JetStreamOptions& options) {
  std::unique_ptr<JetStreamEventLog> log(new JetStreamEventLog(options));
  absl::Status status = log->Connect();
  if (!status.ok()) return status;
  absl::StatusOr<StreamInfoPtr> info = log->CreateOrCheckStream();
  if (!info.ok()) return info.status();
  status = log->LoadIncidentSnapshots();
  if (!status.ok()) return status;
  absl::StatusOr<std::unique_ptr<JetStreamSnapshotBucket>> bucket =
      JetStreamSnapshotBucket::Open(log->js_, options.stream, options.replicas);
  if (!bucket.ok()) return bucket.status();
  log->situation_bucket_ = *std::move(bucket);
  status = log->StartTail((*info)->State);
  if (!status.ok()) return status;
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  log->writer_id_ = log->writer_.get_id();
  LogInfo("log", "opened the JetStream event log",
          {{"nats_url", options.nats_url},
           {"stream", options.stream},
           {"log_id", log->log_id_},
           {"oldest", absl::StrCat(log->Oldest())},
           {"head", absl::StrCat(log->Head())}});
  return log;
}

absl::Status JetStreamEventLog::Connect() {
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) {
    return absl::ResourceExhaustedError("cannot create NATS options");
  }
  std::unique_ptr<natsOptions, NatsOptionsDeleter> opts(raw);
  std::vector<std::string> urls = absl::StrSplit(
      options_.nats_url, ',', absl::SkipWhitespace());
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
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), "sitrepd");
  if (s == NATS_OK && !options_.randomize_servers) {
    s = natsOptions_SetNoRandomize(opts.get(), true);
  }
  // Reconnect for ever: the tail resumes by itself when NATS returns.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), timeout_ms_);
  if (s == NATS_OK && !options_.creds_file.empty()) {
    s = natsOptions_SetUserCredentialsFromFiles(
        opts.get(), options_.creds_file.c_str(), nullptr);
  }
  if (s == NATS_OK && !options_.tls_ca_file.empty()) {
    s = natsOptions_SetSecure(opts.get(), true);
    if (s == NATS_OK) {
      s = natsOptions_LoadCATrustedCertificates(opts.get(),
                                                options_.tls_ca_file.c_str());
    }
  }
  if (s == NATS_OK && !options_.tls_cert_file.empty()) {
    s = natsOptions_LoadCertificatesChain(opts.get(),
                                          options_.tls_cert_file.c_str(),
                                          options_.tls_key_file.c_str());
  }
  if (s != NATS_OK) {
    return absl::InvalidArgumentError(NatsErrorText(
        "--nats_creds / --nats_tls_*: cannot use the NATS credentials or TLS "
        "files",
        s));
  }
  if (s == NATS_OK) {
    s = natsOptions_SetDisconnectedCB(opts.get(), &OnDisconnected, this);
  }
  if (s == NATS_OK) {
    s = natsOptions_SetReconnectedCB(opts.get(), &OnReconnected, this);
  }
  if (s == NATS_OK) {
    s = natsOptions_SetClosedCB(opts.get(), &OnConnectionClosed, this);
  }
  if (s != NATS_OK) {
    return absl::InternalError(NatsErrorText("cannot set NATS options", s));
  }
  s = natsConnection_Connect(&nc_, opts.get());
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot connect to NATS at '", options_.nats_url,
                     "' (--nats_url)"),
        s));
  }
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = timeout_ms_;
  s = natsConnection_JetStream(&js_, nc_, &js_options);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText("cannot use JetStream", s));
  }
  return absl::OkStatus();
}

absl::StatusOr<StreamInfoPtr> JetStreamEventLog::CreateOrCheckStream() {
  const std::string subject = absl::StrCat(options_.subject_prefix, ".*.*.*");
  const std::string where =
      absl::StrCat("stream '", options_.stream, "' (--stream) on '",
                   options_.nats_url, "'");
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s =
      js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
    const std::string log_id = NewLogId();
    const std::string description = absl::StrCat(kDescriptionPrefix, log_id);
    const char* subjects[] = {subject.c_str()};
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = options_.stream.c_str();
    config.Description = description.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Retention = js_LimitsPolicy;
    config.Discard = js_DiscardOld;
    config.Replicas = options_.replicas;
    config.Duplicates = absl::ToInt64Nanoseconds(options_.duplicate_window);
    config.AllowDirect = true;
    code = static_cast<jsErrCode>(0);
    s = js_AddStream(&raw, js_, &config, nullptr, &code);
    if (s != NATS_OK && code == JSStreamNameExistErr) {
      // Another replica created it first: use theirs.
      code = static_cast<jsErrCode>(0);
      s = js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &code);
    }
    if (s == NATS_OK) {
      LogInfo("log", "created the JetStream stream",
              {{"stream", options_.stream}, {"subjects", subject},
               {"replicas", absl::StrCat(options_.replicas)}});
    }
  }
  if (s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT) {
    return absl::FailedPreconditionError(NatsErrorText(
        absl::StrCat("JetStream does not answer at '", options_.nats_url,
                     "' (--nats_url): is nats-server running with -js?"),
        s, code));
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(
        NatsErrorText(absl::StrCat("cannot create or read ", where), s, code));
  }
  StreamInfoPtr info(raw);
  const jsStreamConfig& config = *info->Config;
  std::vector<std::string> have;
  for (int i = 0; i < config.SubjectsLen; ++i) have.push_back(config.Subjects[i]);
  if (have != std::vector<std::string>{subject}) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " has subjects [", absl::StrJoin(have, ", "),
        "]; sitrep needs exactly [", subject,
        "]: delete that stream (nats stream rm ", options_.stream,
        ") or choose another --stream"));
  }
  absl::string_view description =
      config.Description != nullptr ? config.Description : "";
  if (!absl::ConsumePrefix(&description, kDescriptionPrefix) ||
      description.size() != 32) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " is not a sitrep event log (its description is '",
        config.Description != nullptr ? config.Description : "",
        "'): choose another --stream"));
  }
  if (config.Retention != js_LimitsPolicy) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, " does not use the limits retention policy; sitrep needs it"));
  }
  log_id_ = std::string(description);
  return info;
}

absl::Status JetStreamEventLog::StartTail(const jsStreamState& state) {
  const uint64_t last = state.LastSeq;
  {
    absl::MutexLock lock(&mu_);
    oldest_ = state.Msgs > 0 ? std::max<uint64_t>(state.FirstSeq, 1) : last + 1;
    head_ = oldest_ - 1;
    notified_ = head_;
    cache_first_ = oldest_;
    if (state.Msgs == 0 && last > 0) {
      // Everything was removed: nothing tells the last received_at but the
      // stream's own time of its last message.
      last_received_at_ = absl::FromUnixNanos(state.LastTime);
    }
  }
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
  // Replay: the state must be the stream's before the log is used. Waits
  // as long as the tail makes progress.
  absl::MutexLock lock(&mu_);
  uint64_t seen = head_;
  for (;;) {
    auto caught_up = [this, last]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return head_ >= last || !tail_error_.ok();
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&caught_up),
                             options_.request_timeout)) {
      break;
    }
    if (head_ == seen) {
      return absl::UnavailableError(absl::StrCat(
          "replaying stream '", options_.stream, "' stalled at sequence ",
          head_, " of ", last));
    }
    seen = head_;
  }
  replayed_ = true;
  return tail_error_;
}

absl::Status JetStreamEventLog::LoadIncidentSnapshots() {
  const std::string bucket = absl::StrCat(options_.stream, "_INCIDENTS");
  natsStatus s = js_KeyValue(&incidents_kv_, js_, bucket.c_str());
  if (s == NATS_NOT_FOUND) {
    kvConfig config;
    kvConfig_Init(&config);
    config.Bucket = bucket.c_str();
    config.Description = "sitrep incident records (see jetstream_event_log.h)";
    config.History = 1;
    config.StorageType = js_FileStorage;
    config.Replicas = options_.replicas;
    s = js_CreateKeyValue(&incidents_kv_, js_, &config);
    // Another replica created it first.
    if (s != NATS_OK) s = js_KeyValue(&incidents_kv_, js_, bucket.c_str());
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot open the incident bucket '", bucket, "'"), s));
  }
  kvWatcher* watcher = nullptr;
  s = kvStore_WatchAll(&watcher, incidents_kv_, nullptr);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot read the incident bucket '", bucket, "'"), s));
  }
  std::unique_ptr<kvWatcher, void (*)(kvWatcher*)> owner(watcher,
                                                          &kvWatcher_Destroy);
  absl::MutexLock lock(&mu_);
  for (;;) {
    kvEntry* raw = nullptr;
    s = kvWatcher_Next(&raw, watcher, timeout_ms_);
    if (s != NATS_OK) {
      return absl::UnavailableError(NatsErrorText(
          absl::StrCat("cannot read the incident bucket '", bucket, "'"), s));
    }
    // A null entry marks the end of the current values.
    if (raw == nullptr) break;
    KvEntryPtr entry(raw);
    if (kvEntry_Operation(raw) != kvOp_Put) continue;
    absl::StatusOr<IncidentRecord> record = DecodeIncidentRecord(
        absl::string_view(static_cast<const char*>(kvEntry_Value(raw)),
                          static_cast<size_t>(kvEntry_ValueLen(raw))),
        absl::StrCat("key ", kvEntry_Key(raw), " of bucket ", bucket));
    if (!record.ok()) return record.status();
    // A legacy snapshot (format 1) counts as not written, so that the next
    // SnapshotIncidents stores the record in the current format.
    snapshot_sequence_[record->incident_id] =
        record->legacy ? 0 : record->latest->sequence();
    std::string id = record->incident_id;
    incidents_[std::move(id)] = *std::move(record);
  }
  return absl::OkStatus();
}

absl::Status JetStreamEventLog::SnapshotIncidents() {
  std::vector<IncidentRecord> changed;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, record] : incidents_) {
      auto it = snapshot_sequence_.find(id);
      if (it == snapshot_sequence_.end() ||
          it->second < record.latest->sequence()) {
        changed.push_back(record);
      }
    }
  }
  for (const IncidentRecord& record : changed) {
    absl::Status status = PutSnapshot(record);
    if (!status.ok()) return status;
    absl::MutexLock lock(&mu_);
    uint64_t& sequence = snapshot_sequence_[record.incident_id];
    sequence = std::max(sequence, record.latest->sequence());
  }
  return absl::OkStatus();
}

absl::Status JetStreamEventLog::PutSnapshot(const IncidentRecord& record) {
  const std::string key = IncidentKey(record.incident_id);
  const std::string value = EncodeIncidentRecord(record);
  // Compare-and-set, so that a replica behind never replaces a newer
  // snapshot of another.
  for (int attempt = 0; attempt < 10; ++attempt) {
    kvEntry* raw = nullptr;
    natsStatus s = kvStore_Get(&raw, incidents_kv_, key.c_str());
    KvEntryPtr current(raw);
    uint64_t revision = 0;
    if (s == NATS_OK) {
      absl::StatusOr<IncidentRecord> stored = DecodeIncidentRecord(
          absl::string_view(static_cast<const char*>(kvEntry_Value(raw)),
                            static_cast<size_t>(kvEntry_ValueLen(raw))),
          absl::StrCat("incident '", record.incident_id, "'"));
      // A snapshot written before the chain's rules (legacy) is replaced
      // by the re-derived record of the same sequence.
      if (stored.ok() && !stored->legacy &&
          stored->latest->sequence() >= record.latest->sequence()) {
        return absl::OkStatus();
      }
      revision = kvEntry_Revision(raw);
    } else if (s != NATS_NOT_FOUND) {
      return absl::UnavailableError(NatsErrorText(
          absl::StrCat("cannot read the snapshot of incident '",
                       record.incident_id, "'"),
          s));
    }
    uint64_t written = 0;
    s = revision == 0
            ? kvStore_Create(&written, incidents_kv_, key.c_str(), value.data(),
                             static_cast<int>(value.size()))
            : kvStore_Update(&written, incidents_kv_, key.c_str(), value.data(),
                             static_cast<int>(value.size()), revision);
    if (s == NATS_OK) return absl::OkStatus();
    if (!Connected()) break;
    // Someone else wrote it meanwhile: look again.
  }
  return absl::UnavailableError(absl::StrCat(
      "cannot write the snapshot of incident '", record.incident_id,
      "'; nothing was removed from the stream"));
}

JetStreamEventLog::~JetStreamEventLog() {
  Close();
  stopping_.store(true, std::memory_order_release);
  {
    // Releasing mu_ wakes a tail held for a listener: it sees stopping_.
    absl::MutexLock lock(&mu_);
  }
  if (tail_ != nullptr) {
    // Drain waits for a delivery in progress, so that no callback runs on
    // a destroyed log; without a connection, closing it stops delivery.
    if (natsSubscription_Drain(tail_) != NATS_OK ||
        natsSubscription_WaitForDrainCompletion(tail_, timeout_ms_) !=
            NATS_OK) {
      natsConnection_Close(nc_);
    }
    natsSubscription_Destroy(tail_);
  }
  situation_bucket_.reset();
  if (incidents_kv_ != nullptr) kvStore_Destroy(incidents_kv_);
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) {
    natsConnection_Close(nc_);
    // The disconnected callback of this close is still queued (it found a
    // freed log under AddressSanitizer): wait for the closed one after it.
    if (!connection_closed_.WaitForNotificationWithTimeout(
            absl::Milliseconds(timeout_ms_))) {
      LogWarning("log", "NATS did not report the connection closed in time",
                 {{"nats_url", options_.nats_url}});
    }
    natsConnection_Destroy(nc_);
  }
}

void JetStreamEventLog::OnConnectionClosed(natsConnection*, void* closure) {
  static_cast<JetStreamEventLog*>(closure)->connection_closed_.Notify();
}

void JetStreamEventLog::OnDisconnected(natsConnection*, void* closure) {
  static_cast<JetStreamEventLog*>(closure)->ConnectionChanged(false);
}

void JetStreamEventLog::OnReconnected(natsConnection*, void* closure) {
  static_cast<JetStreamEventLog*>(closure)->ConnectionChanged(true);
}

void JetStreamEventLog::ConnectionChanged(bool connected) {
  if (stopping_.load(std::memory_order_acquire)) return;
  if (connected) {
    LogInfo("log", "reconnected to NATS", {{"nats_url", options_.nats_url}});
  } else {
    LogWarning("log", "lost the connection to NATS; reconnecting",
               {{"nats_url", options_.nats_url}});
  }
  if (options_.on_connection_change) options_.on_connection_change(connected);
}

void JetStreamEventLog::OnMessage(natsConnection*, natsSubscription*,
                                  natsMsg* msg, void* closure) {
  static_cast<JetStreamEventLog*>(closure)->ApplyMessage(msg);
  natsMsg_Destroy(msg);
}

void JetStreamEventLog::ApplyMessage(natsMsg* msg) {
  if (stopping_.load(std::memory_order_acquire)) return;
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) return;
  const uint64_t sequence = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  absl::StatusOr<LogEntryPtr> decoded = EntryFromMessage(msg, sequence);
  {
    absl::MutexLock lock(&mu_);
    if (options_.hold_tail_until_listener) {
      auto may_apply = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !replayed_ || listener_attached_ ||
               stopping_.load(std::memory_order_acquire);
      };
      mu_.Await(absl::Condition(&may_apply));
      if (stopping_.load(std::memory_order_acquire)) return;
    }
    // A redelivery after the ordered consumer was reset.
    if (sequence <= head_) return;
    if (!decoded.ok()) {
      LogError("log", "cannot apply a stream message",
               {{"sequence", absl::StrCat(sequence)},
                {"error", decoded.status().ToString()}});
      if (tail_error_.ok()) tail_error_ = decoded.status();
      return;
    }
    const LogEntryPtr& entry = *decoded;
    if (sequence != head_ + 1) {
      // The sequences in between were removed before the tail saw them
      // (retention by another replica or by JetStream's limits).
      oldest_ = sequence;
      received_us_.clear();
      cache_.clear();
      cache_first_ = sequence;
    }
    const v1::SituationUpdate& update = entry->update;
    events_[EventKey(update)] = sequence;
    if (!update.incident_id().empty()) {
      IncidentRecord& record = incidents_[update.incident_id()];
      // A snapshot written before the chain's rules is re-derived from the
      // thread when the stream still retains its first update.
      if (record.legacy && update.incident_version() == 1) {
        record = IncidentRecord();
      }
      // A record loaded from a snapshot already holds its updates up to
      // its latest.
      if (record.latest == nullptr || record.latest->sequence() < sequence) {
        ApplyToIncident(entry, &record);
      }
    }
    received_us_.push_back(ReceivedAtMicros(update));
    cache_.push_back(entry);
    while (cache_.size() > std::max<size_t>(options_.cache_entries, 1)) {
      cache_.pop_front();
      ++cache_first_;
    }
    last_received_at_ = absl::FromUnixMicros(ReceivedAtMicros(update));
    head_ = sequence;
  }
  if (AppendListener* listener = listener_.load(std::memory_order_acquire)) {
    listener->OnAppended({*decoded});
  }
  absl::MutexLock lock(&mu_);
  notified_ = sequence;
}

bool JetStreamEventLog::WaitNotified(uint64_t sequence,
                                     absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto done = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return notified_ >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void JetStreamEventLog::Append(std::vector<AppendRequest> batch,
                               AppendCallback done) {
  queue_.PushAppendOrFail(std::move(batch), std::move(done), CloseError());
}

void JetStreamEventLog::WriterLoop() {
  queue_.RunWriter([this](std::vector<GroupCommitQueue::PendingAppend>* appends) {
    CommitBatch(appends);
  });
}

std::vector<JetStreamEventLog::Decision> JetStreamEventLog::Decide(
    const std::vector<Item>& items, size_t first, uint64_t* head) {
  std::vector<Decision> decisions(items.size() - first);
  // The changes of this round, on top of the state at the head.
  absl::flat_hash_map<std::string, LogEntryPtr> added;
  absl::flat_hash_map<std::string, IncidentRecord> incidents;
  absl::MutexLock lock(&mu_);
  *head = head_;
  uint64_t next = head_ + 1;
  absl::Time last_received_at = last_received_at_;
  for (size_t i = first; i < items.size(); ++i) {
    Decision& decision = decisions[i - first];
    const AppendRequest& request = *items[i].request;
    absl::Status status = CheckAppendRequest(request);
    if (!status.ok()) {
      decision.result = status;
      continue;
    }
    const v1::SituationUpdate& update = request.update;
    const std::string key = EventKey(update);
    if (auto it = added.find(key); it != added.end()) {
      status = CheckSameContent(it->second->update, update);
      decision.result = status.ok() ? absl::StatusOr<AppendResult>(
                                          AppendResult{it->second, true})
                                    : status;
      continue;
    }
    if (auto it = events_.find(key); it != events_.end() && it->second >= oldest_) {
      decision.kind = Decision::kCompare;
      decision.stored_sequence = it->second;
      continue;
    }
    const IncidentRecord* current = nullptr;
    if (!update.incident_id().empty()) {
      if (auto it = incidents.find(update.incident_id()); it != incidents.end()) {
        current = &it->second;
      } else if (auto it = incidents_.find(update.incident_id());
                 it != incidents_.end()) {
        current = &it->second;
      }
    }
    const absl::Time received_at =
        NextReceivedAt(clock_->Now(), last_received_at);
    absl::StatusOr<PreparedAppend> prepared =
        PrepareAppend(request, current, next, received_at);
    if (!prepared.ok()) {
      decision.result = prepared.status();
      continue;
    }
    LogEntryPtr entry = std::move(prepared->entry);
    if (prepared->record.has_value()) {
      std::string id = prepared->record->incident_id;
      incidents[std::move(id)] = *std::move(prepared->record);
    }
    added[key] = entry;
    last_received_at = received_at;
    ++next;
    decision.kind = Decision::kPublish;
    decision.entry = std::move(entry);
  }
  return decisions;
}

absl::Status JetStreamEventLog::Publish(const LogEntry& entry,
                                        bool* no_leader) {
  *no_leader = false;
  const v1::SituationUpdate& update = entry.update;
  const std::string subject = SubjectOf(options_.subject_prefix, update);
  const absl::string_view body = EncodedUpdate(entry);
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, subject.c_str(), nullptr, body.data(),
                                static_cast<int>(body.size()));
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText("cannot make a message", s));
  }
  MsgPtr msg(raw);
  const std::string msg_id = JetStreamMsgId(update);
  // Set directly rather than through jsPubOptions, where 0 means "unset":
  // an empty stream is expected to have last sequence 0.
  const std::string expected = absl::StrCat(entry.sequence() - 1);
  s = natsMsgHeader_Set(msg.get(), kMsgIdHeader, msg_id.c_str());
  if (s == NATS_OK) {
    s = natsMsgHeader_Set(msg.get(), kExpectedLastSeqHeader, expected.c_str());
  }
  if (s == NATS_OK && entry.previous != nullptr) {
    const std::string previous =
        absl::Base64Escape(entry.previous->SerializeAsString());
    s = natsMsgHeader_Set(msg.get(), kPreviousHeader, previous.c_str());
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText("cannot set a header", s));
  }
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack, js_, msg.get(), nullptr, &code);
  std::unique_ptr<jsPubAck, void (*)(jsPubAck*)> ack_owner(ack,
                                                           &jsPubAck_Destroy);
  if (s == NATS_OK && !ack->Duplicate && ack->Sequence == entry.sequence()) {
    return absl::OkStatus();
  }
  if (s == NATS_OK) {
    // A duplicate within JetStream's window (stored by another replica, or
    // by an attempt whose ack was lost): the tail brings it in.
    return absl::AbortedError(absl::StrCat(
        "event_id '", update.event_id(), "' is stored as sequence ",
        ack->Sequence));
  }
  if (code == JSStreamWrongLastSequenceErr) {
    return absl::AbortedError("another replica appended first");
  }
  *no_leader = s == NATS_NO_RESPONDERS;
  return absl::UnavailableError(NatsErrorText(
      absl::StrCat("cannot publish to JetStream stream '", options_.stream,
                   "'"),
      s, code));
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

void JetStreamEventLog::CommitBatch(
    std::vector<GroupCommitQueue::PendingAppend>* appends) {
  std::vector<std::vector<absl::StatusOr<AppendResult>>> results(
      appends->size());
  std::vector<Item> items;
  for (size_t i = 0; i < appends->size(); ++i) {
    results[i].resize((*appends)[i].batch.size(), CloseError());
  }
  for (size_t i = 0; i < appends->size(); ++i) {
    for (size_t j = 0; j < results[i].size(); ++j) {
      items.push_back({&(*appends)[i].batch[j], &results[i][j]});
    }
  }

  uint64_t published = 0;  // The last sequence this batch stored.
  size_t next = 0;         // Items before it are decided for good.
  absl::Status failure;    // Fails every item from `next` on.
  int conflicts = 0;
  int elections = 0;
  while (next < items.size() && failure.ok()) {
    if (!Connected()) {
      failure = absl::UnavailableError(absl::StrCat(
          "not connected to NATS at '", options_.nats_url, "'"));
      break;
    }
    uint64_t head = 0;
    std::vector<Decision> decisions = Decide(items, next, &head);
    size_t i = next;
    for (; i < items.size(); ++i) {
      Decision& decision = decisions[i - next];
      if (decision.kind == Decision::kFinal) {
        *items[i].result = std::move(decision.result);
      } else if (decision.kind == Decision::kCompare) {
        absl::StatusOr<LogEntryPtr> stored = Get(decision.stored_sequence);
        if (!stored.ok()) {
          *items[i].result = stored.status();
          continue;
        }
        absl::Status same =
            CheckSameContent((*stored)->update, items[i].request->update);
        *items[i].result = same.ok() ? absl::StatusOr<AppendResult>(
                                           AppendResult{*stored, true})
                                     : same;
      } else {
        bool no_leader = false;
        absl::Status status = Publish(*decision.entry, &no_leader);
        if (status.ok()) {
          published = decision.entry->sequence();
          *items[i].result = AppendResult{decision.entry, false};
          continue;
        }
        if (no_leader && ++elections <= kMaxElectionWaits) {
          // A stream info request is answered once the stream has a leader
          // again (or times out): then decide again, as after a conflict.
          absl::StatusOr<uint64_t> last = StreamLastSequence();
          if (last.ok() && !WaitNotified(*last, options_.request_timeout)) {
            failure = absl::UnavailableError(absl::StrCat(
                "this replica's tail did not reach sequence ", *last));
          }
          break;
        }
        if (status.code() != absl::StatusCode::kAborted) {
          failure = status;
          break;
        }
        // Another replica appended first: catch up and decide again.
        if (++conflicts > 1000) {
          failure = absl::UnavailableError(absl::StrCat(
              "could not append after ", conflicts,
              " conflicts with other replicas: ", status.message()));
          break;
        }
        absl::StatusOr<uint64_t> last = StreamLastSequence();
        if (!last.ok()) {
          failure = last.status();
        } else if (!WaitNotified(*last, options_.request_timeout)) {
          failure = absl::UnavailableError(absl::StrCat(
              "this replica's tail did not reach sequence ", *last));
        }
        break;
      }
    }
    next = i;
  }
  if (!failure.ok()) {
    LogWarning("log", "append failed", {{"error", failure.ToString()}});
    for (size_t i = next; i < items.size(); ++i) *items[i].result = failure;
  }
  // The listener sees every stored entry before its appender hears of it.
  if (published > 0 &&
      !WaitNotified(published, std::max(options_.request_timeout,
                                        absl::Seconds(30)))) {
    const absl::Status late = absl::UnavailableError(absl::StrCat(
        "stored up to sequence ", published,
        " but this replica's tail has not seen it yet; retry (the retry is "
        "a duplicate)"));
    for (const Item& item : items) {
      if (item.result->ok() && !(*item.result)->duplicate) *item.result = late;
    }
  }
  for (size_t i = 0; i < appends->size(); ++i) {
    (*appends)[i].done(std::move(results[i]));
  }
}

absl::StatusOr<LogEntryPtr> JetStreamEventLog::Get(uint64_t sequence) const {
  {
    absl::MutexLock lock(&mu_);
    if (sequence < oldest_ || sequence > head_) {
      return absl::NotFoundError(absl::StrCat("sequence ", sequence,
                                              " is not retained"));
    }
    if (sequence >= cache_first_) return cache_[sequence - cache_first_];
  }
  return Fetch(sequence);
}

absl::StatusOr<LogEntryPtr> JetStreamEventLog::Fetch(uint64_t sequence) const {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&raw, js_, options_.stream.c_str(), sequence,
                           nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) {
    return absl::NotFoundError(
        absl::StrCat("sequence ", sequence, " is not retained"));
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot read sequence ", sequence, " from stream '",
                     options_.stream, "'"),
        s, code));
  }
  MsgPtr msg(raw);
  return EntryFromMessage(msg.get(), sequence);
}

absl::StatusOr<std::vector<LogEntryPtr>> JetStreamEventLog::Read(
    const ReadRange& range) const {
  std::vector<LogEntryPtr> entries;
  uint64_t first, last;
  {
    absl::MutexLock lock(&mu_);
    first = std::max<uint64_t>({range.first, oldest_, 1});
    last = std::min(range.last, head_);
  }
  if (range.limit == 0 || first > last) return entries;
  const uint64_t count = std::min<uint64_t>(last - first + 1, range.limit);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t sequence = range.descending ? last - i : first + i;
    absl::StatusOr<LogEntryPtr> entry = Get(sequence);
    if (absl::IsNotFound(entry.status())) {
      // Retention removed it meanwhile: the rest of an ascending read is
      // still there; a descending read has reached the oldest end.
      if (range.descending) break;
      continue;
    }
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

absl::StatusOr<uint64_t> JetStreamEventLog::FirstSequenceAtOrAfter(
    absl::Time time) const {
  absl::MutexLock lock(&mu_);
  if (time == absl::InfinitePast()) return std::min(oldest_, head_ + 1);
  if (time == absl::InfiniteFuture()) return head_ + 1;
  const int64_t micros = CeilMicros(time);
  // received_at never decreases with the sequence.
  auto it = std::lower_bound(received_us_.begin(), received_us_.end(), micros);
  return oldest_ + static_cast<uint64_t>(it - received_us_.begin());
}

absl::StatusOr<std::optional<IncidentRecord>> JetStreamEventLog::LoadIncident(
    const std::string& incident_id) const {
  absl::MutexLock lock(&mu_);
  auto it = incidents_.find(incident_id);
  if (it == incidents_.end()) return std::optional<IncidentRecord>();
  return std::optional<IncidentRecord>(it->second);
}

absl::StatusOr<EventLog::OpenIncidents> JetStreamEventLog::LoadOpenIncidents()
    const {
  OpenIncidents result;
  {
    absl::MutexLock lock(&mu_);
    result.head = head_;
    for (const auto& [id, record] : incidents_) {
      if (!record.closed) result.incidents.push_back(record);
    }
  }
  SortByLatestSequence(&result.incidents);
  return result;
}

absl::StatusOr<uint64_t> JetStreamEventLog::ApplyRetention(
    const RetentionPolicy& policy, absl::Time now) {
  if (closed_.load(std::memory_order_acquire)) return CloseError();
  uint64_t oldest, target;
  {
    absl::MutexLock lock(&mu_);
    oldest = oldest_;
    target = oldest_;
    if (policy.max_updates > 0 && head_ > policy.max_updates) {
      target = std::max(target, head_ - policy.max_updates + 1);
    }
    if (policy.max_age != absl::InfiniteDuration()) {
      auto it = std::lower_bound(received_us_.begin(), received_us_.end(),
                                 CeilMicros(now - policy.max_age));
      target = std::max(
          target, oldest_ + static_cast<uint64_t>(it - received_us_.begin()));
    }
    target = ClampRetentionTarget(policy, oldest_, target);
  }
  if (target <= oldest) return 0;
  // The incident records must outlive the updates they were made of.
  absl::Status snapshots = SnapshotIncidents();
  if (!snapshots.ok()) return snapshots;
  // One request: JetStream removes everything below `target` (on every
  // replica of the stream) without holding appends up.
  jsOptions purge;
  jsOptions_Init(&purge);
  purge.Wait = timeout_ms_;
  purge.Stream.Purge.Sequence = target;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(js_, options_.stream.c_str(), &purge, &code);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot remove old updates from stream '",
                     options_.stream, "'"),
        s, code));
  }
  // Snapshots before target - 1 can start no replay any more.
  if (absl::Status dropped = situation_bucket_->DropBefore(target - 1);
      !dropped.ok()) {
    LogWarning("log", "old situation snapshots stay",
               {{"error", std::string(dropped.message())}});
  }
  absl::MutexLock lock(&mu_);
  if (target > oldest_) {
    const uint64_t drop = std::min<uint64_t>(target - oldest_,
                                             received_us_.size());
    received_us_.erase(received_us_.begin(), received_us_.begin() + drop);
    while (cache_first_ < target && !cache_.empty()) {
      cache_.pop_front();
      ++cache_first_;
    }
    cache_first_ = std::max(cache_first_, target);
    oldest_ = target;
  }
  return target - oldest;
}

void JetStreamEventLog::Close() {
  closed_.store(true, std::memory_order_release);
  queue_.Close();
  if (std::this_thread::get_id() == writer_id_) return;
  absl::MutexLock lock(&close_mu_);
  if (writer_.joinable()) writer_.join();
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventLog>> OpenJetStreamEventLog(
    const JetStreamOptions& options) {
  absl::StatusOr<std::unique_ptr<JetStreamEventLog>> log =
      JetStreamEventLog::Open(options);
  if (!log.ok()) return log.status();
  return std::unique_ptr<EventLog>(*std::move(log));
}

}  // namespace sitrep
