#ifndef SITREP_BENCH_THREAD_CPU_H_
#define SITREP_BENCH_THREAD_CPU_H_

// The CPU of each thread of a process (/proc/<pid>/task/<tid>/stat), to
// tell whether a load generator is short of CPU: a process well under a
// core can still have one thread at a full core, and then that thread sets
// the pace, not the system it measures.

#include <sys/types.h>

#include <map>

namespace sitrep::bench {

// utime + stime in seconds of every thread of `pid` now alive, by tid.
std::map<pid_t, double> ThreadCpuSeconds(pid_t pid);

// The most CPU seconds one thread spent between two readings (a thread
// that began after `start` counts from zero).
double BusiestThreadSeconds(const std::map<pid_t, double>& start,
                            const std::map<pid_t, double>& end);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_THREAD_CPU_H_
