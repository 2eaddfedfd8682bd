// Test helper: runs a program (the real `sitrep` or `sitrepd` binary, a
// shell, nats-server, haproxy ...) with pipes for stdin, stdout and stderr,
// and reads its output until a condition holds. No sleeps: every wait is
// poll() on the pipes (or on a pidfd) with a bounded deadline.
//
//   Subprocess sitrepd({SITREPD_PATH, "--listen=127.0.0.1:0", ...});
//   ASSERT_TRUE(sitrepd.WaitForStderr("serving")) << sitrepd.stderr_text();
//   sitrepd.Signal(SIGTERM);
//   EXPECT_EQ(sitrepd.Wait(), ExitStatus::Exited(0)) << sitrepd.stderr_text();
#ifndef SITREP_TESTS_SUPPORT_SUBPROCESS_H_
#define SITREP_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sitrep::testing {

// How a child process ended: exactly one of exited(), signaled() and
// timed_out() is true. A wait that timed out killed the process (SIGKILL).
class ExitStatus {
 public:
  static ExitStatus Exited(int code) { return ExitStatus(Kind::kExited, code); }
  static ExitStatus Signaled(int signal) { return ExitStatus(Kind::kSignaled, signal); }
  static ExitStatus TimedOut() { return ExitStatus(Kind::kTimedOut, 0); }
  // From waitpid()'s status word.
  static ExitStatus FromWaitStatus(int wait_status);

  // The process called exit(); code() is its exit code.
  bool exited() const { return kind_ == Kind::kExited; }
  // -1 unless exited().
  int code() const { return exited() ? value_ : -1; }
  // A signal ended the process; signal() is its number.
  bool signaled() const { return kind_ == Kind::kSignaled; }
  // 0 unless signaled().
  int signal() const { return signaled() ? value_ : 0; }
  // It did not end within the wait's timeout (and was then killed).
  bool timed_out() const { return kind_ == Kind::kTimedOut; }

  // What a shell would put in $?: the exit code, 128 + the signal, and -1
  // after a timeout. For tests whose expectation is written as a shell's
  // (the README's sessions, `sitrep import` ending 130 on Ctrl-C).
  int shell_code() const;

  friend bool operator==(const ExitStatus& a, const ExitStatus& b) {
    return a.kind_ == b.kind_ && a.value_ == b.value_;
  }
  friend bool operator!=(const ExitStatus& a, const ExitStatus& b) { return !(a == b); }
  // "exit code 3", "signal 9 (Killed)", "timed out".
  std::string ToString() const;
  friend std::ostream& operator<<(std::ostream& out, const ExitStatus& status) {
    return out << status.ToString();
  }

 private:
  enum class Kind { kExited, kSignaled, kTimedOut };
  ExitStatus(Kind kind, int value) : kind_(kind), value_(value) {}
  Kind kind_;
  int value_;
};

// A child process. Not thread-safe: one test thread drives it. The
// destructor SIGKILLs and reaps it if it is still running; so does the
// test binary's death (PR_SET_PDEATHSIG), so that a crashed test leaves no
// server holding a port or a data directory lock.
class Subprocess {
 public:
  // Starts argv[0] (a path) with argv. `env` entries ("K=V") are added to
  // (or replace same-named ones in) the test's environment. When
  // `output_file` is set, stdout and stderr are appended to it instead of
  // piped (for a server whose logs nobody reads as it runs: a full pipe
  // would block it). The child starts with no blocked signals and SIGPIPE
  // ignored (as the test process then has it: a child that exits early
  // must not kill the test writing to its stdin). Fails the test (not
  // fatally) when the pipes cannot be made or fork fails.
  explicit Subprocess(std::vector<std::string> argv, const std::vector<std::string>& env = {},
                      const std::string& output_file = "");
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  void WriteStdin(const std::string& data);
  void CloseStdin();

  // Reads output until `done(stdout_text())` is true, the process closed
  // its output, or `timeout` passed. Returns whether `done` became true.
  bool WaitForStdout(const std::function<bool(const std::string&)>& done,
                     absl::Duration timeout);
  // The same on stderr.
  bool WaitForStderr(const std::function<bool(const std::string&)>& done,
                     absl::Duration timeout);
  // Reads stderr until it contains `needle` after the end of the last
  // needle this found (so that waiting twice for "serving" waits for a
  // second line); false when stderr closed or `timeout` passed first.
  bool WaitForStderr(const std::string& needle, absl::Duration timeout = absl::Seconds(30));

  // Closes stdin, reads until both outputs are closed, then reaps the
  // process. After `timeout` the process is SIGKILLed and the result is
  // ExitStatus::TimedOut() (the caller's expectation on it fails; Wait
  // itself adds no failure). Later calls return the same status.
  ExitStatus Wait(absl::Duration timeout = absl::Seconds(60));

  // Sends `signo` unless the process was reaped.
  void Signal(int signo);
  // True while the process has not exited (reaps it if it has).
  bool Running();
  pid_t pid() const { return pid_; }
  // Everything read so far.
  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }

 private:
  // One poll() round (at most until `deadline`, at most 1 s); false when
  // both outputs are closed.
  bool PumpOnce(absl::Time deadline);
  // Pumps until `done(text)` (text: stdout_ or stderr_, which grow as it
  // reads), the output closed or `timeout` passed.
  bool WaitForOutput(const std::string& text,
                     const std::function<bool(const std::string&)>& done,
                     absl::Duration timeout);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  bool reaped_ = false;
  ExitStatus status_ = ExitStatus::TimedOut();
  std::string stdout_;
  std::string stderr_;
  size_t stderr_scanned_ = 0;  // where WaitForStderr(needle) looks from
};

struct RunResult {
  // ExitStatus::shell_code(): the exit code, 128 + signal, -1 on timeout.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion with `stdin_text` on stdin. A timeout fails the test
// (not fatally): a command that is expected to finish did not.
RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_text = "",
              const std::vector<std::string>& env = {},
              absl::Duration timeout = absl::Seconds(120));

// An `env` entry for a child that makes TLS connections through gRPC:
// LeakSanitizer (when the test runs under it, i.e. LSAN_OPTIONS is set)
// records whole allocation stacks, so that tests/lsan.supp's OpenSSL
// per-thread DRBG lines can match (libcrypto has no frame pointers; the
// fast unwinder stops in it). "" when LSAN_OPTIONS is not set: entries
// that are "" are not added.
std::string FullStacksForLeakChecks();

// Lines of `text` (without the newlines; no trailing empty line).
std::vector<std::string> Lines(const std::string& text);

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_SUBPROCESS_H_
