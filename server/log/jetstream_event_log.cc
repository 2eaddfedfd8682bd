// Opening, checking and closing the JetStream log; the layout of the stream
// is in jetstream_event_log.h, the class in jetstream_log.h.

#include "server/log/jetstream_event_log.h"

#include <openssl/sha.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/log/append_rules.h"
#include "server/log/jetstream_log.h"
#include "server/runtime/logging.h"

namespace sitrep {

std::string JetStreamMsgId(const v1::SituationUpdate& update) {
  const std::string event_key = jetstream::EventKey(update);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(event_key.data()),
         event_key.size(), digest);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), sizeof(digest)));
}

namespace jetstream {

absl::Status CloseError() {
  return absl::UnavailableError("the log is closed (server shutting down)");
}

JetStreamEventLog::JetStreamEventLog(const JetStreamOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : RealClock()),
      timeout_ms_(absl::ToInt64Milliseconds(options.request_timeout)),
      queue_(options.max_batch),
      index_(options.cache_entries) {}

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
  log->notifier_ = std::thread([raw = log.get()] { raw->NotifierLoop(); });
  const absl::Time replay_start = absl::Now();
  status = log->StartTail((*info)->State);
  if (!status.ok()) return status;
  const absl::Duration replayed = absl::Now() - replay_start;
  int64_t dropped = 0;
  natsSubscription_GetDropped(log->tail_, &dropped);
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  log->writer_id_ = log->writer_.get_id();
  LogInfo("log", "opened the JetStream event log",
          {{"nats_url", options.nats_url},
           {"stream", options.stream},
           {"log_id", log->log_id_},
           {"oldest", absl::StrCat(log->Oldest())},
           {"head", absl::StrCat(log->Head())},
           {"replay_seconds", absl::StrCat(absl::ToDoubleSeconds(replayed))},
           {"tail_dropped", absl::StrCat(dropped)}});
  return log;
}

absl::Status JetStreamEventLog::Connect() {
  absl::StatusOr<natsConnection*> nc =
      ConnectToNats(options_, "sitrepd", [this](natsOptions* opts) {
        natsStatus s = natsOptions_SetDisconnectedCB(opts, &OnDisconnected, this);
        if (s == NATS_OK) {
          s = natsOptions_SetReconnectedCB(opts, &OnReconnected, this);
        }
        if (s == NATS_OK) {
          s = natsOptions_SetClosedCB(opts, &OnConnectionClosed, this);
        }
        return s;
      });
  if (!nc.ok()) return nc.status();
  nc_ = *nc;
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = timeout_ms_;
  natsStatus s = natsConnection_JetStream(&js_, nc_, &js_options);
  if (s == NATS_OK) {
    // The writer's pipelined publishes: no limit of libnats' own on those
    // in flight (a round is at most one group commit).
    js_options.PublishAsync.MaxPending = 1 << 24;
    js_options.PublishAsync.AckHandler = &JetStreamEventLog::OnPublishAck;
    js_options.PublishAsync.AckHandlerClosure = this;
    s = natsConnection_JetStream(&publish_js_, nc_, &js_options);
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText("cannot use JetStream", s));
  }
  nonce_ = NewLogId().substr(0, 16);
  return absl::OkStatus();
}

natsStatus JetStreamEventLog::CreateStream(jsStreamInfo** info,
                                           jsErrCode* code) {
  const std::string subject = absl::StrCat(options_.subject_prefix, ".*.*.*");
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
  *code = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(info, js_, &config, nullptr, code);
  if (s != NATS_OK && *code == JSStreamNameExistErr) {
    // Another replica created it first: use theirs.
    *code = static_cast<jsErrCode>(0);
    s = js_GetStreamInfo(info, js_, options_.stream.c_str(), nullptr, code);
  }
  if (s == NATS_OK) {
    LogInfo("log", "created the JetStream stream",
            {{"stream", options_.stream}, {"subjects", subject},
             {"replicas", absl::StrCat(options_.replicas)}});
  }
  return s;
}

absl::StatusOr<StreamInfoPtr> JetStreamEventLog::CreateOrCheckStream() {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s =
      js_GetStreamInfo(&raw, js_, options_.stream.c_str(), nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
    s = CreateStream(&raw, &code);
  }
  if (s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT) {
    return absl::FailedPreconditionError(NatsErrorText(
        absl::StrCat("JetStream does not answer at '", options_.nats_url,
                     "' (--nats_url): is nats-server running with -js?"),
        s, code));
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot create or read stream '", options_.stream,
                     "' (--stream) on '", options_.nats_url, "'"),
        s, code));
  }
  StreamInfoPtr info(raw);
  absl::Status checked = CheckStream(*info->Config);
  if (!checked.ok()) return checked;
  return info;
}

absl::Status JetStreamEventLog::CheckStream(const jsStreamConfig& config) {
  const std::string subject = absl::StrCat(options_.subject_prefix, ".*.*.*");
  const std::string where =
      absl::StrCat("stream '", options_.stream, "' (--stream) on '",
                   options_.nats_url, "'");
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
  return absl::OkStatus();
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
  DestroyMessages(&replay_garbage_);
  if (notifier_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      notifier_stop_ = true;
    }
    notifier_.join();
  }
  {
    absl::MutexLock lock(&mu_);
    DestroyMessages(&applied_);
  }
  situation_bucket_.reset();
  if (incidents_kv_ != nullptr) kvStore_Destroy(incidents_kv_);
  if (publish_js_ != nullptr) jsCtx_Destroy(publish_js_);
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
  // No publish is answered any more.
  absl::MutexLock lock(&acks_mu_);
  DestroyMessages(&answered_);
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
  health_.ReportConnection(connected, options_.nats_url);
  if (options_.on_connection_change) options_.on_connection_change(connected);
}

void JetStreamEventLog::Close() {
  health_.Close();
  closed_.store(true, std::memory_order_release);
  queue_.Close();
  if (std::this_thread::get_id() == writer_id_) return;
  absl::MutexLock lock(&close_mu_);
  if (!writer_.joinable()) return;
  writer_.join();
  // How the writer fared against other replicas' appends (the bench's
  // replicas scenario reads this line).
  const JetStreamWriterCounts counts = WriterCounts();
  LogInfo("log", "JetStream writer totals",
          {{"rounds", absl::StrCat(counts.rounds_sent)},
           {"conflicts", absl::StrCat(counts.conflicts)},
           {"conflict_seconds", absl::StrCat(counts.conflict_seconds)},
           {"rounds_sent_behind", absl::StrCat(counts.rounds_sent_behind)},
           {"refusals_in_flight", absl::StrCat(counts.refusals_in_flight)}});
}

}  // namespace jetstream

absl::StatusOr<std::unique_ptr<EventLog>> OpenJetStreamEventLog(
    const JetStreamOptions& options) {
  absl::StatusOr<std::unique_ptr<jetstream::JetStreamEventLog>> log =
      jetstream::JetStreamEventLog::Open(options);
  if (!log.ok()) return log.status();
  return std::unique_ptr<EventLog>(*std::move(log));
}

}  // namespace sitrep
