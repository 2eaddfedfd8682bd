#include "server/log/jetstream_lag_probe.h"

#include <nats/nats.h>

#include <algorithm>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "server/log/jetstream_nats.h"

namespace sitrep {
namespace {

// Missing this many heartbeats makes a replica not live.
constexpr int kMissedHeartbeats = 3;

std::string KeyOf(absl::string_view name) {
  std::string key(name);
  for (char& c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) c = '_';
  }
  return key;
}

absl::Status NatsError(const std::string& what, natsStatus s) {
  return absl::UnavailableError(
      absl::StrCat("replica lag probe: ", what, ": ", natsStatus_GetText(s)));
}

class LagProbe final : public JetStreamLagProbe {
 public:
  explicit LagProbe(LagProbeOptions options)
      : options_(std::move(options)), key_(KeyOf(options_.replica)) {}

  ~LagProbe() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
    // Gone on purpose: not a stalled replica.
    if (kv_ != nullptr) {
      kvStore_Delete(kv_, key_.c_str());
      kvStore_Destroy(kv_);
    }
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
  }

  absl::Status Open() {
    // The log's NATS settings (servers, credentials, TLS); reconnects for
    // ever, as the log's connection does.
    absl::StatusOr<natsConnection*> nc =
        jetstream::ConnectToNats(options_.nats, "sitrepd-lag-probe");
    if (!nc.ok()) {
      return absl::Status(nc.status().code(),
                          absl::StrCat("replica lag probe: ", nc.status().message()));
    }
    nc_ = *nc;
    if (natsStatus s = natsConnection_JetStream(&js_, nc_, nullptr); s != NATS_OK) {
      return NatsError("JetStream context", s);
    }
    const std::string bucket = absl::StrCat(options_.nats.stream, "_REPLICAS");
    jetstream::BucketSettings settings;
    settings.name = bucket;
    settings.description = "sitrepd replica heartbeats (see jetstream_lag_probe.h)";
    // Heartbeats are worth nothing after a restart of NATS: memory.
    settings.storage = js_MemoryStorage;
    settings.replicas = options_.nats.replicas;
    settings.ttl = kHeartbeatTtl;
    if (natsStatus s = jetstream::OpenOrCreateBucket(js_, settings, &kv_);
        s != NATS_OK) {
      return NatsError(absl::StrCat("bucket ", bucket), s);
    }
    last_progress_ = Now();
    Round();
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  ReplicaLagSnapshot Snapshot() const override {
    absl::MutexLock lock(&mu_);
    return snapshot_;
  }

 private:
  absl::Time Now() const {
    return options_.clock != nullptr ? options_.clock->Now() : absl::Now();
  }

  void Run() {
    while (true) {
      {
        // The wait is the interval; stopping_ ends it early.
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
        if (stopping_) return;
      }
      Round();
    }
  }

  // One heartbeat: read the stream's last sequence, write ours, read all.
  void Round() {
    ReplicaLagSnapshot next;
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&info, js_, options_.nats.stream.c_str(), nullptr, &code);
    if (s != NATS_OK) {
      next.error = absl::StrCat("stream info of ", options_.nats.stream, ": ",
                                natsStatus_GetText(s));
      Publish(std::move(next));
      return;
    }
    next.stream_last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    const absl::Time now = Now();
    const uint64_t applied = options_.applied();
    const uint64_t lag = next.stream_last > applied ? next.stream_last - applied : 0;
    if (applied != last_applied_ || lag == 0) last_progress_ = now;
    last_applied_ = applied;
    const absl::Duration stalled = lag > 0 ? now - last_progress_ : absl::ZeroDuration();
    const std::string value = EncodeReplicaHeartbeat(applied, lag, stalled, now);
    s = kvStore_PutString(nullptr, kv_, key_.c_str(), value.c_str());
    if (s != NATS_OK) {
      next.error = absl::StrCat("heartbeat: ", natsStatus_GetText(s));
      Publish(std::move(next));
      return;
    }
    next.replicas.push_back(
        {key_, true, true, applied, lag, stalled, absl::ZeroDuration()});
    ReadPeers(now, &next);
    std::sort(next.replicas.begin(), next.replicas.end(),
              [](const ReplicaLag& a, const ReplicaLag& b) { return a.replica < b.replica; });
    next.valid = true;
    Publish(std::move(next));
  }

  void ReadPeers(absl::Time now, ReplicaLagSnapshot* next) {
    kvKeysList keys = {};
    kvWatchOptions watch;
    kvWatchOptions_Init(&watch);
    watch.Timeout = 2000;
    if (kvStore_Keys(&keys, kv_, &watch) != NATS_OK) return;
    for (int i = 0; i < keys.Count; ++i) {
      if (key_ == keys.Keys[i]) continue;
      kvEntry* entry = nullptr;
      if (kvStore_Get(&entry, kv_, keys.Keys[i]) != NATS_OK) continue;
      ReplicaLag peer;
      peer.replica = keys.Keys[i];
      absl::Time at;
      const bool ok = DecodeReplicaHeartbeat(
          absl::string_view(static_cast<const char*>(kvEntry_Value(entry)),
                            static_cast<size_t>(kvEntry_ValueLen(entry))),
          &peer.applied, &peer.lag, &peer.stalled_for, &at);
      kvEntry_Destroy(entry);
      if (!ok) continue;
      peer.heartbeat_age = std::max(absl::ZeroDuration(), now - at);
      peer.live = peer.heartbeat_age <= kMissedHeartbeats * options_.interval;
      if (!peer.live) {
        // It stopped telling us; the stream did not stop.
        peer.lag = next->stream_last > peer.applied ? next->stream_last - peer.applied : 0;
        peer.stalled_for = peer.lag > 0 ? peer.stalled_for + peer.heartbeat_age
                                        : absl::ZeroDuration();
      }
      next->replicas.push_back(std::move(peer));
    }
    kvKeysList_Destroy(&keys);
  }

  void Publish(ReplicaLagSnapshot next) {
    absl::MutexLock lock(&mu_);
    snapshot_ = std::move(next);
  }

  // Constant after construction.
  const LagProbeOptions options_;
  const std::string key_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;
  std::thread thread_;

  // The probe's thread only (and Open, before it starts).
  uint64_t last_applied_ = 0;
  absl::Time last_progress_;

  // State below is protected by mu_.
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  ReplicaLagSnapshot snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int ReplicaLagSnapshot::live() const {
  return static_cast<int>(std::count_if(replicas.begin(), replicas.end(),
                                        [](const ReplicaLag& r) { return r.live; }));
}

std::string EncodeReplicaHeartbeat(uint64_t applied, uint64_t lag,
                                   absl::Duration stalled_for, absl::Time at) {
  return absl::StrCat("applied=", applied, " lag=", lag,
                      " stalled_ms=", absl::ToInt64Milliseconds(stalled_for),
                      " at_ms=", absl::ToUnixMillis(at));
}

bool DecodeReplicaHeartbeat(absl::string_view text, uint64_t* applied,
                            uint64_t* lag, absl::Duration* stalled_for,
                            absl::Time* at) {
  int found = 0;
  for (absl::string_view field : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(field, '=');
    int64_t n = 0;
    if (!absl::SimpleAtoi(kv.second, &n) || n < 0) return false;
    if (kv.first == "applied") {
      *applied = static_cast<uint64_t>(n);
    } else if (kv.first == "lag") {
      *lag = static_cast<uint64_t>(n);
    } else if (kv.first == "stalled_ms") {
      *stalled_for = absl::Milliseconds(n);
    } else if (kv.first == "at_ms") {
      *at = absl::FromUnixMillis(n);
    } else {
      continue;  // a field of a later version
    }
    ++found;
  }
  return found == 4;
}

absl::StatusOr<std::unique_ptr<JetStreamLagProbe>> StartJetStreamLagProbe(
    LagProbeOptions options) {
  if (KeyOf(options.replica).empty()) {
    return absl::InvalidArgumentError("--replica_name: give this replica a name");
  }
  if (options.interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--replica_heartbeat_interval: must be positive");
  }
  auto probe = std::make_unique<LagProbe>(std::move(options));
  if (absl::Status opened = probe->Open(); !opened.ok()) return opened;
  return probe;
}

}  // namespace sitrep
