#ifndef SITREP_SERVER_HTTP_EVENT_LOOP_H_
#define SITREP_SERVER_HTTP_EVENT_LOOP_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct event;
struct event_base;

namespace sitrep {

// One libevent event_base and the thread that runs it. Everything that
// touches the base's sockets and HTTP requests runs on that thread; other
// threads hand it work with Post().
//
// Thread safety: Post may be called from any thread; Start and Stop from
// one owner thread.
class EventLoop {
 public:
  static absl::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_; }

  // Starts the loop thread.
  void Start();
  // Runs `task` on the loop thread, after the tasks posted before it.
  // Dropped (destroyed unrun) once Stop() began.
  void Post(absl::AnyInvocable<void()> task);
  // Runs `last` on the loop thread (its final task: free what lives on the
  // loop), then ends the loop and joins the thread. Idempotent.
  void Stop(absl::AnyInvocable<void()> last);
  bool InLoopThread() const;

 private:
  explicit EventLoop(event_base* base);
  static void OnWake(int fd, short what, void* self);
  void RunPosted();

  event_base* const base_;
  event* const wake_;
  std::thread thread_;

  absl::Mutex mu_;
  std::vector<absl::AnyInvocable<void()>> posted_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_EVENT_LOOP_H_
