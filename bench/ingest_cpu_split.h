// Where the machine's CPU goes in one measured phase of an ingest run
// (issue 20: the load generator must not be the bottleneck). The ingest
// scenarios run sitrep-bench (the load generator), nats-server and sitrepd
// on the same 2 cores; a rate is bounded by their CPU together, so each
// one's share per update says which of them a change has to cut:
//
//   PhaseCpu cpu({sitrepd_pid, nats_pid});
//   cpu.Start();  ... the measured phase ...  cpu.Stop();
//   cpu.BenchSeconds(), cpu.ProcessSeconds(0), cpu.IdleShare()
//
// The machine's figures come from /proc/stat and count every process on
// it: on a shared machine they include the other tenants' CPU.
#ifndef SITREP_BENCH_INGEST_CPU_SPLIT_H_
#define SITREP_BENCH_INGEST_CPU_SPLIT_H_

#include <sys/types.h>

#include <vector>

namespace sitrep::bench {

// The machine's CPU time so far, all CPUs together (/proc/stat's first
// line, in seconds): busy (user, nice, system, irq, softirq, steal) and
// idle (idle and iowait). Zeros when unreadable.
struct MachineTimes {
  double busy_seconds = 0;
  double idle_seconds = 0;
};
MachineTimes ReadMachineTimes();

// The CPU seconds of this process (every thread of the load generator), of
// the given processes and of the machine between Start() and Stop().
// Thread-compatible; readings are taken only in Start and Stop.
class PhaseCpu {
 public:
  explicit PhaseCpu(std::vector<pid_t> pids);

  void Start();
  void Stop();

  // Between Start and Stop. REQUIRES: Stop() was called.
  double BenchSeconds() const { return bench_; }
  double ProcessSeconds(size_t i) const { return processes_[i]; }
  double MachineBusySeconds() const { return machine_.busy_seconds; }
  // The share of the machine's CPU time that was idle, 0..1.
  double IdleShare() const;

 private:
  const std::vector<pid_t> pids_;
  double bench_ = 0;
  std::vector<double> processes_;
  MachineTimes machine_;
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_INGEST_CPU_SPLIT_H_
