#ifndef SITREP_BENCH_CPU_BUDGET_H_
#define SITREP_BENCH_CPU_BUDGET_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sitrep::bench {

// CPU budgets for the processes under test (sitrep-bench --scenario=
// replicas): each process gets a cgroup of its own with a CFS quota of
// `cores` CPUs, so that K replicas on a 2-core machine each have the same
// fixed share and the load generator and nats-server (left where they are)
// stay outside the budgets. Without budgets a second replica on the same
// cores only takes CPU from the first (README, "Scaling out").
//
// The groups live under sitrep-bench-<pid> in the cpu hierarchy: cgroup v1
// (/sys/fs/cgroup/cpu, cpu.cfs_quota_us / cpu.cfs_period_us), or cgroup v2
// (cpu.max) when the cpu controller is on the unified hierarchy. The
// destructor moves any process still in a group back to the root group and
// removes the groups.
//
// Thread safety: not thread-safe; one owner.
class CpuBudgets {
 public:
  // FAILED_PRECONDITION naming the reason when budgets cannot be made here:
  // not root, no cpu controller mounted, or the group cannot be created.
  static absl::StatusOr<std::unique_ptr<CpuBudgets>> Create();

  ~CpuBudgets();
  CpuBudgets(const CpuBudgets&) = delete;
  CpuBudgets& operator=(const CpuBudgets&) = delete;

  // Creates group `name` limited to `cores` CPUs (0.25: a quarter of one)
  // and moves process `pid` (all its threads) into it. The quota is
  // `cores` x `period` of CPU time per CFS period (default 100 ms, the
  // kernel's: a replica that spends its 25 ms is stopped for the other
  // 75 ms). INVALID_ARGUMENT for cores <= 0, a period outside 1 ms..1 s or
  // a quota under the kernel's 1 ms; INTERNAL when a cgroup file cannot be
  // written.
  absl::Status Place(const std::string& name, pid_t pid, double cores,
                     absl::Duration period = absl::Milliseconds(100));

  // Group `name`'s scheduler periods so far and how many of them ended
  // with the group throttled (cpu.stat nr_periods, nr_throttled): the
  // share of throttled periods says whether the budget was what held the
  // process back. Zeros when unknown.
  // throttled_seconds: how long the group stood stopped in all
  // (cpu.stat throttled_time, v2 throttled_usec).
  struct Periods {
    double periods = 0;
    double throttled = 0;
    double throttled_seconds = 0;
  };
  Periods ReadPeriods(const std::string& name) const;

  // "cgroup v1 /sys/fs/cgroup/cpu/sitrep-bench-123" or the v2 path.
  std::string Describe() const;

 private:
  CpuBudgets(std::string root, bool v2);

  const std::string root_;    // the hierarchy's root directory
  const bool v2_;
  const std::string parent_;  // root_/sitrep-bench-<pid>
  std::vector<std::string> groups_;
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_CPU_BUDGET_H_
