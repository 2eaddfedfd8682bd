// The real sitrepd binary: SIGTERM drains gracefully, streams end with
// UNAVAILABLE, and the last cursor resumes on the next process without gap
// or repeat.
#include <signal.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

class Sitrepd {
 public:
  Sitrepd(const std::string& data_dir, const std::string& listen) {
    const std::string port_file = data_dir + ".port";
    process_ = std::make_unique<Subprocess>(std::vector<std::string>{
        SITREPD_PATH, "--listen=" + listen, "--data_dir=" + data_dir,
        "--port_file=" + port_file, "--fsync=batch",
        // Tests run in parallel: no fixed metrics port.
        "--metrics_address=127.0.0.1:0", "--http_address=127.0.0.1:0"});
    EXPECT_TRUE(process_->WaitForStderr("serving"))
        << process_->stderr_text();
    std::ifstream in(port_file);
    std::string text;
    std::getline(in, text);
    EXPECT_TRUE(absl::SimpleAtoi(text, &port_)) << text;
  }
  int port() const { return port_; }
  Subprocess& process() { return *process_; }
  std::unique_ptr<v1::SituationFeed::Stub> NewStub() const {
    return v1::SituationFeed::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }

 private:
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
};

void PublishPatrols(v1::SituationFeed::Stub& stub, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    grpc::ClientContext context;
    v1::PublishRequest request;
    *request.mutable_update() =
        PatrolUpdate(v1::MISSION_KFOR, absl::StrCat("patrol ", i));
    v1::PublishResponse response;
    ASSERT_TRUE(stub.Publish(&context, request, &response).ok());
    ASSERT_EQ(response.sequence(), static_cast<uint64_t>(i));
  }
}

TEST(ShutdownTest, SigtermEndsStreamsWithUnavailableAndTheCursorResumesOnTheNextServer) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  v1::Cursor cursor;
  int port = 0;
  {
    Sitrepd sitrepd(data_dir, "127.0.0.1:0");
    port = sitrepd.port();
    auto stub = sitrepd.NewStub();
    v1::SubscribeRequest request;
    request.set_from_beginning(true);
    StreamReader reader(*stub, request);
    PublishPatrols(*stub, 1, 25);
    ASSERT_EQ(reader.ReadUpdates(25).size(), 25u);
    cursor = reader.cursor();

    sitrepd.process().Signal(SIGTERM);
    grpc::Status status = reader.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    const ExitStatus wait_status = sitrepd.process().Wait();
    EXPECT_TRUE(wait_status.exited()) << sitrepd.process().stderr_text();
    EXPECT_EQ(wait_status.code(), 0) << sitrepd.process().stderr_text();
    EXPECT_NE(sitrepd.process().stderr_text().find("stopped"),
              std::string::npos);
  }
  EXPECT_EQ(cursor.sequence(), 25u);

  Sitrepd next(data_dir, absl::StrCat("127.0.0.1:", port));
  auto stub = next.NewStub();
  PublishPatrols(*stub, 26, 5);
  v1::SubscribeRequest request;
  request.set_after_sequence(cursor.sequence());
  request.set_log_id(cursor.log_id());
  StreamReader reader(*stub, request);
  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(5);
  ASSERT_EQ(updates.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(updates[i].sequence(), 26u + i);
  next.process().Signal(SIGTERM);
  EXPECT_EQ(next.process().Wait().code(), 0);
}

TEST(ShutdownTest, BadFlagsExitNonZeroWithAMessageNamingTheFlag) {
  Subprocess process({SITREPD_PATH, "--fsync=sometimes"});
  const ExitStatus status = process.Wait();
  EXPECT_TRUE(status.exited());
  EXPECT_NE(status.code(), 0);
  EXPECT_NE(process.stderr_text().find("--fsync"), std::string::npos)
      << process.stderr_text();
}

}  // namespace
}  // namespace sitrep::testing
