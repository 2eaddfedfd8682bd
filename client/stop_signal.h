// SIGINT / SIGTERM as a cooperative stop: `sitrep subscribe` saves its cursor
// and `sitrep demo` / `import` print their summary before exiting.
#ifndef SITREP_CLIENT_STOP_SIGNAL_H_
#define SITREP_CLIENT_STOP_SIGNAL_H_

#include <functional>

namespace sitrep::cli {

// Blocks SIGINT and SIGTERM in the calling thread and starts a thread that
// waits for them with sigwait(). Call once, early in main(), before any other
// thread exists (threads inherit the mask, so gRPC's threads never see the
// signals). On a signal the waiter runs the callback set with OnStopSignal();
// without one (or on a second signal) it exits the process with 128 + signo.
void InstallStopSignalHandler();

// Sets what a signal does; runs on the waiter thread, must not block long.
// Thread-safe. An empty function restores the default (exit).
void OnStopSignal(std::function<void()> callback);

// True once a stop signal arrived.
bool StopSignalReceived();

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_STOP_SIGNAL_H_
