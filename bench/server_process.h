#ifndef SITREP_BENCH_SERVER_PROCESS_H_
#define SITREP_BENCH_SERVER_PROCESS_H_

#include <sys/types.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sitrep::bench {

// A server under test, run as a child process so that its CPU time and
// memory can be read from /proc. Its stderr is drained by a thread of its
// own (a full pipe would block the server's logging); the last few KiB are
// kept for error messages.
//
// Thread safety: Start/Stop from one thread; Stats() from any.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess() { Stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Runs `argv` (argv[0] is the path), waits up to `timeout` for a stderr
  // line containing `ready`, then reads the port from `port_file`, or when
  // that is empty from the stderr text after "client connections on HOST:"
  // (nats-server). Returns false (with the server's stderr tail on our
  // stderr) on failure.
  // Every server started after this call is pinned to `cpus` (a list as
  // bench/cpu_pinning.h reads it; empty: not pinned). Call before any
  // Start, from main (--server_cpus).
  static void SetServerCpus(const std::string& cpus);

  bool Start(const std::vector<std::string>& argv,
             const std::string& port_file,
             absl::Duration timeout = absl::Seconds(60),
             const std::string& ready = "serving");

  // SIGTERM, then SIGKILL after 10 s; reaps. Idempotent.
  void Stop();

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(port_);
  }

  // The last bytes the server wrote to stderr.
  std::string StderrTail();

 private:
  void Drain(int fd);

  pid_t pid_ = -1;
  int port_ = 0;
  std::thread drainer_;
  absl::Mutex mu_;
  std::string tail_ ABSL_GUARDED_BY(mu_);
  std::string ready_;  // set before the drainer starts
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  bool eof_ ABSL_GUARDED_BY(mu_) = false;
};

// What /proc says about a process.
struct ProcStats {
  double cpu_seconds = 0;  // utime + stime
  double rss_kib = 0;      // VmRSS
  double peak_rss_kib = 0; // VmHWM
};
ProcStats ReadProcStats(pid_t pid);

// utime + stime in seconds of one /proc stat file (/proc/<pid>/stat or a
// thread's /proc/<pid>/task/<tid>/stat); -1 when unreadable (the process
// or thread ended).
double StatCpuSeconds(const std::string& path);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_SERVER_PROCESS_H_
