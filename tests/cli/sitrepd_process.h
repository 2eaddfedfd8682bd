// Test helper: a real sitrepd process on 127.0.0.1 (a free port, announced
// through --port_file) with a data dir that outlives restarts, for the tests
// that run the real `sitrep` binary against it.
#ifndef SITREP_TESTS_CLI_SITREPD_PROCESS_H_
#define SITREP_TESTS_CLI_SITREPD_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace sitrep::cli_testing {

// Not thread-safe: one test thread drives it.
class Sitrepd {
 public:
  // `binary`: the sitrepd executable. Its log goes to work_dir/sitrepd.log.
  Sitrepd(std::string binary, std::string data_dir, std::string work_dir);
  ~Sitrepd();  // Stop() if running

  // Starts with --listen=127.0.0.1:<port> (0: any free port), the data dir,
  // port files, --fsync=off, metrics and HTTP on free ports, and then
  // `extra_flags` (e.g. "--tls_cert=..."; they come last, so they win:
  // "--fsync=always"), and waits for the port file. Fails the test (fatally) when sitrepd exits or
  // writes no port file within a minute.
  void Start(int port = 0, const std::vector<std::string>& extra_flags = {});
  // Starts pass no --fsync=off from now on: the server's own default
  // (--fsync=always), for the crash tests.
  void UseDefaultFsync() { default_fsync_ = true; }
  // SIGTERM: graceful; streams end with UNAVAILABLE. Expects exit code 0.
  void Stop();

  // SIGKILL: no shutdown at all (a crash). Waits for the process to end.
  void Kill();
  std::string address() const;  // "127.0.0.1:<port>"
  int port() const { return port_; }
  // The ports of --metrics_address and --http_address (0 when off).
  int metrics_port() const { return metrics_port_; }
  int http_port() const { return http_port_; }
  pid_t pid() const { return process_ != nullptr ? process_->pid() : -1; }
  std::string Log() const;

 private:
  const std::string binary_;
  const std::string data_dir_;
  const std::string work_dir_;
  int starts_ = 0;
  bool default_fsync_ = false;
  int port_ = 0;
  int metrics_port_ = 0;
  int http_port_ = 0;
  std::unique_ptr<testing::Subprocess> process_;
};

}  // namespace sitrep::cli_testing

#endif  // SITREP_TESTS_CLI_SITREPD_PROCESS_H_
