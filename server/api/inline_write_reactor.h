#ifndef SITREP_SERVER_API_INLINE_WRITE_REACTOR_H_
#define SITREP_SERVER_API_INLINE_WRITE_REACTOR_H_

#include <atomic>
#include <functional>

#include "grpc/grpc.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/encoded_message.h"

namespace sitrep {

// A server-streaming reactor of EncodedMessages whose writes, when they
// complete while gRPC is still in StartInlineWrite (the usual case: the
// transport takes the bytes at once), run their completion on the writing
// thread instead of handing it to one of gRPC's two callback threads.
//
// Why: gRPC 1.51 on Linux (epoll1 does not poll in the background) serves
// the callback API from a "next" completion queue that two `nexting_thread`s
// poll; every completion, OnWriteDone included, is pushed there, the idle
// thread is woken (an eventfd write) and runs it. At 200 updates/s to 1,000
// streams that is one queue push, one wake-up and one switch per delivery,
// and the two threads also read every connection (issue 24). The
// `can_inline` flag gRPC's own handler passes for the write tag is not read
// by such a queue, so the hop cannot be configured away; it is avoided here
// with gRPC's public thread-local completion cache
// (grpc_completion_queue_thread_local_cache_init/_flush, what gRPC's
// synchronous API uses for the same purpose): a completion the write
// produces on this thread is kept, not queued, and run right after.
//
// Contract, beyond ServerWriteReactor's:
// - OnWriteDone (and so OnDone, when that write was the last thing the call
//   waited for) may run on the thread that called StartInlineWrite, before
//   it returns. The reactor may be deleted by then: do not touch it after
//   StartInlineWrite.
// - The completion the cache keeps is the first one of *any* call of the
//   server that completes on this thread during the write (another stream
//   on the same connection, a read): any reaction of the server may run on
//   a thread that calls StartInlineWrite. So call it holding no lock that a
//   reaction takes (as gRPC's own threads hold none), and not on a thread
//   inside gRPC's synchronous API.
// - Not recursive: a write started by a completion that runs inline (e.g.
//   from OnWriteDone) queues its own inline completion on the thread's
//   trampoline, which the outermost StartInlineWrite drains in a loop; the
//   stack stays two calls deep however long the chain.
// - Completions that do not happen during the write (flow control, a busy
//   transport) go through gRPC's queue as before.
//
// Thread safety: as ServerWriteReactor; StartInlineWrite follows
// StartWrite's rule (one write in flight).
class InlineWriteReactor : public grpc::ServerWriteReactor<EncodedMessage> {
 public:
  // StartWrite(message), with the write's completion run inline when it
  // completes during the call (see above). Before the call's queue is known
  // (the reactor not yet returned to the handler) it is plain StartWrite.
  void StartInlineWrite(const EncodedMessage* message);

  // How many completions ran inline on this thread, since it started (a
  // figure for tests and profiles).
  static uint64_t InlineCompletionsOnThisThread();

 private:
  friend class InlineStreamHandler;
  // The call's completion queue (the server's callback queue), set by
  // InlineStreamHandler once the reactor is made; null before.
  std::atomic<grpc_completion_queue*> cq_{nullptr};
};

// The handler of a server-streaming callback method with raw request bytes
// and InlineWriteReactor streams; register it with
// grpc::Service::MarkMethodRawCallback(index, handler) (in place of the
// generated raw mix-in's). Everything but the writes' completions is
// gRPC's own CallbackServerStreamingHandler: the initial metadata, the
// status, cancellation, deadlines and OnDone behave exactly as with it.
using InlineReactorFactory = std::function<InlineWriteReactor*(
    grpc::CallbackServerContext*, const grpc::ByteBuffer*)>;
class InlineStreamHandler final : public grpc::internal::MethodHandler {
 public:
  explicit InlineStreamHandler(InlineReactorFactory factory);

  void RunHandler(const HandlerParameter& param) override;
  void* Deserialize(grpc_call* call, grpc_byte_buffer* request,
                    grpc::Status* status, void** handler_data) override;

 private:
  const InlineReactorFactory factory_;
  grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer,
                                                 EncodedMessage>
      inner_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_API_INLINE_WRITE_REACTOR_H_
