#include "client/stop_signal.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace sitrep::cli {
namespace {

absl::Mutex g_mu;
std::function<void()>* g_callback ABSL_GUARDED_BY(g_mu) = nullptr;
std::atomic<bool> g_received{false};

void WaitForSignals(sigset_t signals) {
  while (true) {
    int signo = 0;
    if (sigwait(&signals, &signo) != 0) continue;
    const bool second = g_received.exchange(true);
    std::function<void()> callback;
    {
      absl::MutexLock lock(&g_mu);
      if (g_callback != nullptr) callback = *g_callback;
    }
    if (second || !callback) _exit(128 + signo);
    callback();
  }
}

}  // namespace

void InstallStopSignalHandler() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread(WaitForSignals, signals).detach();
}

void OnStopSignal(std::function<void()> callback) {
  absl::MutexLock lock(&g_mu);
  delete g_callback;
  g_callback = callback ? new std::function<void()>(std::move(callback)) : nullptr;
}

bool StopSignalReceived() { return g_received.load(); }

}  // namespace sitrep::cli
