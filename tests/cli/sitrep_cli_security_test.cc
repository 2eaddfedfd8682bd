// The real `sitrep` binary against a real sitrepd serving TLS (and mTLS)
// with an access policy: the CLI publishes with a bearer token over a
// CA-verified connection, tails with a client certificate, and refused
// credentials give their documented exit codes without ever printing the
// token. Certificates are made per run (tests/support/test_certificates.h);
// token hashes come from `sitrepd hash-token`, as an operator makes them.
//
// Server flags used: --tls_cert, --tls_key, --tls_client_ca, --auth_file,
// plus --listen / --port_file / --data_dir / --fsync (Sitrepd helper).
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_update.pb.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::AccessPolicyBuilder;
using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;
using sitrep::testing::CertificateFiles;
using sitrep::testing::TestCertificates;

// The documented exit codes (docs/cli.md).
constexpr int kExitUnavailable = 3;
constexpr int kExitUnauthenticated = 6;
constexpr int kExitPermissionDenied = 7;

constexpr char kKpToken[] = "kp-ops-token-5f2c9a0d7e4b41c8a3f6";
constexpr char kWrongToken[] = "kp-ops-token-0000000000000000WRONG";

// SHA-256 hex of `token`, by sitrepd itself.
std::string HashToken(const std::string& token) {
  RunResult r = testing::Run({SITREPD_BIN, "hash-token"}, token + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::string(absl::StripAsciiWhitespace(r.out));
}

std::vector<sitrep::v1::SituationUpdate> ParseUpdates(const std::string& jsonl) {
  std::vector<sitrep::v1::SituationUpdate> updates;
  for (const std::string& line : Lines(jsonl)) {
    sitrep::v1::SituationUpdate update;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &update).ok()) << line;
    updates.push_back(update);
  }
  return updates;
}

std::vector<std::string> PublishKp(const std::string& headline) {
  return {"publish",    "--mission",  "kp",           "--severity", "moderate",
          "--category", "patrol",     "--municipality", "Zveçan",  "--headline",
          headline};
}

class SitrepCliSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new testing::TempDir;
    absl::StatusOr<TestCertificates> pki = sitrep::testing::MakeTestCertificates(
        pki_dir_->path(), {{"kp-gateway", "kp-gateway.example"}});
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestCertificates(*std::move(pki));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete pki_dir_;
  }

  // sitrepd with TLS and the policy; mTLS (client certificates required and
  // verified against the test CA) when `mutual`.
  void Serve(bool mutual) {
    const std::string policy = dir_.path() + "/policy.json";
    AccessPolicyBuilder()
        .Principal("kp-ops").TokenSha256(HashToken(kKpToken)).Publish({"KOSOVO_POLICE"})
            .Read({"*"})
        .Principal("kp-gateway").ClientCert("kp-gateway").Publish({"KOSOVO_POLICE"}).Read({"*"})
        .WriteTo(policy);
    std::vector<std::string> flags = {"--tls_cert=" + pki_->server.cert_file,
                                      "--tls_key=" + pki_->server.key_file,
                                      "--auth_file=" + policy};
    if (mutual) flags.push_back("--tls_client_ca=" + pki_->ca.cert_file);
    server_ = std::make_unique<Sitrepd>(SITREPD_BIN, dir_.path() + "/data", dir_.path());
    ASSERT_NO_FATAL_FAILURE(server_->Start(0, flags));
  }

  // sitrep with `args` against the server; nothing from the test's
  // environment (SITREP_TOKEN, SITREP_TLS_CA) leaks in.
  RunResult Sitrep(std::vector<std::string> args) {
    args.insert(args.begin(), SITREP_BIN);
    args.push_back("--server=" + server_->address());
    return testing::Run(args, "",
                        {"NO_COLOR=1", "SITREP_TOKEN=", "SITREP_TLS_CA=",
                         testing::FullStacksForLeakChecks()},
                        absl::Seconds(120));
  }

  static std::vector<std::string> With(std::vector<std::string> args,
                                       const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  std::vector<std::string> CaAndToken(const std::string& token) const {
    return {"--tls_ca", pki_->ca.cert_file, "--token", token};
  }
  std::vector<std::string> CaAndCertificate(const CertificateFiles& client) const {
    return {"--tls_ca", pki_->ca.cert_file, "--tls_cert", client.cert_file, "--tls_key",
            client.key_file};
  }

  static testing::TempDir* pki_dir_;
  static TestCertificates* pki_;
  testing::TempDir dir_;
  std::unique_ptr<Sitrepd> server_;
};
testing::TempDir* SitrepCliSecurityTest::pki_dir_ = nullptr;
TestCertificates* SitrepCliSecurityTest::pki_ = nullptr;

TEST_F(SitrepCliSecurityTest, PublishesWithATokenOverCaVerifiedTls) {
  ASSERT_NO_FATAL_FAILURE(Serve(/*mutual=*/false));
  RunResult r = Sitrep(With({"health"}, CaAndToken(kKpToken)));
  EXPECT_EQ(r.exit_code, 0) << r.err << server_->Log();
  EXPECT_EQ(r.out, "SERVING\n");

  r = Sitrep(With(PublishKp("Road blocked at Rudare"), CaAndToken(kKpToken)));
  ASSERT_EQ(r.exit_code, 0) << r.err << server_->Log();
  EXPECT_THAT(r.out, HasSubstr("#1 published"));
  EXPECT_EQ(r.err, "");

  // Read back with the same token: the server stamped the principal.
  r = Sitrep(With({"tail", "--from-beginning", "--count", "1", "-o", "jsonl"},
                  CaAndToken(kKpToken)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<sitrep::v1::SituationUpdate> updates = ParseUpdates(r.out);
  ASSERT_EQ(updates.size(), 1u) << r.out;
  EXPECT_EQ(updates[0].headline(), "Road blocked at Rudare");
  EXPECT_EQ(updates[0].publisher(), "kp-ops");

  // The token from the environment works the same.
  std::vector<std::string> args = PublishKp("Road reopened at Rudare");
  args.insert(args.begin(), SITREP_BIN);
  args.push_back("--server=" + server_->address());
  r = testing::Run(args, "",
          {"NO_COLOR=1", absl::StrCat("SITREP_TOKEN=", kKpToken),
           "SITREP_TLS_CA=" + pki_->ca.cert_file,
           testing::FullStacksForLeakChecks()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("#2 published"));
}

TEST_F(SitrepCliSecurityTest, WrongTokenIsUnauthenticatedAndNeverPrinted) {
  ASSERT_NO_FATAL_FAILURE(Serve(/*mutual=*/false));
  for (const std::vector<std::string>& command :
       {PublishKp("x"), std::vector<std::string>{"tail", "--from-beginning"},
        std::vector<std::string>{"history"}, std::vector<std::string>{"situation"}}) {
    SCOPED_TRACE(command[0]);
    RunResult r = Sitrep(With(command, CaAndToken(kWrongToken)));
    EXPECT_EQ(r.exit_code, kExitUnauthenticated) << r.err;
    EXPECT_THAT(r.err, HasSubstr("the server refused the credentials (UNAUTHENTICATED)"));
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(kWrongToken)));
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(kKpToken)));
  }
  // Neither does the server's log.
  EXPECT_THAT(server_->Log(), Not(HasSubstr(kWrongToken)));

  // No credentials at all.
  RunResult r = Sitrep(With(PublishKp("x"), {"--tls_ca", pki_->ca.cert_file}));
  EXPECT_EQ(r.exit_code, kExitUnauthenticated) << r.err;
}

TEST_F(SitrepCliSecurityTest, PublishingForAnotherMissionIsPermissionDenied) {
  ASSERT_NO_FATAL_FAILURE(Serve(/*mutual=*/false));
  RunResult r = Sitrep(With({"publish", "--mission", "kfor", "--severity", "minor",
                             "--category", "patrol", "--headline", "KFOR patrol"},
                            CaAndToken(kKpToken)));
  EXPECT_EQ(r.exit_code, kExitPermissionDenied) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the credentials do not allow this (PERMISSION_DENIED)"));
  EXPECT_THAT(r.err, Not(HasSubstr(kKpToken)));
}

TEST_F(SitrepCliSecurityTest, WithoutTheCaATlsServerIsUnavailable) {
  ASSERT_NO_FATAL_FAILURE(Serve(/*mutual=*/false));
  // Plaintext against TLS.
  RunResult r = Sitrep(With({"health", "--timeout", "5s"}, {"--token", kKpToken}));
  EXPECT_EQ(r.exit_code, kExitUnavailable) << r.err;
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(r.err, Not(HasSubstr(kKpToken)));
  r = Sitrep(With(PublishKp("x"), {"--token", kKpToken, "--timeout", "5s"}));
  EXPECT_EQ(r.exit_code, kExitUnavailable) << r.err;
  // TLS with the system's roots, which do not know the test CA.
  r = Sitrep(With({"health", "--tls", "--timeout", "5s"}, {"--token", kKpToken}));
  EXPECT_EQ(r.exit_code, kExitUnavailable) << r.err;
  // TLS verified with another CA.
  r = Sitrep({"health", "--tls_ca", pki_->other_ca.cert_file, "--timeout", "5s"});
  EXPECT_EQ(r.exit_code, kExitUnavailable) << r.err;
}

TEST_F(SitrepCliSecurityTest, TailsWithAClientCertificateOverMutualTls) {
  ASSERT_NO_FATAL_FAILURE(Serve(/*mutual=*/true));
  const CertificateFiles& gateway = pki_->clients.at("kp-gateway");
  RunResult r = Sitrep(With(PublishKp("Crowd at the bridge"), CaAndCertificate(gateway)));
  ASSERT_EQ(r.exit_code, 0) << r.err << server_->Log();

  r = Sitrep(With({"tail", "--from-beginning", "--count", "1", "-o", "jsonl"},
                  CaAndCertificate(gateway)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<sitrep::v1::SituationUpdate> updates = ParseUpdates(r.out);
  ASSERT_EQ(updates.size(), 1u) << r.out;
  EXPECT_EQ(updates[0].headline(), "Crowd at the bridge");
  EXPECT_EQ(updates[0].publisher(), "kp-gateway");

  // A token wins over the certificate (a gateway acting for a principal).
  r = Sitrep(With(With(PublishKp("Relayed for kp-ops"), CaAndCertificate(gateway)),
                  {"--token", kKpToken}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Sitrep(With({"history", "--desc", "--limit", "1", "-o", "jsonl"},
                  CaAndCertificate(gateway)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  updates = ParseUpdates(r.out);
  ASSERT_EQ(updates.size(), 1u) << r.out;
  EXPECT_EQ(updates[0].publisher(), "kp-ops");
}

TEST_F(SitrepCliSecurityTest, MutualTlsRefusesMissingOrForeignClientCertificates) {
  ASSERT_NO_FATAL_FAILURE(Serve(/*mutual=*/true));
  // No client certificate, even with a valid token: the handshake fails.
  RunResult r = Sitrep(With({"health", "--timeout", "5s"}, CaAndToken(kKpToken)));
  EXPECT_EQ(r.exit_code, kExitUnavailable) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--tls_cert and --tls_key"));  // the hint
  // A certificate with the right name from another CA.
  r = Sitrep(With({"health", "--timeout", "5s"}, CaAndCertificate(pki_->other_client)));
  EXPECT_EQ(r.exit_code, kExitUnavailable) << r.err;
}

}  // namespace
}  // namespace sitrep::cli_testing
