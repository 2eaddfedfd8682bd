// ValidateServerConfig: the --store=jetstream settings.

#include "server/config/server_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;

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

TEST(ServerConfigTest, SqliteIgnoresTheJetStreamSettings) {
  ServerConfig config;
  config.jetstream.replicas = 0;
  EXPECT_THAT(ValidateServerConfig(config), IsOk());
}

}  // namespace
}  // namespace sitrep
