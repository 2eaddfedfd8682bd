#include "server/http/event_loop.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <mutex>
#include <utility>

#include "absl/status/status.h"

namespace sitrep {

absl::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create() {
  // event_active() from other threads needs libevent's locking on.
  static std::once_flag threads_once;
  std::call_once(threads_once, [] { evthread_use_pthreads(); });
  event_base* base = event_base_new();
  if (base == nullptr) {
    return absl::InternalError("libevent: cannot create an event base");
  }
  return std::unique_ptr<EventLoop>(new EventLoop(base));
}

EventLoop::EventLoop(event_base* base)
    : base_(base),
      wake_(event_new(base, -1, EV_PERSIST, &EventLoop::OnWake, this)) {}

EventLoop::~EventLoop() {
  Stop([] {});
  event_free(wake_);
  event_base_free(base_);
}

void EventLoop::Start() {
  // A pending event keeps the loop alive: activated by Post(), never by
  // its (absent) descriptor.
  event_add(wake_, nullptr);
  thread_ = std::thread([this] { event_base_dispatch(base_); });
}

void EventLoop::Post(absl::AnyInvocable<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    posted_.push_back(std::move(task));
  }
  event_active(wake_, EV_READ, 0);
}

void EventLoop::OnWake(int, short, void* self) {
  static_cast<EventLoop*>(self)->RunPosted();
}

void EventLoop::RunPosted() {
  std::vector<absl::AnyInvocable<void()>> tasks;
  {
    absl::MutexLock lock(&mu_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
}

void EventLoop::Stop(absl::AnyInvocable<void()> last) {
  if (!thread_.joinable()) {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    posted_.push_back([this, last = std::move(last)]() mutable {
      last();
      event_base_loopbreak(base_);
    });
    stopping_ = true;
  }
  event_active(wake_, EV_READ, 0);
  thread_.join();
  // Whatever was posted after the last task is dropped unrun.
  absl::MutexLock lock(&mu_);
  posted_.clear();
}

bool EventLoop::InLoopThread() const {
  return thread_.get_id() == std::this_thread::get_id();
}

}  // namespace sitrep
