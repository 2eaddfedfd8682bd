// ceiling_server: the limit of any gRPC design for sitrep's fan-out on this
// machine. A bare callback server with sitrep's wire format
// (sitrep.v1.SituationFeed Subscribe and PublishStream) and an in-memory
// fan-out: no storage, no validation, filter = one mission compare, each
// update serialised once into one ref-counted grpc::Slice that every
// subscriber's batch shares (no per-subscriber copy), batched writes
// (everything pending for a stream in one SubscribeResponse, up to 256
// updates / 64 KiB), one write in flight per stream, the subscribers spread
// over --fanout_threads fan-out threads. It links the allocator sitrepd links
// (jemalloc, server/server.cmake's sitrep_link_malloc), so that the two
// differ only in what sitrep does (issue 24: the ceiling must be the
// strongest bare gRPC fan-out on the machine, or its ratios flatter
// sitrep). It stamps what sitrepd stamps on every update (sequence,
// received_at, occurred_at when absent, publisher), so both deliver the same
// bytes. sitrep-bench drives it exactly like sitrepd.
//
//   ceiling_server --listen=127.0.0.1:0 --port_file=F [--fanout_threads=N]
//                  [--share_slices=false]
//
// With --http_address it is the browsers' ceiling instead (issue 24): the
// updates published go to bare SSE streams (GET /v1/stream, sitrepd's
// frames; bench/sse_hub.h) rather than to gRPC subscribers.
//
//   ceiling_server --listen=127.0.0.1:0 --port_file=F
//                  --http_address=127.0.0.1:0 --http_port_file=H
//
// Prints "serving" on stderr once it listens. SIGTERM/SIGINT stop it.
//
// The fan-out is bench/ceiling_hub.h (gRPC) or bench/sse_hub.h (SSE); this
// file is the gRPC service (the raw-ByteBuffer Subscribe, PublishStream)
// and main.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/ceiling_hub.h"
#include "bench/sse_hub.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on");
ABSL_FLAG(std::string, port_file, "", "write the bound port here");
ABSL_FLAG(int, fanout_threads, 2,
          "fan-out threads; subscriber i is served by thread i % N (on 2 "
          "cores, 2 measured best: docs/performance.md)");
ABSL_FLAG(bool, share_slices, true,
          "batches reference each update's one serialised slice; false: "
          "each batch copies the updates into one buffer of its own");
ABSL_FLAG(std::string, http_address, "",
          "host:port (IPv4) of the bare SSE fan-out; when set, publishes go "
          "to its streams, not to gRPC subscribers (bench/sse_hub.h)");
ABSL_FLAG(std::string, http_port_file, "",
          "write the SSE listener's bound port here");
ABSL_FLAG(bool, deadlock_detection, false,
          "keep abseil's mutex deadlock detector on (as sitrepd has it)");

namespace sitrep::bench {
namespace {

using ceiling::Hub;
using ceiling::SseHub;
using ceiling::Subscriber;

// Writes `port` to `file` atomically (a reader never sees it half written).
void WritePortFile(const std::string& file, int port) {
  if (file.empty()) return;
  std::ofstream(file + ".tmp") << port << "\n";
  std::rename((file + ".tmp").c_str(), file.c_str());
}

class PublishStreamReactor final
    : public grpc::ServerBidiReactor<sitrep::v1::PublishRequest,
                                     sitrep::v1::PublishAck> {
 public:
  // Publishes to `sse` when it is not null, else to `hub`.
  PublishStreamReactor(Hub* hub, SseHub* sse) : hub_(hub), sse_(sse) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      bool finish = false;
      {
        absl::MutexLock lock(&mu_);
        reads_done_ = true;
        finish = !writing_ && acks_.empty() && !finished_;
        if (finish) finished_ = true;
      }
      if (finish) Finish(grpc::Status::OK);
      return;
    }
    // A message with PublishRequest.batch is answered by one message with
    // its acks, as sitrep does.
    sitrep::v1::PublishAck ack;
    auto publish = [this](sitrep::v1::PublishRequest* request,
                          sitrep::v1::PublishAck* one) {
      one->set_index(index_++);
      one->set_sequence(sse_ != nullptr
                            ? sse_->Publish(request->mutable_update())
                            : hub_->Publish(request->mutable_update()));
      one->set_event_id(request->update().event_id());
    };
    if (request_.batch_size() == 0) {
      publish(&request_, &ack);
    } else {
      for (sitrep::v1::PublishRequest& one : *request_.mutable_batch()) {
        publish(&one, ack.add_batch());
      }
    }
    bool start = false;
    {
      absl::MutexLock lock(&mu_);
      acks_.push_back(std::move(ack));
      if (!writing_) {
        writing_ = true;
        start = true;
        writing_ack_ = std::move(acks_.front());
        acks_.pop_front();
      }
    }
    if (start) StartWrite(&writing_ack_);
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (ok && !acks_.empty()) {
        writing_ack_ = std::move(acks_.front());
        acks_.pop_front();
      } else {
        writing_ = false;
        if (!ok) acks_.clear();
        finish = (reads_done_ || !ok) && !finished_;
        if (finish) finished_ = true;
      }
      if (!finish && !writing_) return;
    }
    if (finish) {
      Finish(ok ? grpc::Status::OK : grpc::Status::CANCELLED);
      return;
    }
    StartWrite(&writing_ack_);
  }

  void OnDone() override { delete this; }

 private:
  Hub* const hub_;
  SseHub* const sse_;
  sitrep::v1::PublishRequest request_;  // only the one read in flight
  uint64_t index_ = 0;                  // only the one read in flight
  sitrep::v1::PublishAck writing_ack_;  // only the thread that set writing_
  absl::Mutex mu_;
  std::deque<sitrep::v1::PublishAck> acks_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// Subscribe is registered by hand, as sitrepd registers it: raw request
// bytes, EncodedMessage responses (server/api/encoded_message.h), writes
// completed on the writing thread (server/api/inline_write_reactor.h).
class CeilingService final
    : public sitrep::v1::SituationFeed::WithRawCallbackMethod_Subscribe<
          sitrep::v1::SituationFeed::CallbackService> {
 public:
  explicit CeilingService(SseHub* sse) : sse_(sse) {
    MarkMethodRawCallback(
        kSubscribeMethod,
        new sitrep::InlineStreamHandler(
            [this](grpc::CallbackServerContext* /*context*/,
                   const grpc::ByteBuffer* request_bytes) {
              return SubscribeStream(request_bytes);
            }));
  }

  sitrep::InlineWriteReactor* SubscribeStream(
      const grpc::ByteBuffer* request_bytes) {
    sitrep::v1::SubscribeRequest request;
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request_bytes->Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    request.ParseFromString(bytes);
    const int mission =
        request.filter().missions_size() > 0 ? request.filter().missions(0) & 3
                                             : 0;
    auto* subscriber = new Subscriber(&hub_, mission, absl::GetFlag(FLAGS_share_slices));
    hub_.Add(subscriber);
    return subscriber;
  }

  grpc::ServerBidiReactor<sitrep::v1::PublishRequest, sitrep::v1::PublishAck>*
  PublishStream(grpc::CallbackServerContext* /*context*/) override {
    return new PublishStreamReactor(&hub_, sse_);
  }

 private:
  // The generated WithRawCallbackMethod_Subscribe's index (proto order).
  static constexpr int kSubscribeMethod = 2;
  Hub hub_{absl::GetFlag(FLAGS_fanout_threads)};
  SseHub* const sse_;
};

volatile std::sig_atomic_t g_stop = 0;

}  // namespace
}  // namespace sitrep::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Debian's abseil is built without NDEBUG, so every absl::Mutex::Lock runs
  // the deadlock detector (GraphCycles) unless told not to. The ceiling is
  // the bare limit: it does not pay for it.
  if (!absl::GetFlag(FLAGS_deadlock_detection)) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  std::signal(SIGTERM, [](int) { sitrep::bench::g_stop = 1; });
  std::signal(SIGINT, [](int) { sitrep::bench::g_stop = 1; });

  std::unique_ptr<sitrep::bench::ceiling::SseHub> sse;
  if (const std::string http = absl::GetFlag(FLAGS_http_address);
      !http.empty()) {
    std::string error;
    sse = sitrep::bench::ceiling::SseHub::Listen(
        http, absl::GetFlag(FLAGS_fanout_threads), &error);
    if (sse == nullptr) {
      std::fprintf(stderr, "ceiling_server: %s\n", error.c_str());
      return 1;
    }
    sitrep::bench::WritePortFile(absl::GetFlag(FLAGS_http_port_file),
                                 sse->port());
  }
  sitrep::bench::CeilingService service(sse.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "ceiling_server: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  sitrep::bench::WritePortFile(absl::GetFlag(FLAGS_port_file), port);
  std::fprintf(stderr, "ceiling_server: serving on port %d\n", port);
  while (!sitrep::bench::g_stop) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}