#ifndef SITREP_TESTS_SECURITY_PROCESS_STATUS_H_
#define SITREP_TESTS_SECURITY_PROCESS_STATUS_H_

#include <sys/types.h>

#include <cstdint>

namespace sitrep::testing {

// VmRSS of process `pid` from /proc/<pid>/status, in KiB; -1 when it cannot
// be read (the process is gone).
int64_t ResidentKiB(pid_t pid);

// How many descriptors process `pid` has open (/proc/<pid>/fd); -1 when
// it cannot be read.
int OpenDescriptors(pid_t pid);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SECURITY_PROCESS_STATUS_H_
