#include "bench/thread_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "bench/server_process.h"

namespace sitrep::bench {

std::map<pid_t, double> ThreadCpuSeconds(pid_t pid) {
  std::map<pid_t, double> threads;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* tasks = opendir(dir.c_str());
  if (tasks == nullptr) return threads;
  while (const dirent* entry = readdir(tasks)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (tid <= 0) continue;
    const double seconds = StatCpuSeconds(dir + "/" + entry->d_name + "/stat");
    if (seconds >= 0) threads[tid] = seconds;
  }
  closedir(tasks);
  return threads;
}

double BusiestThreadSeconds(const std::map<pid_t, double>& start,
                            const std::map<pid_t, double>& end) {
  double busiest = 0;
  for (const auto& [tid, seconds] : end) {
    const auto before = start.find(tid);
    busiest = std::max(busiest, seconds - (before != start.end() ? before->second : 0));
  }
  return busiest;
}

}  // namespace sitrep::bench
