#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace sitrep::testing {

namespace {

// Our environment with `env` replacing same-named entries.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& env) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    vars[entry.substr(0, entry.find('='))] = entry;
  }
  for (const std::string& entry : env) {
    if (!entry.empty()) vars[entry.substr(0, entry.find('='))] = entry;
  }
  std::vector<std::string> strings;
  for (const auto& [name, entry] : vars) strings.push_back(entry);
  return strings;
}

std::vector<char*> NullTerminated(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) return Signaled(WTERMSIG(wait_status));
  return Exited(WEXITSTATUS(wait_status));
}

int ExitStatus::shell_code() const {
  switch (kind_) {
    case Kind::kExited:
      return value_;
    case Kind::kSignaled:
      return 128 + value_;
    case Kind::kTimedOut:
      break;
  }
  return -1;
}

std::string ExitStatus::ToString() const {
  if (exited()) return absl::StrCat("exit code ", code());
  if (signaled()) return absl::StrCat("signal ", signal(), " (", strsignal(signal()), ")");
  return "timed out";
}

Subprocess::Subprocess(std::vector<std::string> argv, const std::vector<std::string>& env,
                       const std::string& output_file) {
  // A child that exits early must not kill the test with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> env_strings = ChildEnvironment(env);
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
      pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return;
  }
  std::vector<char*> args = NullTerminated(argv);
  std::vector<char*> envp = NullTerminated(env_strings);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in[0], STDIN_FILENO);
    if (output_file.empty()) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
    } else {
      const int fd = open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    // The test runner may have blocked signals (sitrepd relies on SIGTERM
    // arriving); the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  if (pid_ < 0) ADD_FAILURE() << "fork: " << std::strerror(errno);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
  if (!output_file.empty()) {
    close(out[0]);
    close(err[0]);
    stdout_fd_ = stderr_fd_ = -1;
  }
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  for (int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void Subprocess::WriteStdin(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(stdin_fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ADD_FAILURE() << "write to child stdin: " << std::strerror(errno);
      return;
    }
    done += static_cast<size_t>(n);
  }
}

void Subprocess::CloseStdin() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
}

bool Subprocess::PumpOnce(absl::Time deadline) {
  pollfd fds[2];
  int n = 0;
  if (stdout_fd_ >= 0) fds[n++] = {stdout_fd_, POLLIN, 0};
  if (stderr_fd_ >= 0) fds[n++] = {stderr_fd_, POLLIN, 0};
  if (n == 0) return false;
  const int64_t ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
  const int ready = poll(fds, n, static_cast<int>(std::min<int64_t>(ms, 1000)));
  if (ready <= 0) return true;
  for (int i = 0; i < n; ++i) {
    if (fds[i].revents == 0) continue;
    char buffer[65536];
    const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    const bool is_out = fds[i].fd == stdout_fd_;
    if (got <= 0) {
      close(fds[i].fd);
      (is_out ? stdout_fd_ : stderr_fd_) = -1;
      continue;
    }
    (is_out ? stdout_ : stderr_).append(buffer, static_cast<size_t>(got));
  }
  return true;
}

bool Subprocess::WaitForOutput(const std::string& text,
                               const std::function<bool(const std::string&)>& done,
                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done(text)) {
    if (absl::Now() >= deadline || !PumpOnce(deadline)) return done(text);
  }
  return true;
}

bool Subprocess::WaitForStdout(const std::function<bool(const std::string&)>& done,
                               absl::Duration timeout) {
  return WaitForOutput(stdout_, done, timeout);
}

bool Subprocess::WaitForStderr(const std::function<bool(const std::string&)>& done,
                               absl::Duration timeout) {
  return WaitForOutput(stderr_, done, timeout);
}

bool Subprocess::WaitForStderr(const std::string& needle, absl::Duration timeout) {
  size_t found = std::string::npos;
  const bool seen = WaitForStderr(
      [&](const std::string& err) {
        found = err.find(needle, stderr_scanned_);
        return found != std::string::npos;
      },
      timeout);
  if (seen) stderr_scanned_ = found + needle.size();
  return seen;
}

ExitStatus Subprocess::Wait(absl::Duration timeout) {
  if (reaped_ || pid_ <= 0) return status_;
  CloseStdin();
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  while (PumpOnce(deadline)) {
    if (absl::Now() >= deadline) {
      timed_out = true;
      break;
    }
  }
  // The output is closed (or was never piped): wait for the exit itself,
  // on a pidfd so the wait is bounded without sleeping.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (!timed_out && pidfd >= 0) {
    pollfd fd = {pidfd, POLLIN, 0};
    const int64_t ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
    timed_out = poll(&fd, 1, static_cast<int>(ms)) == 0;
  }
  if (pidfd >= 0) close(pidfd);
  if (timed_out) kill(pid_, SIGKILL);
  int wait_status = 0;
  waitpid(pid_, &wait_status, 0);
  reaped_ = true;
  status_ = timed_out ? ExitStatus::TimedOut() : ExitStatus::FromWaitStatus(wait_status);
  return status_;
}

bool Subprocess::Running() {
  if (reaped_) return false;
  int wait_status = 0;
  if (waitpid(pid_, &wait_status, WNOHANG) != pid_) return true;
  reaped_ = true;
  status_ = ExitStatus::FromWaitStatus(wait_status);
  return false;
}

void Subprocess::Signal(int signo) {
  if (pid_ > 0 && !reaped_) kill(pid_, signo);
}

RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_text,
              const std::vector<std::string>& env, absl::Duration timeout) {
  Subprocess process(argv, env);
  if (!stdin_text.empty()) process.WriteStdin(stdin_text);
  const ExitStatus status = process.Wait(timeout);
  if (status.timed_out()) {
    ADD_FAILURE() << argv[0] << " did not exit within " << timeout
                  << "; stderr: " << process.stderr_text();
  }
  RunResult result;
  result.exit_code = status.shell_code();
  result.out = process.stdout_text();
  result.err = process.stderr_text();
  return result;
}

std::string FullStacksForLeakChecks() {
  const char* options = std::getenv("LSAN_OPTIONS");
  if (options == nullptr) return "";
  return std::string("LSAN_OPTIONS=") + options + ":fast_unwind_on_malloc=0";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace sitrep::testing
