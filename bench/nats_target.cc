// NATS peers: nats-server with JetStream file storage (one stream
// "sitrep.>", Nats-Msg-Id = event id, one filtered consumer per subscriber)
// and NATS core pub/sub (no storage). The payload is the same
// SituationUpdate bytes, on subject sitrep.<mission>.<role>.<severity>.
// Subscribers share --channels connections and libnats' global delivery
// pool of 2 threads.
//
// natscore-browser (issue 24): NATS core with one connection per
// subscriber, the shape of the SSE path (a browser has a connection of its
// own, so every delivery is a write of its own). Printed beside "natscore",
// never instead of it: the SSE CPU target is judged against
// "natscore" as it stands; this one says what a server with a connection
// per reader pays for the same deliveries (docs/performance.md).
//
// The JetStream consumer (--jetstream_consumer, docs/performance.md):
//   push      (default) ephemeral push consumer, DeliverNew, AckNone, its
//             state in memory (ConsumerConfig.mem_storage, server 2.9+).
//             On a file stream a consumer otherwise keeps its state in the
//             file store, and nats-server 2.9.10 keeps rewriting each
//             consumer's state file while it delivers (an openat + write
//             pair each time under strace; none with mem_storage). The
//             stream stays file storage; these ephemeral consumers live
//             only as long as their subscription, so persisting their
//             position buys nothing here.
//             No flow control: the bench's --lag_limit bounds how far the
//             publisher runs ahead, as for every system, and libnats keeps
//             whatever arrives (pending limits off), so a server-side slow
//             consumer would show as loss.
//   ordered   libnats' ordered consumer (jsSubOptions.Ordered): the same
//             plus flow control, 5 s idle heartbeats, MaxDeliver 1, and a
//             client that re-creates the consumer on a sequence gap. What
//             the NATS docs name for an application replaying a stream on
//             its own; with nats-server 2.9.10 + libnats 3.4.1 it (and push
//             with flow control alone) published 2-8x fewer updates/s in
//             phase A at N=1000 than push, so it is not the default.
//   push-file push with the consumer state in the file store: the set-up
//             before 2026-11-29, kept for comparison.
// Pull consumers are not offered: libnats 3.4's natsSubscription_Fetch
// blocks its caller, so 1,000 subscribers would need 1,000 threads or
// polling, and they suit work queues, not one reader per consumer.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bench/bench_flags.h"
#include "bench/fanout_target.h"

#ifdef SITREP_BENCH_NATS
#include <nats/nats.h>

#include "tests/support/temp_dir.h"
#endif

namespace sitrep::bench {

#ifdef SITREP_BENCH_NATS
namespace {

class NatsSubscriber final : public VerifyingSubscriber {
 public:
  explicit NatsSubscriber(int mission_index)
      : VerifyingSubscriber(mission_index) {}
  ~NatsSubscriber() override {
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
  }

  // `consumer`: --jetstream_consumer (see above).
  bool Start(natsConnection* nc, jsCtx* js, const std::string& subject,
             const std::string& consumer) {
    start_ns_ = NowNs();
    natsStatus status;
    if (js != nullptr) {
      jsSubOptions options;
      jsSubOptions_Init(&options);
      options.Stream = "SITREP";
      options.Config.DeliverPolicy = js_DeliverNew;
      if (consumer == "ordered") {
        // Sets AckNone, MaxDeliver 1, FlowControl, Heartbeat 5 s,
        // MemoryStorage and Replicas 1 itself.
        options.Ordered = true;
      } else {
        options.Config.AckPolicy = js_AckNone;
        options.Config.MemoryStorage = consumer == "push";
      }
      jsErrCode error = static_cast<jsErrCode>(0);
      status = js_Subscribe(&sub_, js, subject.c_str(), OnMessage, this,
                            nullptr, &options, &error);
    } else {
      status = natsConnection_Subscribe(&sub_, nc, subject.c_str(), OnMessage,
                                        this);
    }
    if (status != NATS_OK) {
      Note("nats subscribe %s: %s", subject.c_str(),
           natsStatus_GetText(status));
      SetDone();
      return false;
    }
    // No client-side slow-consumer drops: what the server sends is kept.
    natsSubscription_SetPendingLimits(sub_, -1, -1);
    SetCaughtUp(NowNs());
    return true;
  }

  void Cancel() override {
    if (sub_ != nullptr) {
      natsSubscription_GetDropped(sub_, &dropped_);
      if (natsSubscription_Drain(sub_) == NATS_OK) {
        natsSubscription_WaitForDrainCompletion(sub_, 10000);
      }
    }
    SetDone();
  }

  // Messages libnats dropped (pending limits); readable after done().
  int64_t dropped() const { return dropped_; }

 private:
  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg,
                        void* closure) {
    auto* self = static_cast<NatsSubscriber*>(closure);
    const int64_t now = NowNs();
    DecodedUpdate u;
    if (DecodeUpdate(reinterpret_cast<const uint8_t*>(natsMsg_GetData(msg)),
                     static_cast<size_t>(natsMsg_GetDataLength(msg)), &u)) {
      self->OnUpdate(u, now, g_recording.load(std::memory_order_relaxed));
      self->AddReceived(1, natsMsg_GetDataLength(msg));
    } else {
      ++self->contract_violations_;
    }
    natsMsg_Destroy(msg);
  }

  natsSubscription* sub_ = nullptr;
  int64_t dropped_ = 0;
};

class NatsPublisher final : public FanoutPublisher {
 public:
  NatsPublisher(natsConnection* nc, bool jetstream, std::string run)
      : nc_(nc), payload_(std::move(run)) {
    if (jetstream) {
      jsOptions options;
      jsOptions_Init(&options);
      options.PublishAsync.MaxPending = absl::GetFlag(FLAGS_window);
      options.PublishAsync.AckHandler = OnAck;
      options.PublishAsync.AckHandlerClosure = this;
      options.PublishAsync.StallWait = 10000;
      natsConnection_JetStream(&js_, nc_, &options);
    }
  }
  ~NatsPublisher() override {
    if (js_ != nullptr) jsCtx_Destroy(js_);
  }

  bool Publish(int64_t g, size_t /*window: MaxPending*/) override {
    const v1::SituationUpdate& update = payload_.Make(g, NowNs()).update();
    update.SerializeToString(&bytes_);
    const std::string subject =
        absl::StrCat("sitrep.", update.mission(), ".", update.role(), ".",
                     update.severity());
    natsStatus status;
    if (js_ != nullptr) {
      jsPubOptions options;
      jsPubOptions_Init(&options);
      options.MsgId = update.event_id().c_str();
      status = js_PublishAsync(js_, subject.c_str(), bytes_.data(),
                               static_cast<int>(bytes_.size()), &options);
    } else {
      status = natsConnection_Publish(nc_, subject.c_str(), bytes_.data(),
                                      static_cast<int>(bytes_.size()));
      if (status == NATS_OK) acked_.fetch_add(1);
    }
    if (status != NATS_OK) {
      Note("nats publish: %s", natsStatus_GetText(status));
      errors_.fetch_add(1);
      return false;
    }
    return true;
  }
  uint64_t acked() const override { return acked_.load(); }
  uint64_t errors() const override { return errors_.load(); }
  bool WaitAcked(absl::Duration timeout) override {
    const int64_t ms = absl::ToInt64Milliseconds(timeout);
    if (js_ == nullptr) return natsConnection_FlushTimeout(nc_, ms) == NATS_OK;
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = ms;
    return js_PublishAsyncComplete(js_, &options) == NATS_OK;
  }
  void Close() override { WaitAcked(absl::Seconds(30)); }

 private:
  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* error,
                    void* closure) {
    auto* self = static_cast<NatsPublisher*>(closure);
    if (error != nullptr) self->errors_.fetch_add(1);
    self->acked_.fetch_add(1);
    natsMsg_Destroy(msg);
  }

  natsConnection* const nc_;
  jsCtx* js_ = nullptr;
  PayloadMaker payload_;
  std::string bytes_;
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> errors_{0};
};

class NatsTarget final : public FanoutTarget {
 public:
  // `connection_per_subscriber`: natscore-browser (above); otherwise the
  // subscribers share --channels connections.
  explicit NatsTarget(bool jetstream, bool connection_per_subscriber = false)
      : jetstream_(jetstream),
        connection_per_subscriber_(connection_per_subscriber) {}
  ~NatsTarget() override { Stop(); }

  bool Start() override {
    if (jetstream_) {
      consumer_ = absl::GetFlag(FLAGS_jetstream_consumer);
      if (consumer_ != "push" && consumer_ != "ordered" &&
          consumer_ != "push-file") {
        Note("--jetstream_consumer=%s: push, ordered or push-file",
             consumer_.c_str());
        return false;
      }
    }
    std::vector<std::string> argv = {absl::GetFlag(FLAGS_nats_server), "-a",
                                     "127.0.0.1", "-p", "-1"};
    if (jetstream_) {
      argv.insert(argv.end(), {"-js", "-sd", dir_.path() + "/js"});
    }
    if (!process_.Start(argv, "", absl::Seconds(30), "Server is ready")) {
      return false;
    }
    nats_Open(-1);
    nats_SetMessageDeliveryPoolSize(2);
    const std::string url = absl::StrCat("nats://", process_.address());
    const int readers = connection_per_subscriber_
                            ? absl::GetFlag(FLAGS_subscribers)
                            : absl::GetFlag(FLAGS_channels);
    const int count = readers + 1;  // + the publisher
    for (int i = 0; i < count; ++i) {
      natsOptions* options = nullptr;
      natsOptions_Create(&options);
      natsOptions_SetURL(options, url.c_str());
      natsOptions_UseGlobalMessageDelivery(options, true);
      natsOptions_SetMaxPendingMsgs(options, 1 << 20);
      natsOptions_SetErrorHandler(options, OnAsyncError, this);
      natsConnection* nc = nullptr;
      const natsStatus status = natsConnection_Connect(&nc, options);
      natsOptions_Destroy(options);
      if (status != NATS_OK) {
        Note("nats connect %s: %s", url.c_str(), natsStatus_GetText(status));
        return false;
      }
      connections_.push_back(nc);
      jsCtx* js = nullptr;
      if (jetstream_) natsConnection_JetStream(&js, nc, nullptr);
      contexts_.push_back(js);
    }
    if (jetstream_) {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      config.Name = "SITREP";
      const char* subjects[] = {"sitrep.>"};
      config.Subjects = subjects;
      config.SubjectsLen = 1;
      config.Storage = js_FileStorage;
      jsErrCode error = static_cast<jsErrCode>(0);
      const natsStatus status =
          js_AddStream(nullptr, contexts_.back(), &config, nullptr, &error);
      if (status != NATS_OK) {
        Note("js_AddStream: %s (%d)", natsStatus_GetText(status),
             static_cast<int>(error));
        return false;
      }
    }
    return true;
  }

  std::unique_ptr<VerifyingSubscriber> Subscribe(int index, int mission_index,
                                                 bool /*stall*/) override {
    const size_t c = static_cast<size_t>(index) % (connections_.size() - 1);
    auto s = std::make_unique<NatsSubscriber>(mission_index);
    s->Start(connections_[c], contexts_[c],
             absl::StrCat("sitrep.", mission_index + 1, ".>"), consumer_);
    subscribers_.push_back(s.get());
    return s;
  }

  bool AllSubscribed(
      const std::vector<std::unique_ptr<VerifyingSubscriber>>& all) override {
    for (natsConnection* nc : connections_) natsConnection_FlushTimeout(nc, 10000);
    return FanoutTarget::AllSubscribed(all);
  }

  std::unique_ptr<FanoutPublisher> NewPublisher(
      const std::string& run) override {
    return std::make_unique<NatsPublisher>(connections_.back(), jetstream_,
                                           run);
  }
  ProcStats Stats() override { return ReadProcStats(process_.pid()); }

  void Stop() override {
    // What could have cost messages or stalled delivery, on stderr: the
    // verification counts the losses themselves.
    int64_t dropped = 0;
    for (const NatsSubscriber* s : subscribers_) {
      if (s->done()) dropped += s->dropped();
    }
    subscribers_.clear();
    const uint64_t errors = async_errors_.exchange(0);
    if (dropped > 0 || errors > 0) {  // once: Stop runs again on destruction
      Note("nats: %lld messages dropped by libnats; %llu asynchronous errors "
           "(%llu slow consumer, %llu missed heartbeats, %llu sequence "
           "mismatches)",
           static_cast<long long>(dropped),
           static_cast<unsigned long long>(errors),
           static_cast<unsigned long long>(slow_consumers_.load()),
           static_cast<unsigned long long>(missed_heartbeats_.load()),
           static_cast<unsigned long long>(mismatches_.load()));
    }
    if (process_.pid() > 0 &&
        process_.StderrTail().find("Slow Consumer") != std::string::npos) {
      Note("nats-server reported a slow consumer (its stderr tail): %s",
           process_.StderrTail().c_str());
    }
    for (jsCtx* js : contexts_) {
      if (js != nullptr) jsCtx_Destroy(js);
    }
    contexts_.clear();
    for (natsConnection* nc : connections_) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
    connections_.clear();
    process_.Stop();
  }

 private:
  static void OnAsyncError(natsConnection*, natsSubscription*,
                           natsStatus error, void* closure) {
    auto* self = static_cast<NatsTarget*>(closure);
    self->async_errors_.fetch_add(1);
    if (error == NATS_SLOW_CONSUMER) self->slow_consumers_.fetch_add(1);
    if (error == NATS_MISSED_HEARTBEAT) self->missed_heartbeats_.fetch_add(1);
    if (error == NATS_MISMATCH) self->mismatches_.fetch_add(1);
  }

  const bool jetstream_;
  const bool connection_per_subscriber_;
  std::string consumer_;  // --jetstream_consumer when jetstream_
  testing::TempDir dir_;
  ServerProcess process_;
  std::vector<natsConnection*> connections_;
  std::vector<jsCtx*> contexts_;
  std::vector<const NatsSubscriber*> subscribers_;  // owned by RunFanout
  std::atomic<uint64_t> async_errors_{0}, slow_consumers_{0},
      missed_heartbeats_{0}, mismatches_{0};
};

}  // namespace

std::unique_ptr<FanoutTarget> NewNatsTarget(const std::string& name) {
  if (name == "jetstream") return std::make_unique<NatsTarget>(true);
  absl::string_view count = name;
  int replicas = 0;
  if (absl::ConsumePrefix(&count, "replicas-") &&
      absl::SimpleAtoi(count, &replicas) && replicas > 0) {
    return NewReplicasTarget(replicas);
  }
  if (name == "natscore") return std::make_unique<NatsTarget>(false);
  if (name == "natscore-browser") {
    return std::make_unique<NatsTarget>(false,
                                        /*connection_per_subscriber=*/true);
  }
  Note("unknown system %s", name.c_str());
  return nullptr;
}

#else

std::unique_ptr<FanoutTarget> NewNatsTarget(const std::string& name) {
  Note("system %s needs sitrep-bench built with libnats "
       "(scripts/install-bench-deps.sh)", name.c_str());
  return nullptr;
}

#endif  // SITREP_BENCH_NATS

}  // namespace sitrep::bench
