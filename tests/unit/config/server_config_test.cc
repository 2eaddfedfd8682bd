// ValidateServerConfig: the --store=jetstream settings.

#include "server/config/server_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;

// L-2 (docs/security.md): what counts as loopback decides whether a
// plaintext listener is refused or warned about.
TEST(IsLoopbackAddressTest, OnlyLoopbackAddressesAndLocalhostAre) {
  for (const char* loopback :
       {"127.0.0.1:8080", "127.1.2.3:0", "localhost:8080", "[::1]:8080",
        "[::ffff:127.0.0.1]:80"}) {
    EXPECT_TRUE(IsLoopbackAddress(loopback)) << loopback;
  }
  for (const char* exposed :
       {"0.0.0.0:8080", "[::]:8080", ":8080", "10.0.0.7:8080",
        "192.168.1.2:0", "[2001:db8::1]:8080", "[::ffff:10.0.0.1]:80",
        // Names that only look like loopback.
        "127.example.org:8080", "localhost.example.org:80",
        "127.0.0.1.nip.io:80", "sitrep:8080", "127.0.0.1", ""}) {
    EXPECT_FALSE(IsLoopbackAddress(exposed)) << exposed;
  }
}

ServerConfig JetStreamConfig() {
  ServerConfig config;
  config.store = StoreKind::kJetStream;
  return config;
}

TEST(ServerConfigTest, JetStreamDefaultsAreValid) {
  EXPECT_THAT(ValidateServerConfig(JetStreamConfig()), IsOk());
}

TEST(ServerConfigTest, JetStreamReplicasInJetStreamsRange) {
  ServerConfig config = JetStreamConfig();
  config.jetstream.replicas = 0;
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--replicas: 0 is not in 1..5"));
  config.jetstream.replicas = 3;
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

TEST(ServerConfigTest, StreamAndPrefixAreSingleTokens) {
  ServerConfig config = JetStreamConfig();
  config.jetstream.stream = "SIT.REP";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "--stream: 'SIT.REP'"));
  config = JetStreamConfig();
  config.jetstream.subject_prefix = "sitrep.>";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--nats_subject_prefix"));
}

TEST(ServerConfigTest, NatsClientCertificateNeedsItsKey) {
  ServerConfig config = JetStreamConfig();
  config.jetstream.tls_cert_file = "client.pem";
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--nats_tls_cert, --nats_tls_key"));
}

TEST(ServerConfigTest, ReplicaHeartbeatIntervalMustBePositive) {
  ServerConfig config = JetStreamConfig();
  config.replica_heartbeat_interval = absl::ZeroDuration();
  EXPECT_THAT(ValidateServerConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "--replica_heartbeat_interval"));
}

TEST(ServerConfigTest, SqliteIgnoresTheJetStreamSettings) {
  ServerConfig config;
  config.jetstream.replicas = 0;
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

}  // namespace
}  // namespace sitrep
