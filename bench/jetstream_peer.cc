#include "bench/jetstream_peer.h"

#include <nats/nats.h>

#include <atomic>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/log/jetstream_nats.h"

namespace sitrep::bench {
namespace {

struct Acks {
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> errors{0};
};

void OnAck(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* error, void* closure) {
  auto* acks = static_cast<Acks*>(closure);
  if (error != nullptr) acks->errors.fetch_add(1);
  acks->acked.fetch_add(1, std::memory_order_release);
  natsMsg_Destroy(msg);
}

// sitrepd's connection settings (jetstream_nats.h), to url.
absl::StatusOr<natsConnection*> Connect(const std::string& url) {
  JetStreamOptions options;
  options.nats_url = url;
  return jetstream::ConnectToNats(options, "sitrep-bench-raw-peer");
}

// A JetStream context on `nc` whose async publishes block while `window`
// are unacknowledged and whose acks are counted in `acks`.
absl::StatusOr<jsCtx*> OpenJetStream(natsConnection* nc, int window, Acks* acks) {
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = window;
  options.PublishAsync.AckHandler = OnAck;
  options.PublishAsync.AckHandlerClosure = acks;
  options.PublishAsync.StallWait = 10000;
  jsCtx* js = nullptr;
  if (natsStatus s = natsConnection_JetStream(&js, nc, &options); s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat("raw JetStream peer: ", natsStatus_GetText(s)));
  }
  return js;
}

// Creates `stream` with the settings of sitrep's stream
// (jetstream_event_log.cc, CreateStream).
absl::Status AddPeerStream(jsCtx* js, const PeerStream& stream) {
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream.name.c_str();
  const char* subjects[] = {stream.subjects.c_str()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Retention = js_LimitsPolicy;
  config.Discard = js_DiscardOld;
  config.Replicas = stream.replicas;
  config.Duplicates = absl::ToInt64Nanoseconds(stream.duplicate_window);
  config.AllowDirect = true;
  jsErrCode code = static_cast<jsErrCode>(0);
  if (natsStatus s = js_AddStream(nullptr, js, &config, nullptr, &code); s != NATS_OK) {
    return absl::FailedPreconditionError(absl::StrCat(
        "raw JetStream peer: js_AddStream ", stream.name, ": ", natsStatus_GetText(s), " (",
        static_cast<int>(code), ")"));
  }
  return absl::OkStatus();
}

// Publishes messages 0, 1, ... (made by `make`) with their Nats-Msg-Id;
// stops for good at the first failed publish.
class Publisher {
 public:
  Publisher(jsCtx* js, Acks* acks,
            const std::function<void(int64_t g, PeerMessage* m)>& make)
      : js_(js), acks_(acks), make_(make) {}

  // Publishes until `end` or a failure.
  void Until(absl::Time end) {
    while (!failed_ && absl::Now() < end) {
      make_(g_, &m_);
      jsPubOptions pub;
      jsPubOptions_Init(&pub);
      pub.MsgId = m_.msg_id.c_str();
      // Blocks (StallWait) while `window` publishes are unacknowledged.
      const natsStatus s = js_PublishAsync(js_, m_.subject.c_str(), m_.body.data(),
                                           static_cast<int>(m_.body.size()), &pub);
      if (s != NATS_OK) {
        acks_->errors.fetch_add(1);
        failed_ = true;
        return;
      }
      ++g_;
    }
  }

  bool failed() const { return failed_; }

 private:
  jsCtx* const js_;
  Acks* const acks_;
  const std::function<void(int64_t g, PeerMessage* m)>& make_;
  PeerMessage m_;
  int64_t g_ = 0;
  bool failed_ = false;
};

}  // namespace

absl::StatusOr<PeerIngest> PublishRawJetStream(
    const std::string& nats_url, const PeerStream& stream,
    const std::function<void(int64_t g, PeerMessage* m)>& make, int window,
    absl::Duration warmup, absl::Duration duration, const PeerPhaseHooks& hooks) {
  absl::StatusOr<natsConnection*> nc = Connect(nats_url);
  if (!nc.ok()) return nc.status();
  absl::Cleanup close_nc = [&] {
    natsConnection_Close(*nc);
    natsConnection_Destroy(*nc);
  };
  Acks acks;
  absl::StatusOr<jsCtx*> js = OpenJetStream(*nc, window, &acks);
  if (!js.ok()) return js.status();
  absl::Cleanup destroy_js = [&] { jsCtx_Destroy(*js); };
  if (absl::Status added = AddPeerStream(*js, stream); !added.ok()) return added;

  Publisher publisher(*js, &acks, make);
  publisher.Until(absl::Now() + warmup);
  PeerIngest result;
  if (hooks.begin) hooks.begin();
  const uint64_t acked0 = acks.acked.load(std::memory_order_acquire);
  const absl::Time t0 = absl::Now();
  publisher.Until(t0 + duration);
  result.acked = acks.acked.load(std::memory_order_acquire) - acked0;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  if (hooks.end) hooks.end();
  jsPubOptions complete;
  jsPubOptions_Init(&complete);
  complete.MaxWait = 30000;
  js_PublishAsyncComplete(*js, &complete);
  result.errors = acks.errors.load();
  result.stored_bytes_per_message = StoredBytesPerMessage(nats_url, stream.name);
  if (publisher.failed() && result.acked == 0) {
    return absl::UnavailableError("raw JetStream peer: js_PublishAsync failed at once");
  }
  return result;
}

double StoredBytesPerMessage(const std::string& nats_url, const std::string& stream) {
  absl::StatusOr<natsConnection*> nc = Connect(nats_url);
  if (!nc.ok()) return 0;
  double per_message = 0;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, *nc, nullptr) == NATS_OK) {
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    if (js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code) == NATS_OK) {
      if (info->State.Msgs > 0) {
        per_message =
            static_cast<double>(info->State.Bytes) / static_cast<double>(info->State.Msgs);
      }
      jsStreamInfo_Destroy(info);
    }
    jsCtx_Destroy(js);
  }
  natsConnection_Close(*nc);
  natsConnection_Destroy(*nc);
  return per_message;
}

}  // namespace sitrep::bench
