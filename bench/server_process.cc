#include "bench/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "bench/cpu_pinning.h"

namespace sitrep::bench {
namespace {

// Set once by main before any server starts (SetServerCpus).
std::string& ServerCpus() {
  static auto* cpus = new std::string;
  return *cpus;
}

}  // namespace

void ServerProcess::SetServerCpus(const std::string& cpus) {
  ServerCpus() = cpus;
}

bool ServerProcess::Start(const std::vector<std::string>& argv,
                          const std::string& port_file,
                          absl::Duration timeout,
                          const std::string& ready) {
  ready_ = ready;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return false;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Parsed here: the child only calls sched_setaffinity before exec.
  cpu_set_t cpus;
  const bool pin = ParseCpuList(ServerCpus(), &cpus);
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    dup2(pipe_fds[1], 2);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, 0);
      dup2(devnull, 1);
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (pin) sched_setaffinity(0, sizeof(cpus), &cpus);
    execvp(args[0], args.data());
    std::fprintf(stderr, "exec %s failed\n", args[0]);
    _exit(127);
  }
  close(pipe_fds[1]);
  const int fd = pipe_fds[0];
  drainer_ = std::thread([this, fd] { Drain(fd); });
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return serving_ || eof_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    if (!serving_) {
      std::fprintf(stderr, "sitrep-bench: %s did not start; its stderr:\n%s\n",
                   argv[0].c_str(), tail_.c_str());
      return false;
    }
  }
  if (port_file.empty()) {
    absl::MutexLock lock(&mu_);
    const std::string marker = "client connections on ";
    const size_t at = tail_.find(marker);
    if (at != std::string::npos) {
      const size_t colon = tail_.find(':', at + marker.size());
      if (colon != std::string::npos) {
        port_ = std::atoi(tail_.c_str() + colon + 1);
      }
    }
  }
  for (int i = 0; i < 100 && port_ == 0 && !port_file.empty(); ++i) {
    std::ifstream in(port_file);
    in >> port_;
    if (port_ == 0) usleep(10000);
  }
  if (port_ == 0) {
    std::fprintf(stderr, "sitrep-bench: no port from %s\n", argv[0].c_str());
    return false;
  }
  return true;
}

void ServerProcess::Drain(int fd) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    absl::MutexLock lock(&mu_);
    tail_.append(buf, static_cast<size_t>(n));
    if (!serving_ && tail_.find(ready_) != std::string::npos) {
      serving_ = true;
    }
    if (tail_.size() > 16384) tail_.erase(0, tail_.size() - 8192);
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  eof_ = true;
}

std::string ServerProcess::StderrTail() {
  absl::MutexLock lock(&mu_);
  return tail_;
}

void ServerProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    bool reaped = false;
    for (int i = 0; i < 1000; ++i) {  // 10 s
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped = true;
        break;
      }
      usleep(10000);
    }
    if (!reaped) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (drainer_.joinable()) drainer_.join();
}

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

ProcStats ReadProcStats(pid_t pid) {
  ProcStats stats;
  stats.cpu_seconds =
      std::max(0.0, StatCpuSeconds("/proc/" + std::to_string(pid) + "/stat"));
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) stats.rss_kib = std::atof(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) {
      stats.peak_rss_kib = std::atof(line.c_str() + 6);
    }
  }
  return stats;
}

}  // namespace sitrep::bench
