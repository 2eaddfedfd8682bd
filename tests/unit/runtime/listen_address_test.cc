#include "server/runtime/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/runtime/port_holder.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using ::testing::HasSubstr;

// A socket on 127.0.0.1, bound to a port of the kernel's choice; listening
// when `listen` is set. Closed by the destructor.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen, bool reuse_port = false) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    if (reuse_port) setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
    if (listen) {
      EXPECT_EQ(::listen(fd_, 1), 0);
    }
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackSocket() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(SplitHostPortTest, SplitsHostsAndIpv6Literals) {
  HostPort out;
  ASSERT_THAT(SplitHostPort("127.0.0.1:50051", &out), IsOk());
  EXPECT_EQ(out.host, "127.0.0.1");
  EXPECT_EQ(out.port, 50051);
  ASSERT_THAT(SplitHostPort("[::1]:0", &out), IsOk());
  EXPECT_EQ(out.host, "::1");
  EXPECT_EQ(out.port, 0);
  ASSERT_THAT(SplitHostPort(":9464", &out), IsOk());
  EXPECT_EQ(out.host, "");
  EXPECT_THAT(SplitHostPort("no-port", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "host:port"));
  EXPECT_THAT(SplitHostPort("127.0.0.1:65536", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "host:port"));
}

TEST(CheckAddressFreeTest, AListeningPortIsInUseByThisProcess) {
  LoopbackSocket listener(/*listen=*/true);
  const std::string address = absl::StrCat("127.0.0.1:", listener.port());
  absl::Status status = CheckAddressFree("--listen", address);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                               absl::StrCat("--listen: ", address,
                                            " is in use by pid ", getpid(), " (")));
  EXPECT_THAT(status.message(), HasSubstr("listen_address_test"));
  EXPECT_THAT(status.message(), HasSubstr("give another port (0: any free one)"));
  // Any address of the port: the wildcard one too.
  EXPECT_THAT(CheckAddressFree("--http_address",
                               absl::StrCat("0.0.0.0:", listener.port())),
              StatusIs(absl::StatusCode::kUnavailable, "--http_address: 0.0.0.0:"));
}

TEST(CheckAddressFreeTest, ASoReusePortListenerStillCounts) {
  // What gRPC did by default: the check itself sets no SO_REUSEPORT, so a
  // listener that does is found all the same.
  LoopbackSocket listener(/*listen=*/true, /*reuse_port=*/true);
  EXPECT_THAT(CheckAddressFree("--listen",
                               absl::StrCat("127.0.0.1:", listener.port())),
              StatusIs(absl::StatusCode::kUnavailable, "is in use by pid"));
}

TEST(CheckAddressFreeTest, FreePortsPortZeroAndUnixAddressesPass) {
  EXPECT_THAT(CheckAddressFree("--listen", "127.0.0.1:0"), IsOk());
  EXPECT_THAT(CheckAddressFree("--listen", "unix:/tmp/sitrep.sock"), IsOk());
  int port = 0;
  {
    LoopbackSocket closed(/*listen=*/false);
    port = closed.port();
  }
  EXPECT_THAT(CheckAddressFree("--listen", absl::StrCat("127.0.0.1:", port)),
              IsOk());
}

TEST(PortHolderTest, NamesThePidAndCommandOrNothing) {
  LoopbackSocket listener(/*listen=*/true);
  const std::string holder = DescribePortHolder(listener.port());
  EXPECT_THAT(holder, HasSubstr(absl::StrCat("pid ", getpid(), " (")));
  LoopbackSocket bound_only(/*listen=*/false);
  EXPECT_EQ(DescribePortHolder(bound_only.port()), "");
}

TEST(PortHolderTest, ListsTheListeningPortsOfAProcess) {
  LoopbackSocket listener(/*listen=*/true);
  LoopbackSocket bound_only(/*listen=*/false);
  const std::vector<int> ports = ListeningPortsOf(getpid());
  EXPECT_THAT(ports, ::testing::Contains(listener.port()));
  EXPECT_THAT(ports, ::testing::Not(::testing::Contains(bound_only.port())));
}

}  // namespace
}  // namespace sitrep
