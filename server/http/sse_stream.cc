#include "server/http/sse_stream.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <sys/socket.h>

#include <utility>

#include "server/http/sse_events.h"

namespace sitrep {
namespace {

// What a client may send on its event stream before it is cut: nothing is
// expected at all; a few bytes of slack for clients that send a stray
// newline.
constexpr size_t kMaxUnexpectedInput = 4096;

}  // namespace

std::shared_ptr<SseStream> SseStream::Begin(
    EventLoop* loop, Executor* executor, ConnectionTable* connections,
    evhttp_request* request, std::shared_ptr<Subscription> subscription,
    absl::Duration write_timeout, DoneCallback on_done) {
  std::shared_ptr<SseStream> stream(
      new SseStream(loop, executor, connections, request,
                    std::move(subscription), std::move(on_done)));
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Content-Type", "text/event-stream; charset=utf-8");
  evhttp_add_header(headers, "Cache-Control", "no-store");
  // Reverse proxies (nginx) must pass events on at once.
  evhttp_add_header(headers, "X-Accel-Buffering", "no");
  evhttp_send_reply_start(request, 200, "OK");
  evhttp_connection* connection = evhttp_request_get_connection(request);
  // The listener's read timeout would end a quiet stream (libevent keeps
  // reading to notice a close); only a stuck write may end it.
  timeval write = absl::ToTimeval(write_timeout);
  bufferevent_set_timeouts(evhttp_connection_get_bufferevent(connection),
                           nullptr, &write);
  connections->SetCloseCallback(connection, &SseStream::OnConnectionClosed,
                                stream.get());
  stream->input_ =
      bufferevent_get_input(evhttp_connection_get_bufferevent(connection));
  stream->input_watch_ =
      evbuffer_add_cb(stream->input_, &SseStream::OnInput, stream.get());
  Subscription& sub = *stream->subscription_;
  // Before the subscription starts, so nobody waits for it.
  stream->WriteOnLoop(SseHello(sub.log_id(), sub.start_cursor(), sub.head(),
                               sub.starts_with_snapshot()),
                      /*tell_subscription=*/false);
  // The first pump (maybe a store read, a first batch to encode) runs on
  // the executor, like every later one.
  executor->Schedule([stream] { stream->subscription_->Start(stream.get()); });
  return stream;
}

SseStream::SseStream(EventLoop* loop, Executor* executor,
                     ConnectionTable* connections, evhttp_request* request,
                     std::shared_ptr<Subscription> subscription,
                     DoneCallback on_done)
    : loop_(loop),
      executor_(executor),
      connections_(connections),
      subscription_(std::move(subscription)),
      on_done_(std::move(on_done)),
      request_(request) {}

void SseStream::Encode(const CursorMessage& message, const std::string&) {
  pending_ = SseEvents(message);
}

void SseStream::EncodeHeartbeat(const v1::Heartbeat& heartbeat,
                                const std::string&, uint64_t cursor) {
  pending_ = SseHeartbeat(heartbeat, cursor);
}

void SseStream::StartWrite() {
  // Taken before Post: once posted, the write may complete and the next
  // message be encoded into pending_ on another thread at any moment.
  std::string bytes = std::exchange(pending_, std::string());
  loop_->Post([self = shared_from_this(), bytes = std::move(bytes)]() mutable {
    // libevent sends nothing for an empty chunk and so never says it was
    // sent: complete it here, or the stream would wait for good.
    if (!self->Writable() || bytes.empty()) {
      self->WriteDone(self->Writable());
      return;
    }
    self->WriteOnLoop(std::move(bytes), /*tell_subscription=*/true);
  });
}

void SseStream::WriteOnLoop(std::string bytes, bool tell_subscription) {
  evbuffer* chunk = evbuffer_new();
  evbuffer_add(chunk, bytes.data(), bytes.size());
  chunk_in_flight_ = tell_subscription;
  // The callback runs when the connection's output buffer drained: the
  // socket took everything, so the next message may be encoded.
  evhttp_send_reply_chunk_with_cb(
      request_, chunk, tell_subscription ? &SseStream::OnChunkSent : nullptr,
      this);
  evbuffer_free(chunk);
}

void SseStream::OnChunkSent(evhttp_connection*, void* self) {
  auto* stream = static_cast<SseStream*>(self);
  if (!stream->chunk_in_flight_) return;
  stream->chunk_in_flight_ = false;
  stream->WriteDone(true);
}

void SseStream::WriteDone(bool ok) {
  executor_->Schedule([subscription = subscription_, ok] {
    subscription->OnWriteDone(ok);
  });
}

void SseStream::OnInput(evbuffer* input, const evbuffer_cb_info* info,
                        void* self) {
  if (info->n_added == 0) return;  // Our own drain below.
  auto* stream = static_cast<SseStream*>(self);
  stream->unexpected_input_ += info->n_added;
  evbuffer_drain(input, evbuffer_get_length(input));
  if (stream->unexpected_input_ <= kMaxUnexpectedInput) return;
  // Closing the socket's both directions makes libevent see the end of
  // the connection and take its usual way (OnConnectionClosed).
  evhttp_connection* connection =
      stream->request_ != nullptr
          ? evhttp_request_get_connection(stream->request_)
          : nullptr;
  if (connection == nullptr) return;
  stream->StopWatchingInput();
  shutdown(bufferevent_getfd(evhttp_connection_get_bufferevent(connection)),
           SHUT_RDWR);
}

void SseStream::StopWatchingInput() {
  if (input_watch_ == nullptr) return;
  evbuffer_remove_cb_entry(input_, input_watch_);
  input_watch_ = nullptr;
  input_ = nullptr;
}

void SseStream::OnConnectionClosed(evhttp_connection*, void* self) {
  auto* stream = static_cast<SseStream*>(self);
  // The connection's buffers go with it.
  stream->StopWatchingInput();
  if (stream->done_) return;
  if (stream->ending_) {
    // The client left before the last bytes; libevent frees the request.
    stream->shared_from_this()->Done();
    return;
  }
  // libevent detaches the unfinished request from the dying connection and
  // leaves it to us: EndResponse() frees it (evhttp_send_reply_end).
  stream->closed_ = true;
  if (stream->chunk_in_flight_) {
    stream->chunk_in_flight_ = false;
    stream->WriteDone(false);
  }
  stream->executor_->Schedule(
      [subscription = stream->subscription_] { subscription->OnCancel(); });
}

void SseStream::Finish(const absl::Status& status) {
  loop_->Post([self = shared_from_this(), status] {
    self->FinishOnLoop(status);
  });
}

void SseStream::FinishOnLoop(const absl::Status& status) {
  if (!Writable()) {
    EndResponse();
    Done();
    return;
  }
  if (!status.ok() && status.code() != absl::StatusCode::kCancelled) {
    // The subscription wrote its last message: nobody waits for this one.
    WriteOnLoop(SseError(status), /*tell_subscription=*/false);
  } else if (status.ok()) {
    WriteOnLoop(SseReconnect(), /*tell_subscription=*/false);
  }
  // Done only once the socket took the last bytes: a gateway that stops
  // right after Done() frees the connection with whatever it still held.
  ending_ = true;
  connections_->SetCompleteCallback(request_, &SseStream::OnResponseSent,
                                    this);
  evhttp_send_reply_end(request_);
  request_ = nullptr;
}

void SseStream::OnResponseSent(evhttp_request* request, void* self) {
  // Done() lets the gateway drop its reference: keep the stream until
  // it returned.
  std::shared_ptr<SseStream> stream =
      static_cast<SseStream*>(self)->shared_from_this();
  // The connection may serve the client's next request, without us.
  stream->connections_->SetCloseCallback(
      evhttp_request_get_connection(request), nullptr, nullptr);
  stream->StopWatchingInput();
  stream->Done();
}

void SseStream::EndResponse() {
  if (request_ == nullptr) return;
  if (!closed_) {
    connections_->SetCloseCallback(evhttp_request_get_connection(request_),
                                   nullptr, nullptr);
    StopWatchingInput();
  }
  // Ends the response, or, for a request whose connection is gone, frees it.
  evhttp_send_reply_end(request_);
  request_ = nullptr;
}

void SseStream::Done() {
  if (done_) return;
  done_ = true;
  subscription_->OnDone();
  on_done_(this);
}

void SseStream::Abort() {
  EndResponse();
  Done();
}

}  // namespace sitrep
