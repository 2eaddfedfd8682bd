// Test helper: a GoogleTest fixture with a real sitrepd (its own temp data
// dir and free port per test) and the real `sitrep` binary pointed at it.
// The including test target defines SITREP_BIN and SITREPD_BIN.
#ifndef SITREP_TESTS_CLI_SITREPD_CLI_TEST_BASE_H_
#define SITREP_TESTS_CLI_SITREPD_CLI_TEST_BASE_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {

class SitrepdCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Sitrepd>(SITREPD_BIN, dir_.path() + "/data", dir_.path());
    ASSERT_NO_FATAL_FAILURE(server_->Start());
  }

  // Runs `sitrep ARGS --server=<the server>` to completion (NO_COLOR=1).
  testing::RunResult Sitrep(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), SITREP_BIN);
    args.push_back("--server=" + server_->address());
    return testing::Run(args, stdin_text, {"NO_COLOR=1"}, absl::Seconds(300));
  }

  // Starts `sitrep ARGS --server=<the server>` and leaves it running.
  std::unique_ptr<testing::Subprocess> StartSitrep(std::vector<std::string> args) {
    args.insert(args.begin(), SITREP_BIN);
    args.push_back("--server=" + server_->address());
    return std::make_unique<testing::Subprocess>(args, std::vector<std::string>{"NO_COLOR=1"});
  }

  testing::TempDir dir_;
  std::unique_ptr<Sitrepd> server_;
};

}  // namespace sitrep::cli_testing

#endif  // SITREP_TESTS_CLI_SITREPD_CLI_TEST_BASE_H_
