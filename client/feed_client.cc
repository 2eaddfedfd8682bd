#include "client/feed_client.h"

#include <unistd.h>

#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/synchronization/notification.h"
#include "client/resume_tracker.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace sitrep::cli {

using sitrep::v1::PublishAck;
using sitrep::v1::PublishRequest;
using sitrep::v1::SubscribeRequest;
using sitrep::v1::SubscribeResponse;

const char* ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing: return "SERVING";
    case ServingStatus::kNotServing: return "NOT_SERVING";
    case ServingStatus::kServiceUnknown: return "SERVICE_UNKNOWN";
    case ServingStatus::kUnknown: break;
  }
  return "UNKNOWN";
}

namespace {

// Cancels a stream that delivered nothing for `dead_after`: a half-open TCP
// connection (a dropped network, a frozen server) would otherwise block
// Read() for as long as the kernel keeps the socket. The server's heartbeats
// make silence meaningful.
//
// Thread safety: Touch() and Stop() from the reading thread; the watchdog's
// own thread only waits and cancels.
class StreamWatchdog {
 public:
  StreamWatchdog(grpc::ClientContext* context, absl::Duration dead_after)
      : context_(context), dead_after_(dead_after), last_(absl::Now()),
        thread_([this] { Run(); }) {}
  ~StreamWatchdog() { Stop(); }

  void Touch() {
    absl::MutexLock lock(&mu_);
    last_ = absl::Now();
  }

  // Ends the watchdog; returns whether it cancelled the stream.
  bool Stop() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&mu_);
    return fired_;
  }

 private:
  void Run() {
    absl::MutexLock lock(&mu_);
    while (!done_) {
      if (mu_.AwaitWithDeadline(absl::Condition(&done_), last_ + dead_after_)) {
        return;
      }
      if (absl::Now() >= last_ + dead_after_) {
        fired_ = true;
        context_->TryCancel();
        return;
      }
    }
  }

  // Constant after construction.
  grpc::ClientContext* const context_;  // outlives the watchdog
  const absl::Duration dead_after_;

  // State below is protected by mu_.
  absl::Mutex mu_;
  absl::Time last_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool fired_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // last: starts after the fields above exist
};

absl::Duration HeartbeatOf(const SubscribeRequest& request) {
  if (!request.has_heartbeat_interval()) return absl::Seconds(5);
  return absl::Seconds(request.heartbeat_interval().seconds()) +
         absl::Nanoseconds(request.heartbeat_interval().nanos());
}

grpc::Status Cancelled() {
  return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
}

// How one Subscribe call ended.
struct StreamEnd {
  grpc::Status status;
  bool stopped = false;  // the handler asked to stop
  bool stalled = false;  // the watchdog cancelled a silent stream
};

// What the calls of one FeedClient::Subscribe have seen so far.
struct StreamProgress {
  bool reached = false;  // a call got a message
  absl::Time last_success;
};

// Reads one Subscribe call to its end: hands every message to `handler`,
// moves `tracker`'s cursor, and resets `backoff` on every message.
StreamEnd ReadStream(sitrep::v1::SituationFeed::Stub& stub, grpc::ClientContext* context,
                     absl::Duration dead_after, ResumeTracker& tracker,
                     SubscribeHandler* handler, Backoff& backoff, StreamProgress& progress) {
  StreamEnd end;
  StreamWatchdog watchdog(context, dead_after);
  std::unique_ptr<grpc::ClientReader<SubscribeResponse>> reader =
      stub.Subscribe(context, tracker.NextRequest());
  SubscribeResponse response;
  while (reader->Read(&response)) {
    watchdog.Touch();
    progress.reached = true;
    progress.last_success = absl::Now();
    backoff.Reset();
    const SubscribeHandler::Verdict verdict = handler->OnResponse(response);
    if (verdict.processed_updates < 0 ||
        verdict.processed_updates >= response.updates_size()) {
      tracker.Observe(response);
    } else {
      tracker.ObservePartial(response, verdict.processed_updates);
    }
    handler->OnCursor(tracker.SavableCursor());
    if (verdict.stop) {
      end.stopped = true;
      context->TryCancel();
      break;
    }
  }
  end.status = reader->Finish();
  end.stalled = watchdog.Stop();
  return end;
}

}  // namespace

FeedClient::FeedClient(std::shared_ptr<grpc::Channel> channel,
                       ChannelOptions options)
    : channel_(std::move(channel)),
      options_(std::move(options)),
      stub_(sitrep::v1::SituationFeed::NewStub(channel_)) {}

bool FeedClient::BeginCall(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  active_ = context;
  return true;
}

void FeedClient::EndCall() {
  absl::MutexLock lock(&mu_);
  active_ = nullptr;
}

void FeedClient::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (active_ != nullptr) active_->TryCancel();
}

bool FeedClient::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

grpc::Status FeedClient::Publish(const PublishRequest& request,
                                 sitrep::v1::PublishResponse* response) {
  grpc::ClientContext context;
  PrepareContext(options_, /*unary=*/true, &context);
  if (!BeginCall(&context)) return Cancelled();
  grpc::Status status = stub_->Publish(&context, request, response);
  EndCall();
  return status;
}

grpc::Status FeedClient::ListUpdates(const sitrep::v1::ListUpdatesRequest& request,
                                     sitrep::v1::ListUpdatesResponse* response) {
  grpc::ClientContext context;
  PrepareContext(options_, /*unary=*/true, &context);
  if (!BeginCall(&context)) return Cancelled();
  grpc::Status status = stub_->ListUpdates(&context, request, response);
  EndCall();
  return status;
}

grpc::Status FeedClient::GetSituation(const sitrep::v1::GetSituationRequest& request,
                                      sitrep::v1::Situation* response) {
  grpc::ClientContext context;
  PrepareContext(options_, /*unary=*/true, &context);
  if (!BeginCall(&context)) return Cancelled();
  grpc::Status status = stub_->GetSituation(&context, request, response);
  EndCall();
  return status;
}

grpc::Status FeedClient::GetIncident(const sitrep::v1::GetIncidentRequest& request,
                                     sitrep::v1::IncidentThread* response) {
  grpc::ClientContext context;
  PrepareContext(options_, /*unary=*/true, &context);
  if (!BeginCall(&context)) return Cancelled();
  grpc::Status status = stub_->GetIncident(&context, request, response);
  EndCall();
  return status;
}

// Debian ships no compiled grpc.health.v1 for clients, and linking our own
// copy of health.proto would clash (in the protobuf descriptor pool) with any
// copy the server library carries in a test binary that links both. The two
// messages are one field each, so a generic call with hand-encoded bytes is
// the smaller thing:
//   HealthCheckRequest  { string service = 1; }        -> tag 0x0a, len, bytes
//   HealthCheckResponse { ServingStatus status = 1; }  <- tag 0x08, varint
grpc::Status FeedClient::CheckHealth(const std::string& service,
                                     ServingStatus* status) {
  std::string request_bytes;
  if (!service.empty()) {
    google::protobuf::io::StringOutputStream raw(&request_bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.WriteTag(0x0a);
    out.WriteVarint32(static_cast<uint32_t>(service.size()));
    out.WriteString(service);
  }
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;

  grpc::ClientContext context;
  PrepareContext(options_, /*unary=*/true, &context);
  if (!BeginCall(&context)) return Cancelled();
  grpc::GenericStub stub(channel_);
  absl::Notification done;
  grpc::Status result;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) {
                   result = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EndCall();
  if (!result.ok()) return result;

  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unreadable health response");
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  uint32_t value = 0;  // absent field: UNKNOWN
  while (uint32_t tag = in.ReadTag()) {
    if (tag == 0x08) {
      if (!in.ReadVarint32(&value)) break;
    } else if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) {
      break;
    }
  }
  *status = value <= 3 ? static_cast<ServingStatus>(value) : ServingStatus::kUnknown;
  return grpc::Status::OK;
}

grpc::Status FeedClient::PublishStream(
    const std::function<bool(PublishRequest*)>& next,
    const std::function<void(const PublishAck&)>& on_ack,
    const std::function<void()>& on_acks_end) {
  grpc::ClientContext context;
  PrepareContext(options_, /*unary=*/false, &context);
  if (!BeginCall(&context)) return Cancelled();
  std::unique_ptr<grpc::ClientReaderWriter<PublishRequest, PublishAck>> stream =
      stub_->PublishStream(&context);
  // One reader and one writer may use a sync stream concurrently.
  std::thread reader([&] {
    PublishAck ack;
    while (stream->Read(&ack)) on_ack(ack);
    if (on_acks_end) on_acks_end();
  });
  PublishRequest request;
  while (true) {
    request.Clear();
    if (!next(&request)) break;
    if (!stream->Write(request)) break;  // the stream failed: Finish says why
  }
  stream->WritesDone();
  reader.join();
  grpc::Status status = stream->Finish();
  EndCall();
  return status;
}

grpc::Status FeedClient::Subscribe(const SubscribeRequest& request,
                                   const SubscribeOptions& options,
                                   SubscribeHandler* handler) {
  ResumeTracker tracker(request);
  Backoff backoff(options.backoff,
                  static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^
                      static_cast<uint64_t>(getpid()));
  const absl::Duration dead_after =
      options.dead_after > absl::ZeroDuration()
          ? options.dead_after
          : 3 * HeartbeatOf(request) + absl::Seconds(5);
  StreamProgress progress;
  progress.last_success = absl::Now();

  while (true) {
    grpc::ClientContext context;
    PrepareContext(options_, /*unary=*/false, &context);
    if (!BeginCall(&context)) return Cancelled();
    const StreamEnd end =
        ReadStream(*stub_, &context, dead_after, tracker, handler, backoff, progress);
    grpc::Status status = end.status;
    EndCall();
    if (end.stopped) return grpc::Status::OK;
    if (cancelled()) return Cancelled();
    if (end.stalled) {
      status = grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat("no message or heartbeat for ",
                       absl::FormatDuration(dead_after)));
    }
    // UNAVAILABLE: the server went away or is shutting down. CANCELLED that
    // we did not ask for: a server shutting down cancels the calls that
    // reached it meanwhile. Both are worth a resume; anything else is an
    // answer (the log changed, a bad filter, ...).
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::CANCELLED) {
      return status;
    }
    if (!progress.reached) return status;
    if (options.give_up_after > absl::ZeroDuration() &&
        absl::Now() - progress.last_success > options.give_up_after) {
      return status;
    }
    const absl::Duration delay = backoff.Next();
    handler->OnReconnecting(status, delay);
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&cancelled_), delay);
    if (cancelled_) return Cancelled();
  }
}

}  // namespace sitrep::cli
