#include "bench/thread_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace sitrep::bench {
namespace {

// utime + stime of one /proc stat file, in seconds; -1 when unreadable
// (the thread ended meanwhile).
double StatCpuSeconds(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields follow the
  // last ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 > text.size()) return -1;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Field 3 (state) is index 0 here; utime is field 14, stime 15.
  for (int i = 0; i <= 12 && fields >> field; ++i) {
    if (i == 11) utime = std::atof(field.c_str());
    if (i == 12) stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

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
