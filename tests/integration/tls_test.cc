// TLS and mTLS against a real sitrepd, with certificates made by the test
// (tests/support/test_certificates.h): handshakes, refused clients, client
// certificates mapped to principals, and a certificate renewed on disk
// without dropping the streams already open.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_certificates.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

constexpr char kDeskToken[] = "sitrep_kp-desk-token-0123456789";

std::string ReadOrFail(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// Client credentials trusting `ca` and, when given, presenting `client`.
std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(
    const CertificateFiles& ca, const CertificateFiles* client = nullptr) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadOrFail(ca.cert_file);
  if (client != nullptr) {
    options.pem_cert_chain = ReadOrFail(client->cert_file);
    options.pem_private_key = ReadOrFail(client->key_file);
  }
  return grpc::SslCredentials(options);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCertificates> pki = MakeTestCertificates(dir_.path());
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    absl::StatusOr<CertificateFiles> stranger =
        AddClientCertificate(&pki_, {"stranger", ""});
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    policy_ = dir_.path() + "/policy.json";
    AccessPolicyBuilder()
        .Principal("kfor-gw").ClientCert("kfor-gateway.example").Publish({"KFOR"}).Read({"KFOR"})
        .Principal("kp-desk").Token(kDeskToken).Publish({"KOSOVO_POLICE"}).Read({"*"})
        .WriteTo(policy_);
  }

  void StartServer(bool mutual) {
    server_ = std::make_unique<TestServer>([&](ServerConfig& c) {
      c.tls.cert_file = pki_.server.cert_file;
      c.tls.key_file = pki_.server.key_file;
      if (mutual) c.tls.client_ca_file = pki_.ca.cert_file;
      c.tls.reload_interval = absl::Seconds(1);
      c.auth_file = policy_;
    });
  }

  std::unique_ptr<v1::SituationFeed::Stub> Stub(
      std::shared_ptr<grpc::ChannelCredentials> credentials,
      const std::string& token = "") {
    return NewTokenStub(server_->address(), token, std::move(credentials));
  }

  TempDir dir_;
  TestCertificates pki_;
  std::string policy_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(TlsTest, TlsServesTokenHoldersAndRefusesPlaintextAndStrangeCas) {
  StartServer(/*mutual=*/false);
  auto desk = Stub(TlsCredentials(pki_.ca), kDeskToken);
  SITREP_ASSERT_OK_AND_ASSIGN(
      v1::PublishResponse published,
      Publish(*desk, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)));
  EXPECT_EQ(published.sequence(), 1u);

  // Plaintext to a TLS port, and TLS trusting another CA: no connection.
  auto plaintext = Stub(grpc::InsecureChannelCredentials(), kDeskToken);
  EXPECT_THAT(Publish(*plaintext, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnavailable, ""));
  auto wrong_ca = Stub(TlsCredentials(pki_.other_ca), kDeskToken);
  EXPECT_THAT(Publish(*wrong_ca, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnavailable, ""));
  // TLS without credentials is still unauthenticated.
  auto anonymous = Stub(TlsCredentials(pki_.ca));
  EXPECT_THAT(Publish(*anonymous, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnauthenticated, "no credentials"));
}

TEST_F(TlsTest, MutualTlsMapsCertificatesToPrincipals) {
  StartServer(/*mutual=*/true);
  const CertificateFiles& gateway = pki_.clients.at("kfor-gateway");
  auto kfor = Stub(TlsCredentials(pki_.ca, &gateway));
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published,
                              Publish(*kfor, PatrolUpdate(v1::MISSION_KFOR)));
  EXPECT_THAT(Publish(*kfor, PatrolUpdate(v1::MISSION_EULEX)),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "principal 'kfor-gw' may not publish"));
  SITREP_ASSERT_OK_AND_ASSIGN(std::vector<v1::SituationUpdate> stored,
                              ListAll(*kfor, v1::ListUpdatesRequest()));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].sequence(), published.sequence());
  EXPECT_EQ(stored[0].publisher(), "kfor-gw");

  // A token on the same certificate acts for its own principal.
  auto desk = Stub(TlsCredentials(pki_.ca, &gateway), kDeskToken);
  SITREP_EXPECT_OK(
      Publish(*desk, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)).status());

  // A valid certificate the policy does not know.
  const CertificateFiles& stranger = pki_.clients.at("stranger");
  auto unknown = Stub(TlsCredentials(pki_.ca, &stranger));
  EXPECT_THAT(Publish(*unknown, PatrolUpdate(v1::MISSION_KFOR)),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       "'stranger' is not mapped to a principal"));
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutATrustedCertificate) {
  StartServer(/*mutual=*/true);
  auto no_certificate = Stub(TlsCredentials(pki_.ca), kDeskToken);
  EXPECT_THAT(Publish(*no_certificate, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnavailable, ""));
  auto other_ca = Stub(TlsCredentials(pki_.ca, &pki_.other_client), kDeskToken);
  EXPECT_THAT(Publish(*other_ca, PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnavailable, ""));
  // Nothing was stored; a proper client still gets in.
  const CertificateFiles& gateway = pki_.clients.at("kfor-gateway");
  auto kfor = Stub(TlsCredentials(pki_.ca, &gateway));
  SITREP_ASSERT_OK_AND_ASSIGN(v1::PublishResponse published,
                              Publish(*kfor, PatrolUpdate(v1::MISSION_KFOR)));
  EXPECT_EQ(published.sequence(), 1u);
}

TEST_F(TlsTest, RenewedCertificateIsServedWithoutDroppingOpenStreams) {
  // sitrepd reads its certificate from paths the test then overwrites.
  const std::string cert = dir_.path() + "/live.crt";
  const std::string key = dir_.path() + "/live.key";
  auto copy = [](const std::string& from, const std::string& to) {
    const std::string temp = to + ".tmp";
    std::ofstream(temp) << ReadOrFail(from);
    ASSERT_EQ(std::rename(temp.c_str(), to.c_str()), 0) << to;
  };
  copy(pki_.server.cert_file, cert);
  copy(pki_.server.key_file, key);
  server_ = std::make_unique<TestServer>([&](ServerConfig& c) {
    c.tls.cert_file = cert;
    c.tls.key_file = key;
    c.tls.reload_interval = absl::Seconds(1);
    c.auth_file = policy_;
  });
  auto old_client = Stub(TlsCredentials(pki_.ca), kDeskToken);
  v1::SubscribeRequest request;
  request.set_from_now(true);
  StreamReader reader(*old_client, request, absl::Seconds(60), kDeskToken);
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp).has_value());

  // A new CA and server certificate replace the files.
  TempDir renewed_dir;
  absl::StatusOr<TestCertificates> renewed =
      MakeTestCertificates(renewed_dir.path());
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  copy(renewed->server.key_file, key);
  copy(renewed->server.cert_file, cert);

  // New connections get the renewed certificate once sitrepd has re-read
  // the files (every second here); try until they do.
  std::unique_ptr<v1::SituationFeed::Stub> new_client;
  absl::StatusOr<v1::PublishResponse> published =
      absl::UnavailableError("not tried");
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (!published.ok() && absl::Now() < give_up) {
    new_client = Stub(TlsCredentials(renewed->ca), kDeskToken);
    published = Publish(*new_client, PatrolUpdate(v1::MISSION_KOSOVO_POLICE));
    if (!published.ok()) {
      ASSERT_EQ(published.status().code(), absl::StatusCode::kUnavailable)
          << published.status();
    }
  }
  ASSERT_TRUE(published.ok()) << published.status();

  // The stream opened under the old certificate is still there and gets it.
  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].sequence(), published->sequence());
}

}  // namespace
}  // namespace sitrep::testing
