// The real sitrepd binary's security behaviour: it refuses unsafe listeners
// at start, writes audit lines without tokens, reloads the access policy on
// SIGHUP, and makes tokens and their hashes.
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "sitrep_desk-token-that-must-not-leak";
constexpr char kRotated[] = "sitrep_rotated-token-0123456789";

void WritePolicy(const std::string& path, const std::string& token) {
  AccessPolicyBuilder()
      .Principal("kp-desk").Token(token).Publish({"KOSOVO_POLICE"}).Read({"*"})
      .WriteTo(path);
}

// Runs sitrepd with `flags` until it exits; returns its exit code.
int RunToExit(Subprocess& process) {
  const ExitStatus status = process.Wait(absl::Seconds(30));
  return status.exited() ? status.code() : -1;
}

TEST(SitrepdSecurityTest, RefusesANonLoopbackListenerWithoutTlsOrPolicy) {
  TempDir dir;
  {
    // Every problem of every exposed listener at once: no fix-one-retry
    // round per problem.
    Subprocess sitrepd({SITREPD_PATH, "--listen=0.0.0.0:0",
                        "--http_address=0.0.0.0:0",
                        "--data_dir=" + dir.path() + "/a"});
    EXPECT_EQ(RunToExit(sitrepd), 2);
    const std::string fixes =
        "is not a loopback address; give --tls_cert and --tls_key, or "
        "--plaintext to serve unencrypted behind a TLS-terminating proxy; "
        "and give --auth_file";
    EXPECT_THAT(sitrepd.stderr_text(),
                HasSubstr(absl::StrCat("--listen: 0.0.0.0:0 ", fixes)));
    EXPECT_THAT(sitrepd.stderr_text(),
                HasSubstr(absl::StrCat("--http_address: 0.0.0.0:0 ", fixes)));
  }
  {
    Subprocess sitrepd({SITREPD_PATH, "--listen=0.0.0.0:0", "--plaintext",
                        "--data_dir=" + dir.path() + "/b"});
    EXPECT_EQ(RunToExit(sitrepd), 2);
    EXPECT_THAT(sitrepd.stderr_text(), HasSubstr("give --auth_file"));
  }
  {
    Subprocess sitrepd({SITREPD_PATH, "--tls_cert=" + dir.path() + "/none.crt",
                        "--data_dir=" + dir.path() + "/c"});
    EXPECT_EQ(RunToExit(sitrepd), 2);
    EXPECT_THAT(sitrepd.stderr_text(), HasSubstr("--tls_cert, --tls_key"));
  }
  {
    // Every listener on a free port: the default ones may be a running
    // `make run`'s, which the start checks before the certificate.
    Subprocess sitrepd({SITREPD_PATH, "--listen=127.0.0.1:0",
                        "--metrics_address=127.0.0.1:0",
                        "--http_address=127.0.0.1:0",
                        "--tls_cert=" + dir.path() + "/none.crt",
                        "--tls_key=" + dir.path() + "/none.key",
                        "--data_dir=" + dir.path() + "/d"});
    EXPECT_NE(RunToExit(sitrepd), 0);
    EXPECT_THAT(sitrepd.stderr_text(), HasSubstr("--tls_cert: cannot read"));
  }
}

// L-2: plaintext HTTP beyond loopback is allowed (--plaintext, behind a
// TLS-terminating proxy) but warned about at start. The wildcard listener
// lives only until the warning is read; the test sends it nothing.
TEST(SitrepdSecurityTest, WarnsOfPlaintextHttpBeyondLoopback) {
  TempDir dir;
  const std::string policy = dir.path() + "/policy.json";
  WritePolicy(policy, kToken);
  auto run = [&](const std::string& http_address) {
    Subprocess sitrepd({SITREPD_PATH, "--listen=127.0.0.1:0", "--plaintext",
                        "--auth_file=" + policy,
                        "--data_dir=" + dir.path() + "/data", "--fsync=off",
                        "--metrics_address=127.0.0.1:0",
                        "--http_address=" + http_address,
                        "--shutdown_drain=0s"});
    EXPECT_TRUE(sitrepd.WaitForStderr("serving address="))
        << sitrepd.stderr_text();
    sitrepd.Signal(SIGTERM);
    EXPECT_EQ(RunToExit(sitrepd), 0) << sitrepd.stderr_text();
    return sitrepd.stderr_text();
  };
  constexpr char kWarning[] =
      "serving PLAINTEXT HTTP on a non-loopback address (--http_address)";
  EXPECT_THAT(run("0.0.0.0:0"), HasSubstr(kWarning));
  EXPECT_THAT(run("127.0.0.1:0"), Not(HasSubstr(kWarning)));
}

class RunningSitrepd : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = dir_.path() + "/policy.json";
    WritePolicy(policy_, kToken);
    const std::string port_file = dir_.path() + "/port";
    process_ = std::make_unique<Subprocess>(std::vector<std::string>{
        SITREPD_PATH, "--listen=127.0.0.1:0", "--port_file=" + port_file,
        "--data_dir=" + dir_.path() + "/data", "--fsync=off",
        "--auth_file=" + policy_, "--log_format=json",
        // Tests run in parallel: no fixed metrics port.
        "--metrics_address=127.0.0.1:0", "--http_address=",
        "--shutdown_drain=0s"});
    ASSERT_TRUE(process_->WaitForStderr("serving")) << process_->stderr_text();
    std::ifstream in(port_file);
    std::string text;
    std::getline(in, text);
    int port = 0;
    ASSERT_TRUE(absl::SimpleAtoi(text, &port)) << text;
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  std::unique_ptr<v1::SituationFeed::Stub> Stub(const std::string& token) {
    return NewTokenStub(address_, token);
  }

  TempDir dir_;
  std::string policy_;
  std::string address_;
  std::unique_ptr<Subprocess> process_;
};

TEST_F(RunningSitrepd, AuditLinesNameRpcPeerAndReasonButNeverTheToken) {
  // A token one character off: close to the real one, and refused.
  const std::string wrong = std::string(kToken) + "x";
  EXPECT_THAT(Publish(*Stub(wrong), PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnauthenticated, ""));
  ASSERT_TRUE(process_->WaitForStderr("authentication refused"));
  EXPECT_THAT(Publish(*Stub(kToken), PatrolUpdate(v1::MISSION_KFOR)),
              StatusIs(absl::StatusCode::kPermissionDenied, ""));
  ASSERT_TRUE(process_->WaitForStderr("authorization refused"));

  const std::string& log = process_->stderr_text();
  EXPECT_THAT(log, HasSubstr(R"("component":"audit")"));
  EXPECT_THAT(log, HasSubstr(R"("rpc":"Publish")"));
  EXPECT_THAT(log, HasSubstr(R"("principal":"kp-desk")"));
  EXPECT_THAT(log, HasSubstr(R"("peer":"ipv4:127.0.0.1:)"));
  EXPECT_THAT(log, HasSubstr("unknown or revoked token"));
  EXPECT_THAT(log, HasSubstr("may not publish as MISSION_KFOR"));
  EXPECT_THAT(log, Not(HasSubstr("desk-token-that-must-not-leak")));
}

// --log_format=json: every line is one JSON object with time, level,
// component and msg; at info level no update body reaches the log.
TEST_F(RunningSitrepd, JsonLogLinesCarryNoTokensAndNoUpdateBodies) {
  v1::SituationUpdate update = PatrolUpdate(v1::MISSION_KOSOVO_POLICE);
  update.set_headline("Crowd of 200 gathering at the Ibar bridge north end");
  update.set_description("Water cannon requested from the second responder");
  SITREP_ASSERT_OK(Publish(*Stub(kToken), update).status());
  EXPECT_THAT(Publish(*Stub("sitrep_not-a-token"), update),
              StatusIs(absl::StatusCode::kUnauthenticated, ""));
  ASSERT_TRUE(process_->WaitForStderr("authentication refused"));
  process_->Signal(SIGTERM);
  ASSERT_EQ(RunToExit(*process_), 0);

  const std::string log = process_->stderr_text();
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    ++lines;
    google::protobuf::Struct object;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                    std::string(line), &object)
                    .ok())
        << "not a JSON object: " << line;
    for (const char* key : {"time", "level", "component", "msg"}) {
      EXPECT_TRUE(object.fields().contains(key)) << key << " missing: " << line;
    }
  }
  EXPECT_GE(lines, 3) << log;  // serving, the refusal, the shutdown
  EXPECT_THAT(log, Not(HasSubstr("Ibar bridge")));
  EXPECT_THAT(log, Not(HasSubstr("Water cannon")));
  EXPECT_THAT(log, Not(HasSubstr("not-a-token")));
  EXPECT_THAT(log, Not(HasSubstr("desk-token-that-must-not-leak")));
}

TEST_F(RunningSitrepd, SighupReloadsThePolicy) {
  SITREP_ASSERT_OK(
      Publish(*Stub(kToken), PatrolUpdate(v1::MISSION_KOSOVO_POLICE))
          .status());
  WritePolicy(policy_, kRotated);
  process_->Signal(SIGHUP);
  ASSERT_TRUE(process_->WaitForStderr("access policy reloaded"))
      << process_->stderr_text();
  EXPECT_THAT(Publish(*Stub(kToken), PatrolUpdate(v1::MISSION_KOSOVO_POLICE)),
              StatusIs(absl::StatusCode::kUnauthenticated, "revoked"));
  SITREP_EXPECT_OK(
      Publish(*Stub(kRotated), PatrolUpdate(v1::MISSION_KOSOVO_POLICE))
          .status());

  // A broken policy keeps the previous one.
  std::ofstream(policy_) << "{";
  process_->Signal(SIGHUP);
  ASSERT_TRUE(process_->WaitForStderr("access policy not reloaded"));
  SITREP_EXPECT_OK(
      Publish(*Stub(kRotated), PatrolUpdate(v1::MISSION_KOSOVO_POLICE))
          .status());
  process_->Signal(SIGTERM);
  EXPECT_EQ(RunToExit(*process_), 0);
}

TEST(SitrepdTokensTest, NewTokenAndHashToken) {
  Subprocess new_token({SITREPD_PATH, "new-token"});
  ASSERT_EQ(RunToExit(new_token), 0);
  const std::string token(
      absl::StripAsciiWhitespace(new_token.stdout_text()));
  EXPECT_EQ(token.rfind("sitrep_", 0), 0u) << token;
  EXPECT_THAT(new_token.stderr_text(),
              HasSubstr("tokenSha256: " + HashToken(token)));

  Subprocess hash({"/bin/sh", "-c",
                   absl::StrCat("echo '", token, "' | ", SITREPD_PATH,
                                " hash-token")});
  ASSERT_EQ(RunToExit(hash), 0);
  EXPECT_EQ(absl::StripAsciiWhitespace(hash.stdout_text()), HashToken(token));

  Subprocess empty({"/bin/sh", "-c",
                    absl::StrCat(SITREPD_PATH, " hash-token < /dev/null")});
  EXPECT_EQ(RunToExit(empty), 2);
}

// Issue 17, I-5: --out writes the token to a new file only its owner may
// read, and will not overwrite one.
TEST(SitrepdTokensTest, NewTokenOutWritesAnOwnerOnlyFile) {
  TempDir dir;
  const std::string path = dir.path() + "/kp.token";
  Subprocess new_token({SITREPD_PATH, "new-token", "--out", path});
  ASSERT_EQ(RunToExit(new_token), 0) << new_token.stderr_text();
  EXPECT_EQ(new_token.stdout_text(), "");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token;
  std::getline(std::ifstream(path), token);
  EXPECT_EQ(token.rfind("sitrep_", 0), 0u) << token;
  EXPECT_THAT(new_token.stderr_text(),
              HasSubstr("tokenSha256: " + HashToken(token)));

  Subprocess again({SITREPD_PATH, "new-token", absl::StrCat("--out=", path)});
  EXPECT_EQ(RunToExit(again), 1);
  EXPECT_THAT(again.stderr_text(), HasSubstr("already exists"));
  std::string kept;
  std::getline(std::ifstream(path), kept);
  EXPECT_EQ(kept, token);
}

}  // namespace
}  // namespace sitrep::testing
