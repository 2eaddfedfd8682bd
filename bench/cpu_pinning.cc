#include "bench/cpu_pinning.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace sitrep::bench {

bool ParseCpuList(const std::string& cpus, cpu_set_t* set) {
  CPU_ZERO(set);
  if (cpus.empty()) return false;
  for (absl::string_view part : absl::StrSplit(cpus, ',')) {
    int cpu = -1;
    if (!absl::SimpleAtoi(part, &cpu) || cpu < 0 || cpu >= CPU_SETSIZE) {
      return false;
    }
    CPU_SET(cpu, set);
  }
  return true;
}

bool PinProcess(const std::string& cpus) {
  if (cpus.empty()) return true;
  cpu_set_t set;
  return ParseCpuList(cpus, &set) &&
         sched_setaffinity(0, sizeof(set), &set) == 0;
}

}  // namespace sitrep::bench
