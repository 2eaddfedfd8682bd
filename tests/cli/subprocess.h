// Test helper: runs a program (the real `sitrep` or `sitrepd` binary) with
// pipes for stdin, stdout and stderr, and reads its output until a condition
// holds. No sleeps: every wait is poll() on the pipes with a bounded deadline.
#ifndef SITREP_TESTS_CLI_SUBPROCESS_H_
#define SITREP_TESTS_CLI_SUBPROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sitrep::cli_testing {

// Not thread-safe: one test thread drives it.
class Subprocess {
 public:
  // Starts argv[0] (a path) with argv; `env` entries ("K=V") are added to
  // (or replace in) the test's environment. Aborts the test on failure.
  // When `output_file` is set, stdout and stderr are appended to it instead
  // of piped (for a server whose logs nobody reads: a full pipe would block
  // it).
  static std::unique_ptr<Subprocess> Start(const std::vector<std::string>& argv,
                                           const std::vector<std::string>& env = {},
                                           const std::string& output_file = "");
  ~Subprocess();  // SIGKILLs the process if it is still running

  void WriteStdin(const std::string& data);
  void CloseStdin();

  // Reads output until `done(stdout_text)` is true, the process closed its
  // output, or `timeout` passed. Returns whether `done` became true.
  bool WaitForStdout(const std::function<bool(const std::string&)>& done,
                     absl::Duration timeout);
  // The same on stderr.
  bool WaitForStderr(const std::function<bool(const std::string&)>& done,
                     absl::Duration timeout);

  // Reads until both outputs are closed, then reaps the process. Returns the
  // exit code, 128 + signal when killed by one, or -1 after `timeout` (the
  // process is then SIGKILLed).
  int Wait(absl::Duration timeout = absl::Seconds(60));

  void Signal(int signo);
  // True while the process has not exited (reaps it if it has).
  bool Running();
  pid_t pid() const { return pid_; }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  Subprocess() = default;
  // One poll() round (at most until `deadline`); false when both closed.
  bool PumpOnce(absl::Time deadline);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string out_;
  std::string err_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion with `stdin_text` on stdin.
RunResult Run(const std::vector<std::string>& argv, const std::string& stdin_text = "",
              const std::vector<std::string>& env = {},
              absl::Duration timeout = absl::Seconds(120));

// Lines of `text` (without the newlines; no trailing empty line).
std::vector<std::string> Lines(const std::string& text);

// A fresh directory under $TEST_TMPDIR or /tmp; removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sitrep::cli_testing

#endif  // SITREP_TESTS_CLI_SUBPROCESS_H_
