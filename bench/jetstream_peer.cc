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

}  // namespace

absl::StatusOr<PeerIngest> PublishRawJetStream(
    const std::string& nats_url, const PeerStream& stream,
    const std::function<void(int64_t g, PeerMessage* m)>& make, int window,
    absl::Duration warmup, absl::Duration duration) {
  absl::StatusOr<natsConnection*> nc = Connect(nats_url);
  if (!nc.ok()) return nc.status();
  absl::Cleanup close_nc = [&] {
    natsConnection_Close(*nc);
    natsConnection_Destroy(*nc);
  };
  Acks acks;
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = window;
  options.PublishAsync.AckHandler = OnAck;
  options.PublishAsync.AckHandlerClosure = &acks;
  options.PublishAsync.StallWait = 10000;
  jsCtx* js = nullptr;
  if (natsStatus s = natsConnection_JetStream(&js, *nc, &options); s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat("raw JetStream peer: ", natsStatus_GetText(s)));
  }
  absl::Cleanup destroy_js = [js] { jsCtx_Destroy(js); };

  // The settings of sitrep's stream (jetstream_event_log.cc, CreateStream).
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

  PeerMessage m;
  int64_t g = 0;
  bool failed = false;
  auto publish_until = [&](absl::Time end) {
    while (!failed && absl::Now() < end) {
      make(g, &m);
      jsPubOptions pub;
      jsPubOptions_Init(&pub);
      pub.MsgId = m.msg_id.c_str();
      // Blocks (StallWait) while `window` publishes are unacknowledged.
      const natsStatus s = js_PublishAsync(js, m.subject.c_str(), m.body.data(),
                                           static_cast<int>(m.body.size()), &pub);
      if (s != NATS_OK) {
        acks.errors.fetch_add(1);
        failed = true;
        return;
      }
      ++g;
    }
  };
  publish_until(absl::Now() + warmup);
  PeerIngest result;
  const uint64_t acked0 = acks.acked.load(std::memory_order_acquire);
  const absl::Time t0 = absl::Now();
  publish_until(t0 + duration);
  result.acked = acks.acked.load(std::memory_order_acquire) - acked0;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  jsPubOptions complete;
  jsPubOptions_Init(&complete);
  complete.MaxWait = 30000;
  js_PublishAsyncComplete(js, &complete);
  result.errors = acks.errors.load();
  result.stored_bytes_per_message = StoredBytesPerMessage(nats_url, stream.name);
  if (failed && result.acked == 0) {
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
