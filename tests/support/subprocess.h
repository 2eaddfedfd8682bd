#ifndef SITREP_TESTS_SUPPORT_SUBPROCESS_H_
#define SITREP_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sitrep::testing {

// A child process with its stdout and stderr captured, for tests that run
// the real binaries. The destructor kills (SIGKILL) and reaps it if still
// running.
class Subprocess {
 public:
  explicit Subprocess(std::vector<std::string> argv);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Reads stderr until a line contains `needle`; false when the process
  // closed stderr or `timeout` passed first. Lines read are kept.
  bool WaitForStderr(const std::string& needle,
                     absl::Duration timeout = absl::Seconds(30));

  // Sends a signal.
  void Signal(int signal);

  // Waits for the process to end (reading the rest of its output) and
  // returns its wait status; -1 after `timeout` (then it is killed).
  int Wait(absl::Duration timeout = absl::Seconds(60));

  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }
  pid_t pid() const { return pid_; }

 private:
  // Reads what is available from the pipes, for at most `timeout`.
  void Pump(absl::Duration timeout);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_;
  std::string stderr_;
  size_t stderr_scanned_ = 0;
  bool exited_ = false;
  int status_ = 0;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_SUBPROCESS_H_
