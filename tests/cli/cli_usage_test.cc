// The real `sitrep` binary without a server: bad flags and unreachable
// servers give one clear line on stderr and the documented exit code.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::Lines;
using ::sitrep::testing::Run;
using ::sitrep::testing::RunResult;
using ::sitrep::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// A loopback port nobody listens on: bound, then released.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

RunResult Sitrep(std::vector<std::string> args, const std::string& stdin_text = "",
                 std::vector<std::string> env = {}) {
  args.insert(args.begin(), SITREP_BIN);
  env.push_back("NO_COLOR=1");
  return Run(args, stdin_text, env, absl::Seconds(60));
}

TEST(CliUsageTest, HelpListsCommandsAndExitCodes) {
  RunResult r = Sitrep({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"publish", "import", "subscribe, tail", "history", "situation",
                           "health", "demo", "Exit codes:", "SITREP_SERVER"}) {
    EXPECT_THAT(r.out, HasSubstr(word));
  }
}

TEST(CliUsageTest, MissingCommandIsAUsageError) {
  RunResult r = Sitrep({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("sitrep: give a command: publish, import, subscribe, tail, "));
}

TEST(CliUsageTest, UnknownFlagIsAUsageError) {
  RunResult r = Sitrep({"tail", "--frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--frobnicate"));
}

TEST(CliUsageTest, BadEnumValueNamesTheFlagAndTheValidValues) {
  RunResult r = Sitrep({"subscribe", "--mission", "nato"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "sitrep: --mission: unknown value 'nato' (valid: kfor, eulex, kosovo-police)\n");
}

TEST(CliUsageTest, ConflictingStartPositionsAreRejected) {
  RunResult r = Sitrep({"subscribe", "--from-beginning", "--after", "3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("at most one of"));
}

TEST(CliUsageTest, PublishNeedsTheRequiredFlagsOrJson) {
  RunResult r = Sitrep({"publish", "--mission", "kfor"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--severity is required"));
  r = Sitrep({"publish", "--mission", "kp", "--severity", "minor", "--category", "crime",
              "--headline", "x", "--incident", "kp-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--incident needs --kind"));
  r = Sitrep({"publish", "-"}, "{not json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("stdin: not a JSON object"));
  r = Sitrep({"publish", "--mission", "kp", "--severity", "minor", "--category", "crime",
              "--headline", "x", "--incident", "kp-1", "--kind", "expired"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("set by the server only"));
}

TEST(CliUsageTest, BadDurationsAndFilesAreUsageErrors) {
  EXPECT_EQ(Sitrep({"history", "--timeout", "soon"}).exit_code, 2);
  EXPECT_EQ(Sitrep({"tail", "--since", "yesterday"}).exit_code, 2);
  RunResult r = Sitrep({"import", "/nonexistent/updates.jsonl"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot read /nonexistent/updates.jsonl"));
  TempDir dir;
  const std::string cursor = dir.path() + "/cursor.json";
  std::ofstream(cursor) << "garbage";
  r = Sitrep({"tail", "--cursor-file", cursor});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is not a cursor"));
}

TEST(CliUsageTest, UnreachableServerIsExitThreeNamingTheAddress) {
  const std::string server = absl::StrCat("127.0.0.1:", ClosedPort());
  const std::vector<std::vector<std::string>> commands = {
      {"health"},
      {"situation"},
      {"history"},
      {"subscribe", "--from-beginning"},
      {"publish", "--mission", "kfor", "--severity", "minor", "--category", "patrol",
       "--headline", "Patrol in Zveçan"},
  };
  for (std::vector<std::string> args : commands) {
    SCOPED_TRACE(args[0]);
    args.push_back("--server");
    args.push_back(server);
    RunResult r = Sitrep(args);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("nothing accepts connections at ", server,
                                              " (connection refused): is sitrepd running at ",
                                              server, "?")));
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  }
}

TEST(CliUsageTest, SitrepServerEnvironmentVariableChoosesTheServer) {
  const std::string server = absl::StrCat("127.0.0.1:", ClosedPort());
  RunResult r = Sitrep({"health"}, "", {"SITREP_SERVER=" + server});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr(server));
  EXPECT_THAT(r.err, Not(HasSubstr("at 127.0.0.1:50051")));
}

TEST(CliUsageTest, HelpListsTheSecurityFlagsAndTheirEnvironment) {
  RunResult r = Sitrep({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"--tls ", "--tls_ca", "--tls_cert", "--tls_key", "--tls_server_name",
                           "--token", "SITREP_TOKEN", "SITREP_TLS_CA", "UNAUTHENTICATED",
                           "PERMISSION_DENIED"}) {
    EXPECT_THAT(r.out, HasSubstr(word));
  }
}

TEST(CliUsageTest, BadSecurityFlagsAreOneLineUsageErrorsNamingTheFlag) {
  TempDir dir;
  const std::string not_pem = dir.path() + "/not.pem";
  std::ofstream(not_pem) << "hello\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"health", "--tls_ca", "/nonexistent/ca.pem"},
       "sitrep: --tls_ca: cannot read /nonexistent/ca.pem: No such file or directory\n"},
      {{"health", "--tls_ca", not_pem}, "sitrep: --tls_ca: " + not_pem + " holds no PEM certificate\n"},
      {{"tail", "--tls_cert", not_pem},
       "sitrep: --tls_cert needs --tls_key (a client certificate and its private key go "
       "together)\n"},
      {{"history", "--tls_key", not_pem},
       "sitrep: --tls_key needs --tls_cert (a client certificate and its private key go "
       "together)\n"},
      {{"situation", "--tls_cert", "/nonexistent/c.pem", "--tls_key", "/nonexistent/c.key"},
       "sitrep: --tls_cert: cannot read /nonexistent/c.pem: No such file or directory\n"},
      {{"health", "--token", ""}, "sitrep: --token: empty token\n"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    RunResult r = Sitrep(args, "", {"SITREP_TOKEN=", "SITREP_TLS_CA="});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, message);
  }
  RunResult r = Sitrep({"health"}, "", {"SITREP_TLS_CA=/nonexistent/env.pem"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--tls_ca (from SITREP_TLS_CA): cannot read /nonexistent/env.pem"));
}

TEST(CliUsageTest, TokenInPlaintextToAnotherHostIsWarnedAboutButNeverShown) {
  // 0.0.0.0 is not a loopback address to the CLI (it warns), yet Linux
  // connects it to this host: the test never leaves the machine. Nobody
  // listens there; the warning comes before the call.
  const std::string token = "kp-secret-token-123";
  const std::string server = absl::StrCat("0.0.0.0:", ClosedPort());
  RunResult r = Sitrep({"health", "--server", server, "--timeout", "300ms"}, "",
                       {"SITREP_TOKEN=" + token, "SITREP_TLS_CA="});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("sitrep: warning: the token goes to " + server + " without TLS"));
  EXPECT_THAT(r.err, Not(HasSubstr(token)));

  // Loopback: no warning.
  r = Sitrep({"health", "--server", absl::StrCat("127.0.0.1:", ClosedPort()), "--token", token},
             "", {"SITREP_TLS_CA="});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  EXPECT_THAT(r.err, Not(HasSubstr(token)));
}

}  // namespace
}  // namespace sitrep::cli_testing
