// One process per port and per store: a second real sitrepd on a port or a
// data directory another one holds exits at once, non-zero, with a message
// that names the flag, the address or directory and the holder's pid, and
// before it has served or logged anything of its own.
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::sitrep::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A refused start takes no store recovery and no listener: well under this,
// even on a loaded CI machine.
constexpr absl::Duration kFast = absl::Seconds(10);

class SingleInstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    first_.Start();
    ASSERT_GT(first_.metrics_port(), 0);
    ASSERT_GT(first_.http_port(), 0);
  }

  // Runs a second sitrepd with its own data dir and no listener but --listen
  // on a free port, then `flags` (which win); returns its result, and
  // expects it within kFast.
  RunResult RunSecond(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {SITREPD_PATH, "--listen=127.0.0.1:0",
                                     "--data_dir=" + second_data_.path(),
                                     "--metrics_address=", "--http_address=",
                                     "--fsync=off"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    const absl::Time start = absl::Now();
    RunResult result = testing::Run(argv, "", {}, absl::Seconds(60));
    EXPECT_LT(absl::Now() - start, kFast) << result.err;
    return result;
  }

  // The second server said nothing but its error: it never served, so it
  // has nothing to shut down.
  static void ExpectOnlyTheError(const RunResult& result) {
    EXPECT_THAT(result.err, AllOf(Not(HasSubstr("serving")),
                                  Not(HasSubstr("shutting down")),
                                  Not(HasSubstr("stopped"))));
  }

  std::string Holder() const { return absl::StrCat("in use by pid ", first_.pid(), " ("); }

  TempDir data_;
  TempDir work_;
  TempDir second_data_;
  Sitrepd first_{SITREPD_PATH, data_.path(), work_.path()};
};

TEST_F(SingleInstanceTest, ASecondServerOnTheGrpcPortExitsNamingTheHolder) {
  const std::string address = absl::StrCat("127.0.0.1:", first_.port());
  RunResult result = RunSecond({"--listen=" + address});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr(absl::StrCat("sitrepd: --listen: ", address, " is ",
                                                 Holder())));
  EXPECT_THAT(result.err, HasSubstr("sitrepd --listen=127.0.0.1:0"));
  ExpectOnlyTheError(result);
}

TEST_F(SingleInstanceTest, ASecondServerOnTheHttpPortExitsNamingTheHolder) {
  const std::string address = absl::StrCat("127.0.0.1:", first_.http_port());
  RunResult result = RunSecond({"--http_address=" + address});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err,
              HasSubstr(absl::StrCat("--http_address: ", address, " is ", Holder())));
  ExpectOnlyTheError(result);
}

TEST_F(SingleInstanceTest, ASecondServerOnTheMetricsPortExitsNamingTheHolder) {
  const std::string address = absl::StrCat("127.0.0.1:", first_.metrics_port());
  RunResult result = RunSecond({"--metrics_address=" + address});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err,
              HasSubstr(absl::StrCat("--metrics_address: ", address, " is ", Holder())));
  ExpectOnlyTheError(result);
}

TEST_F(SingleInstanceTest, EveryTakenPortIsNamedInOneMessage) {
  RunResult result =
      RunSecond({absl::StrCat("--listen=127.0.0.1:", first_.port()),
                 absl::StrCat("--http_address=127.0.0.1:", first_.http_port()),
                 absl::StrCat("--metrics_address=127.0.0.1:", first_.metrics_port())});
  EXPECT_EQ(result.exit_code, 1);
  // One message, a line per port, and nothing else.
  const std::vector<std::string> lines = Lines(result.err);
  ASSERT_EQ(lines.size(), 3u) << result.err;
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("sitrepd: --listen: 127.0.0.1:", first_.port(),
                                               " is ", Holder())));
  EXPECT_THAT(lines[1], HasSubstr(absl::StrCat("--http_address: 127.0.0.1:", first_.http_port(),
                                               " is ", Holder())));
  EXPECT_THAT(lines[2], HasSubstr(absl::StrCat("--metrics_address: 127.0.0.1:",
                                               first_.metrics_port(), " is ", Holder())));
}

TEST_F(SingleInstanceTest, ASecondServerOnTheDataDirExitsNamingTheHolder) {
  RunResult result = RunSecond({"--data_dir=" + data_.path()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err,
              HasSubstr(absl::StrCat("sitrepd: --data_dir: '", data_.path(),
                                     "' is in use by another sitrepd (pid ", first_.pid(),
                                     ", holding ", data_.path(), "/LOCK)")));
  ExpectOnlyTheError(result);
}

TEST_F(SingleInstanceTest, TheDataDirIsFreeAgainOnceTheHolderIsGone) {
  first_.Kill();  // kill -9: the kernel drops the lock with the process.
  Sitrepd second(SITREPD_PATH, data_.path(), second_data_.path());
  second.Start();
  EXPECT_GT(second.port(), 0);
}

}  // namespace
}  // namespace sitrep::cli_testing
