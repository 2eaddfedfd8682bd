#include "bench/ingest_cpu_split.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <utility>

#include "bench/server_process.h"

namespace sitrep::bench {
namespace {

// user + system seconds of every thread of this process, to the
// microsecond (getrusage; /proc's ticks are 10 ms).
double SelfCpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

MachineTimes ReadMachineTimes() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  // cpu user nice system idle iowait irq softirq steal (guest time is
  // counted in user already).
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
         softirq = 0, steal = 0;
  MachineTimes times;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >>
        softirq >> steal) ||
      cpu != "cpu") {
    return times;
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  times.busy_seconds = (user + nice + system + irq + softirq + steal) / tick;
  times.idle_seconds = (idle + iowait) / tick;
  return times;
}

PhaseCpu::PhaseCpu(std::vector<pid_t> pids)
    : pids_(std::move(pids)), processes_(pids_.size()) {}

void PhaseCpu::Start() {
  bench_ = SelfCpuSeconds();
  for (size_t i = 0; i < pids_.size(); ++i) {
    processes_[i] = ReadProcStats(pids_[i]).cpu_seconds;
  }
  machine_ = ReadMachineTimes();
}

void PhaseCpu::Stop() {
  bench_ = SelfCpuSeconds() - bench_;
  for (size_t i = 0; i < pids_.size(); ++i) {
    processes_[i] = ReadProcStats(pids_[i]).cpu_seconds - processes_[i];
  }
  const MachineTimes now = ReadMachineTimes();
  machine_.busy_seconds = now.busy_seconds - machine_.busy_seconds;
  machine_.idle_seconds = now.idle_seconds - machine_.idle_seconds;
}

double PhaseCpu::IdleShare() const {
  const double total = machine_.busy_seconds + machine_.idle_seconds;
  return total > 0 ? machine_.idle_seconds / total : 0;
}

}  // namespace sitrep::bench
