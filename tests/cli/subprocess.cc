#include "tests/cli/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace sitrep::cli_testing {

std::unique_ptr<Subprocess> Subprocess::Start(const std::vector<std::string>& argv,
                                              const std::vector<std::string>& env,
                                              const std::string& output_file) {
  // A child that exits early must not kill the test with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  // Environment: ours, with `env` replacing same-named entries.
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    vars[entry.substr(0, entry.find('='))] = entry;
  }
  for (const std::string& entry : env) vars[entry.substr(0, entry.find('='))] = entry;
  std::vector<std::string> env_strings;
  for (const auto& [name, entry] : vars) env_strings.push_back(entry);

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
      pipe2(err, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return nullptr;
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  const pid_t pid = fork();
  if (pid == 0) {
    // A test binary that crashes must not leave its servers running: they
    // would hold their ports and data directory locks.
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
    // The test runner may have blocked signals; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  auto p = std::unique_ptr<Subprocess>(new Subprocess());
  p->pid_ = pid;
  p->stdin_fd_ = in[1];
  p->stdout_fd_ = out[0];
  p->stderr_fd_ = err[0];
  if (!output_file.empty()) {
    close(out[0]);
    close(err[0]);
    p->stdout_fd_ = p->stderr_fd_ = -1;
  }
  if (pid < 0) ADD_FAILURE() << "fork: " << std::strerror(errno);
  return p;
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
    (is_out ? out_ : err_).append(buffer, static_cast<size_t>(got));
  }
  return true;
}

bool Subprocess::WaitForStdout(const std::function<bool(const std::string&)>& done,
                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done(out_)) {
    if (absl::Now() >= deadline || !PumpOnce(deadline)) return done(out_);
  }
  return true;
}

bool Subprocess::WaitForStderr(const std::function<bool(const std::string&)>& done,
                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done(err_)) {
    if (absl::Now() >= deadline || !PumpOnce(deadline)) return done(err_);
  }
  return true;
}

int Subprocess::Wait(absl::Duration timeout) {
  if (reaped_) return exit_code_;
  CloseStdin();
  const absl::Time deadline = absl::Now() + timeout;
  while (PumpOnce(deadline)) {
    if (absl::Now() >= deadline) {
      ADD_FAILURE() << "process " << pid_ << " did not exit in time; stderr: " << err_;
      kill(pid_, SIGKILL);
      break;
    }
  }
  // The output is closed (or was never piped): wait for the exit itself,
  // on a pidfd so the wait is bounded without sleeping.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd fd = {pidfd, POLLIN, 0};
    const int64_t ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (poll(&fd, 1, static_cast<int>(ms)) == 0) {
      ADD_FAILURE() << "process " << pid_ << " did not exit in time";
      kill(pid_, SIGKILL);
    }
    close(pidfd);
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_code_ = 128 + WTERMSIG(status);
  }
  return absl::Now() >= deadline ? -1 : exit_code_;
}

bool Subprocess::Running() {
  if (reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

void Subprocess::Signal(int signo) {
  if (!reaped_) kill(pid_, signo);
}

RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_text,
              const std::vector<std::string>& env, absl::Duration timeout) {
  std::unique_ptr<Subprocess> p = Subprocess::Start(argv, env);
  RunResult result;
  if (p == nullptr) return result;
  if (!stdin_text.empty()) p->WriteStdin(stdin_text);
  result.exit_code = p->Wait(timeout);
  result.out = p->out();
  result.err = p->err();
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

TempDir::TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/sitrep-cli-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace sitrep::cli_testing
