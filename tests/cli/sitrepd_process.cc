#include "tests/cli/sitrepd_process.h"

#include <signal.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace sitrep::cli_testing {

namespace {
using ::sitrep::testing::ExitStatus;
using ::sitrep::testing::Subprocess;

constexpr absl::Duration kWait = absl::Seconds(60);

// The port in `path` (a sitrepd port file), 0 when there is none.
int ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  int port = 0;
  if (in && std::getline(in, text) && absl::SimpleAtoi(text, &port)) return port;
  return 0;
}
}  // namespace

Sitrepd::Sitrepd(std::string binary, std::string data_dir, std::string work_dir)
    : binary_(std::move(binary)), data_dir_(std::move(data_dir)), work_dir_(std::move(work_dir)) {}

Sitrepd::~Sitrepd() {
  if (process_ != nullptr) Stop();
}

void Sitrepd::Start(int port, const std::vector<std::string>& extra_flags) {
  const std::string port_file = absl::StrCat(work_dir_, "/port.", ++starts_);
  const std::string metrics_port_file = port_file + ".metrics";
  const std::string http_port_file = port_file + ".http";
  std::vector<std::string> argv = {binary_, absl::StrCat("--listen=127.0.0.1:", port),
                                   "--data_dir=" + data_dir_, "--port_file=" + port_file,
                                   "--metrics_address=127.0.0.1:0",
                                   "--metrics_port_file=" + metrics_port_file,
                                   "--http_address=127.0.0.1:0",
                                   "--http_port_file=" + http_port_file,
                                   "--shutdown_drain=0s"};
  if (!default_fsync_) argv.push_back("--fsync=off");
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  process_ = std::make_unique<Subprocess>(argv, std::vector<std::string>{},
                                          work_dir_ + "/sitrepd.log");
  // Polling is acceptable only here: the port file of a child process.
  const absl::Time deadline = absl::Now() + kWait;
  while (absl::Now() < deadline) {
    port_ = ReadPortFile(port_file);
    if (port_ > 0) {
      // Written last: the other listeners' files are there (unless an
      // extra flag turned a listener off).
      metrics_port_ = ReadPortFile(metrics_port_file);
      http_port_ = ReadPortFile(http_port_file);
      return;
    }
    ASSERT_TRUE(process_->Running()) << "sitrepd exited; log:\n" << Log();
    absl::SleepFor(absl::Milliseconds(20));
  }
  FAIL() << "no port file from sitrepd; log:\n" << Log();
}

void Sitrepd::Stop() {
  process_->Signal(SIGTERM);
  EXPECT_EQ(process_->Wait(kWait), ExitStatus::Exited(0)) << Log();
  process_.reset();
}

void Sitrepd::Kill() {
  process_->Signal(SIGKILL);
  EXPECT_EQ(process_->Wait(kWait), ExitStatus::Signaled(SIGKILL)) << Log();
  process_.reset();
}

std::string Sitrepd::address() const { return absl::StrCat("127.0.0.1:", port_); }

std::string Sitrepd::Log() const {
  std::ifstream in(work_dir_ + "/sitrepd.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sitrep::cli_testing
