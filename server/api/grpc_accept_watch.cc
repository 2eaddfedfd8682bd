#include "server/api/grpc_accept_watch.h"

#include <grpc/support/log.h>

#include <cstdio>
#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"

namespace sitrep {
namespace {

constexpr char kAcceptFailed[] = "Failed accept4";

struct Watchers {
  absl::Mutex mu;
  int next ABSL_GUARDED_BY(mu) = 0;
  bool installed ABSL_GUARDED_BY(mu) = false;
  std::map<int, AcceptFailureCallback> callbacks ABSL_GUARDED_BY(mu);
};

Watchers& GetWatchers() {
  // Never destroyed: gRPC may log while the process exits.
  static Watchers* const watchers = new Watchers;
  return *watchers;
}

void WatchingLog(gpr_log_func_args* args) {
  // gRPC 1.51 does not export its default log function: the same line,
  // shorter (no time and thread: sitrepd's own lines carry the time).
  std::fprintf(stderr, "%s %s:%d] %s\n", gpr_log_severity_string(args->severity),
               args->file, args->line, args->message);
  if (args->message == nullptr ||
      !absl::StartsWith(args->message, kAcceptFailed)) {
    return;
  }
  std::vector<AcceptFailureCallback> callbacks;
  {
    Watchers& watchers = GetWatchers();
    absl::MutexLock lock(&watchers.mu);
    for (const auto& [handle, callback] : watchers.callbacks) {
      callbacks.push_back(callback);
    }
  }
  for (const AcceptFailureCallback& callback : callbacks) {
    callback(args->message);
  }
}

}  // namespace

int WatchGrpcAcceptFailures(AcceptFailureCallback callback) {
  Watchers& watchers = GetWatchers();
  absl::MutexLock lock(&watchers.mu);
  if (!watchers.installed) {
    gpr_set_log_function(&WatchingLog);
    watchers.installed = true;
  }
  const int handle = ++watchers.next;
  watchers.callbacks[handle] = std::move(callback);
  return handle;
}

void UnwatchGrpcAcceptFailures(int handle) {
  Watchers& watchers = GetWatchers();
  absl::MutexLock lock(&watchers.mu);
  watchers.callbacks.erase(handle);
}

}  // namespace sitrep
