#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace sitrep::testing {

Subprocess::Subprocess(std::vector<std::string> argv) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2 failed";
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    // A test binary that crashes must not leave its servers running: they
    // would hold their ports and data directory locks.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    // The child must not inherit blocked signals (sitrepd relies on
    // SIGTERM arriving).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

void Subprocess::Pump(absl::Duration timeout) {
  pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
  const int n = poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (n <= 0) return;
  char buffer[8192];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
    const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
    if (got > 0) {
      (i == 0 ? stdout_ : stderr_).append(buffer, static_cast<size_t>(got));
    } else {
      close(fds[i].fd);
      (i == 0 ? stdout_fd_ : stderr_fd_) = -1;
    }
  }
}

bool Subprocess::WaitForStderr(const std::string& needle,
                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (stderr_.find(needle, stderr_scanned_) != std::string::npos) {
      stderr_scanned_ = stderr_.find(needle, stderr_scanned_) + needle.size();
      return true;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || stderr_fd_ < 0) return false;
    Pump(left);
  }
}

void Subprocess::Signal(int signal) {
  if (pid_ > 0 && !exited_) kill(pid_, signal);
}

int Subprocess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (stdout_fd_ >= 0 || stderr_fd_ >= 0) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    Pump(left);
  }
  if (!exited_) {
    if (stdout_fd_ >= 0 || stderr_fd_ >= 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      exited_ = true;
      return -1;
    }
    waitpid(pid_, &status_, 0);
    exited_ = true;
  }
  return status_;
}

}  // namespace sitrep::testing
