#include "server/api/inline_write_reactor.h"

#include <deque>
#include <utility>

namespace sitrep {
namespace {

// A completion taken from the cache, to run on this thread.
struct Completion {
  grpc_completion_queue_functor* functor;
  int ok;
};

// Per thread: the completions taken while one is already running here (a
// write started by an inline completion), run in order by the outermost
// RunInline instead of recursing.
struct Trampoline {
  bool running = false;
  std::deque<Completion> pending;
  uint64_t ran = 0;
};
thread_local Trampoline t_trampoline;

// The completion queue of the call whose handler is running on this
// thread (InlineStreamHandler::RunHandler), for the reactor it makes.
thread_local grpc_completion_queue* t_handler_cq = nullptr;

// Every tag of the server's callback queue is a functor: gRPC's own
// callback threads run each event's tag exactly so.
void RunInline(Completion first) {
  Trampoline& t = t_trampoline;
  if (t.running) {
    t.pending.push_back(first);
    return;
  }
  t.running = true;
  Completion next = first;
  for (;;) {
    ++t.ran;
    next.functor->functor_run(next.functor, next.ok);
    if (t.pending.empty()) break;
    next = t.pending.front();
    t.pending.pop_front();
  }
  t.running = false;
}

}  // namespace

void InlineWriteReactor::StartInlineWrite(const EncodedMessage* message) {
  grpc_completion_queue* const cq = cq_.load(std::memory_order_acquire);
  if (cq == nullptr) {
    StartWrite(message);
    return;
  }
  grpc_completion_queue_thread_local_cache_init(cq);
  StartWrite(message);
  void* tag = nullptr;
  int ok = 0;
  if (grpc_completion_queue_thread_local_cache_flush(cq, &tag, &ok) == 0) {
    return;  // not completed yet: gRPC's queue delivers it
  }
  // From here on `this` may be gone: the completion can end the call.
  RunInline({static_cast<grpc_completion_queue_functor*>(tag), ok});
}

uint64_t InlineWriteReactor::InlineCompletionsOnThisThread() {
  return t_trampoline.ran;
}

InlineStreamHandler::InlineStreamHandler(InlineReactorFactory factory)
    : factory_(std::move(factory)),
      inner_([this](grpc::CallbackServerContext* context,
                    const grpc::ByteBuffer* request)
                 -> grpc::ServerWriteReactor<EncodedMessage>* {
        InlineWriteReactor* reactor = factory_(context, request);
        if (reactor != nullptr) {
          reactor->cq_.store(t_handler_cq, std::memory_order_release);
        }
        return reactor;
      }) {}

void InlineStreamHandler::RunHandler(const HandlerParameter& param) {
  // gRPC's handler makes the reactor (through the lambda above) on this
  // thread, inside this call.
  grpc::CompletionQueue* cq = param.call->cq();
  grpc_completion_queue* const outer = t_handler_cq;
  t_handler_cq = cq != nullptr ? cq->cq() : nullptr;
  inner_.RunHandler(param);
  t_handler_cq = outer;
}

void* InlineStreamHandler::Deserialize(grpc_call* call,
                                       grpc_byte_buffer* request,
                                       grpc::Status* status,
                                       void** handler_data) {
  return inner_.Deserialize(call, request, status, handler_data);
}

}  // namespace sitrep
