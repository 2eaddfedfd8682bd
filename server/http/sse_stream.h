#ifndef SITREP_SERVER_HTTP_SSE_STREAM_H_
#define SITREP_SERVER_HTTP_SSE_STREAM_H_

#include <functional>
#include <memory>
#include <string>

#include "server/service/subscription.h"
#include "server/http/connection_table.h"
#include "server/http/event_loop.h"
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
// Threads: the HTTP request is touched only on the loop thread; the
// subscription calls the sink from its own threads, and the sink hands the
// work to the loop (Post) and the answers back to the executor, so no
// subscription code runs on the loop thread.
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
  static std::shared_ptr<SseStream> Begin(EventLoop* loop, Executor* executor,
                                          ConnectionTable* connections,
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
            ConnectionTable* connections, evhttp_request* request,
            std::shared_ptr<Subscription> subscription, DoneCallback on_done);

  static void OnChunkSent(evhttp_connection* connection, void* self);
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
  // Loop thread.
  // Sends `bytes` as one chunk; when `tell_subscription`, the
  // subscription's OnWriteDone follows once the socket took it.
  void WriteOnLoop(std::string bytes, bool tell_subscription);
  void FinishOnLoop(const absl::Status& status);
  void EndResponse();
  void Done();
  // Tells the subscription a write ended, on the executor.
  void WriteDone(bool ok);

  EventLoop* const loop_;
  Executor* const executor_;
  ConnectionTable* const connections_;
  const std::shared_ptr<Subscription> subscription_;
  const DoneCallback on_done_;

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

  // What Encode made, taken by StartWrite; touched only by the thread that
  // holds the subscription's write turn.
  std::string pending_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SSE_STREAM_H_
