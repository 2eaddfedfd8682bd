// H-5, gRPC half (docs/security.md): a client that sends DATA on a call far
// beyond the flow-control window sitrepd granted it, without reading
// anything. HTTP/2 bounds what a stream may send to its window; a peer that
// ignores it must be cut (RST_STREAM or GOAWAY with FLOW_CONTROL_ERROR, or
// the connection closed) before sitrepd buffers what it sends, and other
// clients must be served meanwhile. Straight at sitrepd's gRPC port (no
// edge): this is gRPC 1.51's own defence (it resets the stream with
// PROTOCOL_ERROR once a frame overflows the window), which this test pins
// down.
#include <signal.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/security/h2_client.h"
#include "tests/security/process_status.h"
#include "tests/security/sitrepd_child.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::testing {
namespace {

// What the flood may add to sitrepd's resident memory: a few windows'
// worth (gRPC grows a connection's window to at most a few MiB).
constexpr int64_t kRssBoundKiB = RssBoundKiB(64 * 1024);
// What the flood offers: far beyond any window.
constexpr size_t kFloodBytes = 256u << 20;
// Where it must have been cut: gRPC 1.51 grants a stream about 1 MiB
// (measured: reset after 1 MiB + one 16 KiB frame).
constexpr size_t kCutBefore = 16u << 20;
// HTTP/2 error codes gRPC 1.51 resets such a stream with.
constexpr uint32_t kProtocolError = 1, kFlowControlError = 3;

struct Flood {
  size_t sent = 0;
  // How the server ended it, if it did.
  bool closed = false;
  std::optional<uint32_t> reset_error;
  std::optional<uint32_t> goaway_error;
};

// Opens `path` on a new connection, sends one empty gRPC message and then
// DATA frames of zeros (more empty messages) whatever the window, reading
// nothing but the server's control frames, until the server ends the call
// or `kFloodBytes` or `duration` passed.
Flood FloodCall(int port, const std::string& path, absl::Duration duration,
                const std::function<void()>& between) {
  Flood flood;
  H2Client client;
  const absl::Time deadline = absl::Now() + duration;
  if (!client.Open(port).ok()) return flood;
  const int32_t id = client.SubmitCall(path);
  if (id < 0 || !client.Send(deadline)) return flood;
  const std::string frame(16384, '\0');
  while (flood.sent < kFloodBytes && absl::Now() < deadline) {
    if (!client.SendRawData(id, frame, deadline) || !client.Drain()) {
      flood.closed = true;
      break;
    }
    flood.sent += frame.size();
    if (client.reset_error(id).has_value() ||
        client.goaway_error().has_value()) {
      break;
    }
    if (flood.sent % (256u << 10) == 0) between();
  }
  flood.reset_error = client.reset_error(id);
  flood.goaway_error = client.goaway_error();
  return flood;
}

class GrpcFloodTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GrpcFloodTest, DataBeyondTheWindowIsCutAndOthersAreServed) {
  TempDir dir;
  // The other client's open channel holds shutdown for the whole grace.
  SitrepdChild child =
      StartSitrepdChild(SITREPD_PATH, dir.path(), {"--shutdown_grace=1s"});
  Subprocess& sitrepd = *child.process;
  ASSERT_GT(child.port, 0) << sitrepd.stderr_text();
  const int port = child.port;
  auto stub = v1::SituationFeed::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(GetSituation(*stub, {}).ok());
  const int64_t before = ResidentKiB(sitrepd.pid());
  ASSERT_GT(before, 0);

  int64_t peak = before;
  int served = 0, failed = 0;
  const Flood flood = FloodCall(
      port, "/sitrep.v1.SituationFeed/" + GetParam(), absl::Seconds(8), [&] {
        peak = std::max(peak, ResidentKiB(sitrepd.pid()));
        GetSituation(*stub, {}).ok() ? ++served : ++failed;
      });
  peak = std::max(peak, ResidentKiB(sitrepd.pid()));
  std::cerr << GetParam() << ": sent " << flood.sent << " bytes; closed "
            << flood.closed << " RST_STREAM "
            << flood.reset_error.value_or(-1) << " GOAWAY "
            << flood.goaway_error.value_or(-1) << "; sitrepd " << before
            << " -> " << peak << " KiB; other client " << served << "/"
            << served + failed << "\n";

  EXPECT_TRUE(flood.closed || flood.reset_error.has_value() ||
              flood.goaway_error.has_value())
      << "the flood was not cut after " << flood.sent << " bytes";
  EXPECT_LT(flood.sent, kCutBefore);
  if (flood.reset_error.has_value()) {
    EXPECT_TRUE(*flood.reset_error == kProtocolError ||
                *flood.reset_error == kFlowControlError)
        << *flood.reset_error;
  }
  EXPECT_LT(peak - before, kRssBoundKiB)
      << "sitrepd grew from " << before << " KiB to " << peak << " KiB";
  EXPECT_EQ(failed, 0);
  EXPECT_TRUE(GetSituation(*stub, {}).ok());

  sitrepd.Signal(SIGTERM);
  const ExitStatus status = sitrepd.Wait(absl::Seconds(20));
  EXPECT_TRUE(status.exited() && status.code() == 0) << status;
}

INSTANTIATE_TEST_SUITE_P(Calls, GrpcFloodTest,
                         ::testing::Values("Subscribe", "PublishStream"));

}  // namespace
}  // namespace sitrep::testing
