#ifndef SITREP_SERVER_HTTP_SSE_STREAM_H_
#define SITREP_SERVER_HTTP_SSE_STREAM_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/service/subscription.h"
#include "server/http/connection_table.h"
#include "server/http/event_loop.h"
#include "server/http/sse_frame_cache.h"
#include "server/runtime/executor.h"

struct evbuffer;
struct evbuffer_cb_entry;
struct evbuffer_cb_info;
struct evhttp_request;
struct evhttp_connection;

namespace sitrep {

// One GET /v1/stream response: the SubscriptionSink that writes a
// Subscription's messages as Server-Sent Events (sse_events.h) on a libevent
// HTTP response. It is one more subscriber cursor, with the same pump, flow
// control and limits as a gRPC Subscribe: one chunk in flight, and the next
// message is encoded only when the socket took the last one.
//
// Writes (issue 24): a batch's `update` events are the frames of the
// gateway's SseFrameCache, shared with every other stream that sends them.
// On a plain-HTTP connection whose output buffer is empty, the thread that
// made the batch writes it straight to the socket (one writev of
// references, no copy, no hand-off), and tells the subscription at once:
// one event loop for every connection made every write wait for that one
// thread. What the socket does not take (a slow reader), and every write
// under TLS, goes to the loop, which writes it through the connection's
// bufferevent (with its write timeout) and tells the subscription when the
// socket took the last byte; direct writes resume once that buffer is
// empty again.
//
// Threads: the HTTP request and the connection's buffers are touched only
// on the loop thread; the socket by a direct write only under io_mu_, which
// the loop takes (and closes direct writes) before libevent may close it.
// The subscription calls the sink from its own threads; the loop tells it
// of a completed write (OnWriteDone, which only schedules its next pump or
// files it with the Feed) and of a cancelled stream (on the executor), so
// no pump runs on the loop thread.
//
// Lifetime: owned (shared) by the gateway until it is destroyed, and by the
// tasks in flight. The subscription's OnDone is called once: after its
// Finish, when the socket took the response's last bytes (or the client
// left); or by Abort() when the gateway stops.
class SseStream final : public SubscriptionSink,
                        public std::enable_shared_from_this<SseStream> {
 public:
  // Called on the loop thread when the stream is over.
  using DoneCallback = std::function<void(SseStream*)>;

  // Loop thread: answers `request` with 200 text/event-stream, writes the
  // hello event and starts `subscription` on the new stream. A client that
  // takes nothing of a pending write for `write_timeout` is dropped; an
  // idle stream is not (heartbeats keep it alive). `connections`: the
  // listener's (connection_table.h), for the connection's close and the
  // response's completion; it outlives the stream's connection.
  // `frames`: the gateway's, shared by its streams. `direct_writes`: the
  // connection is a plain socket (not TLS), which a batch may be written
  // to straight from the subscription's thread.
  static std::shared_ptr<SseStream> Begin(EventLoop* loop, Executor* executor,
                                          ConnectionTable* connections,
                                          SseFrameCache* frames,
                                          bool direct_writes,
                                          evhttp_request* request,
                                          std::shared_ptr<Subscription>
                                              subscription,
                                          absl::Duration write_timeout,
                                          DoneCallback on_done);

  // SubscriptionSink; any thread.
  void Encode(const CursorMessage& message,
              const std::string& log_id) override;
  void EncodeHeartbeat(const v1::Heartbeat& heartbeat,
                       const std::string& log_id, uint64_t cursor) override;
  void StartWrite() override;
  void Finish(const absl::Status& status) override;

  // Loop thread, when the gateway stops: ends the response and the
  // subscription without waiting for the executor.
  void Abort();

 private:
  SseStream(EventLoop* loop, Executor* executor,
            ConnectionTable* connections, SseFrameCache* frames,
            evhttp_request* request,
            std::shared_ptr<Subscription> subscription, DoneCallback on_done);

  // One write: the chunk framing around `events` (none when the response
  // is not chunked, HTTP/1.0).
  struct Write;
  Write Framed(SseChunk events) const;
  // The write turn's thread, under io_mu_: writes what the socket takes of
  // `write` from `offset`; returns the new offset.
  static size_t WriteDirect(int fd, const Write& write, size_t offset);
  // The connection's output buffer changed: once empty, the write in
  // flight is complete and direct writes may resume.
  static void OnOutput(evbuffer* output, const evbuffer_cb_info* info,
                       void* self);
  static void OnConnectionClosed(evhttp_connection* connection, void* self);
  static void OnResponseSent(evhttp_request* request, void* self);
  // H-5: a client sends nothing on an event stream; what it sends anyway
  // is discarded (libevent would keep it all in memory: 400 MiB sent were
  // +500 MiB resident), and past kMaxUnexpectedInput the connection is
  // closed.
  static void OnInput(evbuffer* input, const evbuffer_cb_info* info,
                      void* self);
  // Loop thread, while the connection lives.
  void StopWatchingInput();
  void StopWatchingOutput();
  // Loop thread: no direct write may start (or is running) after this.
  void CloseDirectWrites();
  // Loop thread.
  // Sends `events` as one chunk; when `tell_subscription`, the
  // subscription's OnWriteDone follows once the socket took it.
  void WriteOnLoop(SseChunk events, bool tell_subscription);
  // The rest of `write` from `offset`, by reference.
  void WriteOnLoop(std::unique_ptr<Write> write, size_t offset,
                   bool tell_subscription);
  void FinishOnLoop(const absl::Status& status);
  void EndResponse();
  void Done();
  // Tells the subscription a write ended, on the executor.
  void WriteDone(bool ok);

  EventLoop* const loop_;
  Executor* const executor_;
  ConnectionTable* const connections_;
  SseFrameCache* const frames_;
  const std::shared_ptr<Subscription> subscription_;
  const DoneCallback on_done_;
  // Set by Begin, constant after: the response is chunked; it has a body
  // (not HEAD).
  bool chunked_ = true;
  bool sends_body_ = true;

  // Loop thread only. request_ is null once the response ended. closed_:
  // the connection is gone; the request stays ours (libevent detached it)
  // until EndResponse() frees it, but takes no more writes.
  bool Writable() const { return request_ != nullptr && !closed_; }
  evhttp_request* request_;
  bool closed_ = false;
  bool chunk_in_flight_ = false;
  // The response was ended; Done() follows once its last bytes are sent.
  bool ending_ = false;
  bool done_ = false;
  // The connection's input buffer and our callback on it, while watched.
  evbuffer* input_ = nullptr;
  evbuffer_cb_entry* input_watch_ = nullptr;
  size_t unexpected_input_ = 0;
  // The same for its output buffer.
  evbuffer* output_ = nullptr;
  evbuffer_cb_entry* output_watch_ = nullptr;
  // The socket, for direct writes (-1: none, e.g. TLS).
  int socket_ = -1;

  // The socket while a direct write may go to it: the response is open and
  // the connection's output buffer (the loop's) is empty; -1 otherwise.
  absl::Mutex io_mu_;
  int direct_fd_ ABSL_GUARDED_BY(io_mu_) = -1;

  // What Encode made, taken by StartWrite; touched only by the thread that
  // holds the subscription's write turn.
  SseChunk pending_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SSE_STREAM_H_
