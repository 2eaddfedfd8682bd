#include "server/http/sse_stream.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"

#include "server/http/sse_events.h"

namespace sitrep {
namespace {

// What a client may send on its event stream before it is cut: nothing is
// expected at all; a few bytes of slack for clients that send a stray
// newline.
constexpr size_t kMaxUnexpectedInput = 4096;

}  // namespace

// The pieces of one write: the chunk's size line, the events, the chunk's
// end.
// Made on the stack of the thread that writes it (no allocation when the
// socket takes it all, the common case); moved to the heap only when the
// loop must send the rest.
struct SseStream::Write {
  // The chunk's size in hex and CRLF: at most 16 digits + 2.
  char head_bytes[18];
  size_t head_size = 0;
  SseChunk events;
  absl::string_view tail;

  absl::string_view head() const { return {head_bytes, head_size}; }
  size_t size() const { return head_size + events.bytes + tail.size(); }
  // Calls `piece(bytes, frame)` for what is left from `offset`; `frame` is
  // the SseFrame the bytes live in, null for head and tail.
  template <typename Piece>
  void ForEachFrom(size_t offset, Piece piece) const {
    auto visit = [&](absl::string_view bytes, const SseFrame* frame) {
      if (offset >= bytes.size()) {
        offset -= bytes.size();
        return;
      }
      piece(bytes.substr(offset), frame);
      offset = 0;
    };
    visit(head(), nullptr);
    for (const SseFrame& frame : events.frames) visit(*frame, &frame);
    visit(tail, nullptr);
  }
};

std::shared_ptr<SseStream> SseStream::Begin(
    EventLoop* loop, Executor* executor, ConnectionTable* connections,
    SseFrameCache* frames, bool direct_writes, evhttp_request* request,
    std::shared_ptr<Subscription> subscription, absl::Duration write_timeout,
    DoneCallback on_done) {
  std::shared_ptr<SseStream> stream(
      new SseStream(loop, executor, connections, frames, request,
                    std::move(subscription), std::move(on_done)));
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Content-Type", "text/event-stream; charset=utf-8");
  evhttp_add_header(headers, "Cache-Control", "no-store");
  // Reverse proxies (nginx) must pass events on at once.
  evhttp_add_header(headers, "X-Accel-Buffering", "no");
  evhttp_send_reply_start(request, 200, "OK");
  // Chosen by libevent (HTTP/1.1: chunked; 1.0: the body ends with the
  // connection); the writes below frame the events themselves.
  stream->chunked_ =
      evhttp_find_header(headers, "Transfer-Encoding") != nullptr;
  stream->sends_body_ = evhttp_request_get_command(request) != EVHTTP_REQ_HEAD;
  evhttp_connection* connection = evhttp_request_get_connection(request);
  bufferevent* bev = evhttp_connection_get_bufferevent(connection);
  // The listener's read timeout would end a quiet stream (libevent keeps
  // reading to notice a close); only a stuck write may end it.
  timeval write = absl::ToTimeval(write_timeout);
  bufferevent_set_timeouts(bev, nullptr, &write);
  connections->SetCloseCallback(connection, &SseStream::OnConnectionClosed,
                                stream.get());
  stream->input_ = bufferevent_get_input(bev);
  stream->input_watch_ =
      evbuffer_add_cb(stream->input_, &SseStream::OnInput, stream.get());
  stream->output_ = bufferevent_get_output(bev);
  stream->output_watch_ =
      evbuffer_add_cb(stream->output_, &SseStream::OnOutput, stream.get());
  if (direct_writes && stream->sends_body_) {
    stream->socket_ = bufferevent_getfd(bev);
  }
  // Each write is a whole batch: Nagle's algorithm would only hold an event
  // back until the client acknowledged the previous one, which a delayed
  // ACK makes up to 40 ms (gRPC sets the same).
  const int one = 1;
  setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
             sizeof(one));
  Subscription& sub = *stream->subscription_;
  // Before the subscription starts, so nobody waits for it. Direct writes
  // begin once the headers and this left (OnOutput).
  SseChunk hello;
  hello.Add(SseHello(sub.log_id(), sub.start_cursor(), sub.head(),
                     sub.starts_with_snapshot()));
  stream->WriteOnLoop(std::move(hello), /*tell_subscription=*/false);
  // The first pump (maybe a store read, a first batch to encode) runs on
  // the executor, like every later one.
  executor->Schedule([stream] { stream->subscription_->Start(stream.get()); });
  return stream;
}

SseStream::SseStream(EventLoop* loop, Executor* executor,
                     ConnectionTable* connections, SseFrameCache* frames,
                     evhttp_request* request,
                     std::shared_ptr<Subscription> subscription,
                     DoneCallback on_done)
    : loop_(loop),
      executor_(executor),
      connections_(connections),
      frames_(frames),
      subscription_(std::move(subscription)),
      on_done_(std::move(on_done)),
      request_(request) {}

void SseStream::Encode(const CursorMessage& message, const std::string&) {
  pending_ = SseChunk();
  AppendSseEvents(message, frames_, &pending_);
}

void SseStream::EncodeHeartbeat(const v1::Heartbeat& heartbeat,
                                const std::string&, uint64_t cursor) {
  pending_ = SseChunk();
  pending_.Add(SseHeartbeat(heartbeat, cursor));
}

void SseStream::StartWrite() {
  // Taken first: once the write is done, the next message may be encoded
  // into pending_ on another thread at any moment.
  Write write = Framed(std::exchange(pending_, SseChunk()));
  size_t offset = 0;
  if (!write.events.empty()) {
    absl::MutexLock lock(&io_mu_);
    if (direct_fd_ >= 0) {
      offset = WriteDirect(direct_fd_, write, offset);
      // The loop sends the rest; it opens direct writes again once the
      // socket took it.
      if (offset < write.size()) direct_fd_ = -1;
    }
  }
  if (offset > 0 && offset == write.size()) {
    // Straight on: OnWriteDone only schedules the next pump, or files the
    // stream with the Feed when it has nothing more to send.
    subscription_->OnWriteDone(true, Subscription::NextBatch::kOnExecutor);
    return;
  }
  loop_->Post([self = shared_from_this(),
               write = std::make_unique<Write>(std::move(write)),
               offset]() mutable {
    // libevent sends nothing for an empty chunk and so never says it was
    // sent: complete it here, or the stream would wait for good.
    if (!self->Writable() || write->events.empty()) {
      self->WriteDone(self->Writable());
      return;
    }
    self->WriteOnLoop(std::move(write), offset, /*tell_subscription=*/true);
  });
}

size_t SseStream::WriteDirect(int fd, const Write& write, size_t offset) {
  // One writev per IOV_MAX pieces (a batch rarely has more).
  constexpr size_t kMaxPieces = 1024;
  while (offset < write.size()) {
    iovec pieces[kMaxPieces];
    size_t count = 0, asked = 0;
    write.ForEachFrom(offset, [&](absl::string_view bytes, const SseFrame*) {
      if (count == kMaxPieces) return;
      pieces[count++] = {const_cast<char*>(bytes.data()), bytes.size()};
      asked += bytes.size();
    });
    msghdr message = {};
    message.msg_iov = pieces;
    message.msg_iovlen = count;
    const ssize_t sent = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && errno == EINTR) continue;
    // EAGAIN (the socket is full) or an error: the loop's write meets the
    // same error and takes libevent's way for it.
    if (sent <= 0) break;
    offset += static_cast<size_t>(sent);
    if (static_cast<size_t>(sent) < asked) break;
  }
  return offset;
}

SseStream::Write SseStream::Framed(SseChunk events) const {
  Write write;
  write.events = std::move(events);
  if (chunked_ && !write.events.empty()) {
    // The chunk's size line: the size in hex, then CRLF.
    char digits[16];
    size_t count = 0;
    for (size_t left = write.events.bytes; left > 0; left >>= 4) {
      digits[count++] = "0123456789abcdef"[left & 0xf];
    }
    while (count > 0) write.head_bytes[write.head_size++] = digits[--count];
    write.head_bytes[write.head_size++] = '\r';
    write.head_bytes[write.head_size++] = '\n';
    write.tail = "\r\n";
  }
  return write;
}

void SseStream::WriteOnLoop(SseChunk events, bool tell_subscription) {
  WriteOnLoop(std::make_unique<Write>(Framed(std::move(events))), 0,
              tell_subscription);
}

void SseStream::WriteOnLoop(std::unique_ptr<Write> write, size_t offset,
                            bool tell_subscription) {
  // HEAD: headers only; nothing is ever sent (as evhttp would).
  if (!sends_body_ || offset >= write->size()) return;
  CloseDirectWrites();
  // The frames stay with `write` until libevent let go of the last
  // reference into it.
  struct Held {
    std::unique_ptr<Write> write;
    size_t references = 0;
  };
  auto* held = new Held{std::move(write), 0};
  held->write->ForEachFrom(offset, [&](absl::string_view, const SseFrame* f) {
    if (f != nullptr) ++held->references;
  });
  const size_t references = held->references;
  held->write->ForEachFrom(offset, [&](absl::string_view bytes,
                                       const SseFrame* frame) {
    if (frame == nullptr) {
      evbuffer_add(output_, bytes.data(), bytes.size());
      return;
    }
    evbuffer_add_reference(
        output_, bytes.data(), bytes.size(),
        [](const void*, size_t, void* extra) {
          auto* h = static_cast<Held*>(extra);
          if (--h->references == 0) delete h;
        },
        held);
  });
  if (references == 0) delete held;
  chunk_in_flight_ = tell_subscription;
  // evhttp enabled writing when it sent the headers; made sure of here,
  // since these bytes bypass it.
  bufferevent_enable(
      evhttp_connection_get_bufferevent(evhttp_request_get_connection(request_)),
      EV_WRITE);
}

void SseStream::OnOutput(evbuffer* output, const evbuffer_cb_info* info,
                         void* self) {
  if (info->n_deleted == 0 || evbuffer_get_length(output) > 0) return;
  // The socket took everything.
  auto* stream = static_cast<SseStream*>(self);
  if (stream->Writable() && !stream->ending_ && stream->socket_ >= 0) {
    absl::MutexLock lock(&stream->io_mu_);
    stream->direct_fd_ = stream->socket_;
  }
  if (!stream->chunk_in_flight_) return;
  stream->chunk_in_flight_ = false;
  stream->WriteDone(true);
}

void SseStream::CloseDirectWrites() {
  absl::MutexLock lock(&io_mu_);
  direct_fd_ = -1;
}

void SseStream::WriteDone(bool ok) {
  // OnWriteDone only schedules the subscription's next pump (on the
  // executor) or files it with the Feed, so it may run here.
  subscription_->OnWriteDone(ok, Subscription::NextBatch::kOnExecutor);
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

void SseStream::StopWatchingOutput() {
  CloseDirectWrites();
  if (output_watch_ == nullptr) return;
  evbuffer_remove_cb_entry(output_, output_watch_);
  output_watch_ = nullptr;
  output_ = nullptr;
}

void SseStream::OnConnectionClosed(evhttp_connection*, void* self) {
  auto* stream = static_cast<SseStream*>(self);
  // The connection's buffers go with it, and libevent closes the socket
  // once this returns.
  stream->StopWatchingInput();
  stream->StopWatchingOutput();
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
  SseChunk last;
  if (!status.ok() && status.code() != absl::StatusCode::kCancelled) {
    // The subscription wrote its last message: nobody waits for this one.
    last.Add(SseError(status));
  } else if (status.ok()) {
    last.Add(SseReconnect());
  }
  WriteOnLoop(std::move(last), /*tell_subscription=*/false);
  // evhttp ends the response; the connection may outlive the stream.
  StopWatchingOutput();
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
    StopWatchingOutput();
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
