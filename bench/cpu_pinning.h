#ifndef SITREP_BENCH_CPU_PINNING_H_
#define SITREP_BENCH_CPU_PINNING_H_

#include <sched.h>

#include <string>

namespace sitrep::bench {

// Servers on some CPUs, the load generators on others (--server_cpus,
// --client_cpus): so that a fan-out figure measures the server and not
// whichever process the scheduler favoured (issue 24: the SSE load
// generator took 1.25 of the 2 cores in phase A, the gRPC subscribers
// 0.96). Both paths are pinned alike; the unpinned runs stay the figures
// of record.

// `cpus`: a comma-separated list of CPU numbers ("0", "0,1"). False when
// empty or malformed (`set` then undefined).
bool ParseCpuList(const std::string& cpus, cpu_set_t* set);

// Pins the calling process (its threads made from now on) to `cpus`; a
// no-op when empty. False when malformed or refused.
bool PinProcess(const std::string& cpus);

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_CPU_PINNING_H_
