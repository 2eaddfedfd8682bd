// `sitrep check`, the monitoring plugin: the real binary against a real
// sitrepd (free port, own data dir), each plugin exit code in the scenario
// that should produce it — 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN — and the
// one-line output with its perfdata. NOT_SERVING, which a real sitrepd only
// reports while it shuts down, comes from an in-process health service.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/cli/sitrepd_process.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::AccessPolicyBuilder;
using ::sitrep::testing::Lines;
using ::sitrep::testing::Run;
using ::sitrep::testing::RunResult;
using ::sitrep::testing::TempDir;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int kOk = 0;
constexpr int kWarning = 1;
constexpr int kCritical = 2;
constexpr int kUnknown = 3;

// One line, "SITREP <STATE> - <text>", perfdata optional.
void ExpectPluginLine(const RunResult& r, const std::string& state) {
  EXPECT_THAT(r.out, StartsWith(absl::StrCat("SITREP ", state, " - "))) << r.out << r.err;
  EXPECT_EQ(Lines(r.out).size(), 1u) << r.out;
  EXPECT_EQ(r.out.back(), '\n');
}

RunResult RunSitrep(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), SITREP_BIN);
  env.push_back("NO_COLOR=1");
  return Run(args, "", env, absl::Seconds(120));
}

class CheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Sitrepd>(SITREPD_BIN, dir_.path() + "/data", dir_.path());
    ASSERT_NO_FATAL_FAILURE(server_->Start());
  }

  RunResult Sitrep(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.push_back("--server=" + server_->address());
    return RunSitrep(std::move(args), std::move(env));
  }

  RunResult Check(std::vector<std::string> flags, std::vector<std::string> env = {}) {
    flags.insert(flags.begin(), "check");
    return Sitrep(std::move(flags), std::move(env));
  }

  void Publish(const std::string& mission, const std::string& severity,
               const std::string& incident = "", std::vector<std::string> extra = {},
               std::vector<std::string> env = {}) {
    std::vector<std::string> args = {"publish",    "--mission",  mission,     "--severity",
                                     severity,     "--category", "public-order",
                                     "--municipality", "Zveçan", "--headline",
                                     "Crowd at the bridge"};
    if (!incident.empty()) args.insert(args.end(), {"--incident", incident, "--kind", "new"});
    // Only the Kosovo Police opens incidents (the chain's rules): the others
    // do it here as an exception.
    if (!incident.empty() && mission != "kosovo-police") {
      args.insert(args.end(), {"--chain-exception", "test incident"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Sitrep(args, std::move(env));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  TempDir dir_;
  std::unique_ptr<Sitrepd> server_;
};

TEST_F(CheckTest, ServerHealthAloneIsOkWithTheRoundTripAsPerfdata) {
  RunResult r = Check({});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;
  ExpectPluginLine(r, "OK");
  EXPECT_THAT(r.out, MatchesRegex(absl::StrCat(
                         "SITREP OK - sitrepd at ", server_->address(),
                         ": SERVING \\| 'time'=[0-9.]+s;;;0\n")));
}

TEST_F(CheckTest, FreshFeedIsOkWithItsAgeAndThresholdsInSeconds) {
  Publish("kfor", "minor");
  RunResult r = Check({"--mission", "kfor", "--stale-warning", "15m", "--stale-critical", "1h"});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;
  ExpectPluginLine(r, "OK");
  EXPECT_THAT(r.out, HasSubstr("kfor: last update "));
  EXPECT_THAT(r.out, HasSubstr(" ago (#1)"));
  EXPECT_THAT(r.out, ContainsRegex("'last_update_age_kfor'=[0-9.]+s;900;3600;0( |\n)"));
}

TEST_F(CheckTest, StaleFeedIsWarningThenCriticalByTheThresholds) {
  Publish("kfor", "minor");
  // The age is measured from the server's received_at: by the time a new
  // `sitrep` process has started and asked, more than a millisecond has
  // passed, so thresholds of 1 ms and 2 ms are exceeded without waiting.
  RunResult r =
      Check({"--mission", "kfor", "--stale-warning", "1ms", "--stale-critical", "1h"});
  EXPECT_EQ(r.exit_code, kWarning) << r.out << r.err;
  ExpectPluginLine(r, "WARNING");
  EXPECT_THAT(r.out, ContainsRegex("kfor: last update [0-9a-z.]+ ago \\(#1\\) \\(> 1ms\\)"));
  EXPECT_THAT(r.out, ContainsRegex("'last_update_age_kfor'=[0-9.]+s;0.001;3600;0"));

  r = Check({"--mission", "kfor", "--stale-warning", "1ms", "--stale-critical", "2ms"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  ExpectPluginLine(r, "CRITICAL");
  EXPECT_THAT(r.out, HasSubstr("(> 2ms)"));
}

TEST_F(CheckTest, MissionWithoutAnyUpdateIsCriticalAndListedFirst) {
  Publish("kfor", "minor");
  RunResult r = Check({"--mission", "kfor,eulex", "--stale-warning", "15m"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  ExpectPluginLine(r, "CRITICAL");
  // The problem comes first: monitoring UIs often show only the start.
  EXPECT_THAT(r.out, StartsWith("SITREP CRITICAL - eulex: no update stored; "));
  EXPECT_THAT(r.out, HasSubstr("kfor: last update "));
  EXPECT_THAT(r.out, HasSubstr("'last_update_age_eulex'=U;900;;0"));
  EXPECT_THAT(r.out, ContainsRegex("'last_update_age_kfor'=[0-9.]+s;900;;0"));
}

TEST_F(CheckTest, ExpiredUpdatesMadeByTheServerDoNotCountAsFresh) {
  Publish("eulex", "moderate", "eulex-1", {"--expires-in", "1s"});
  // Waits for the server's EXPIRED update (#2) as an event, not by sleeping.
  RunResult r = Sitrep({"subscribe", "--from-beginning", "--kind", "expired", "--count", "1",
                        "-o", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_THAT(r.out, HasSubstr("\"sequence\":\"2\""));

  r = Check({"--mission", "eulex", "--stale-critical", "1h"});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("eulex: last update "));
  EXPECT_THAT(r.out, HasSubstr("(#1)"));  // the publisher's, not #2
}

TEST_F(CheckTest, OpenSevereIncidentsAreCountedAgainstTheThresholds) {
  Publish("kfor", "severe", "kfor-1");
  Publish("kfor", "extreme", "kfor-2");
  Publish("kfor", "minor", "kfor-3");          // below SEVERE: not counted
  Publish("kosovo-police", "severe", "kp-1");
  Publish("kfor", "severe");                   // no incident: not an open incident

  RunResult r = Check({"--max-severe-warning", "3", "--max-severe-critical", "5"});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;
  ExpectPluginLine(r, "OK");
  EXPECT_THAT(r.out, HasSubstr("3 severe/extreme incidents open"));
  EXPECT_THAT(r.out, HasSubstr("'severe_incidents'=3;3;5;0"));

  r = Check({"--max-severe-warning", "2", "--max-severe-critical", "5"});
  EXPECT_EQ(r.exit_code, kWarning) << r.out << r.err;
  ExpectPluginLine(r, "WARNING");
  EXPECT_THAT(r.out, HasSubstr("3 severe/extreme incidents open (> 2)"));

  r = Check({"--max-severe-warning", "1", "--max-severe-critical", "2"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  ExpectPluginLine(r, "CRITICAL");
  EXPECT_THAT(r.out, HasSubstr("(> 2)"));

  // --mission narrows the count to those missions' incidents.
  r = Check({"--mission", "kfor", "--max-severe-critical", "1"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 severe/extreme incidents open (kfor) (> 1)"));
  r = Check({"--mission", "kp", "--max-severe-critical", "1"});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 severe/extreme incident open (kosovo-police)"));
}

// Issue 22: an exercise never counts as a real incident, neither in the
// check nor in the situation, unless asked for; it is shown as one.
TEST_F(CheckTest, ExercisesCountOnlyWhenAskedFor) {
  Publish("kosovo-police", "severe", "kp-1");
  RunResult published = Sitrep({"publish", "--mission", "kp", "--severity", "extreme",
                                 "--category", "civil-disturbance", "--status", "exercise",
                                 "--incident", "ex-1", "--kind", "new", "--headline",
                                 "EXERCISE: simulated riot"});
  ASSERT_EQ(published.exit_code, 0) << published.err;

  RunResult r = Check({"--max-severe-critical", "1"});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 severe/extreme incident open"));

  r = Check({"--max-severe-critical", "1", "--include-exercises"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("2 severe/extreme incidents open (> 1)"));

  r = Sitrep({"situation", "--min-severity", "severe"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("simulated riot")));
  EXPECT_THAT(r.out, HasSubstr("kp-1"));

  r = Sitrep({"situation", "--min-severity", "severe", "--status", "exercise", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[EXERCISE] EXERCISE: simulated riot"));
  EXPECT_THAT(r.out, Not(HasSubstr("kp-1")));

  // History carries every status, the exercise marked as one.
  r = Sitrep({"history", "--incident", "ex-1", "-o", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[EXERCISE] EXERCISE: simulated riot"));
}

TEST_F(CheckTest, ChecksCombineAndTheWorstStateWins) {
  Publish("kfor", "severe", "kfor-1");
  RunResult r = Check({"--mission", "kfor", "--stale-warning", "1ms", "--stale-critical", "1h",
                       "--max-severe-warning", "5", "--max-severe-critical", "10"});
  EXPECT_EQ(r.exit_code, kWarning) << r.out << r.err;
  EXPECT_THAT(r.out, StartsWith("SITREP WARNING - kfor: last update "));
  EXPECT_THAT(r.out, HasSubstr("; sitrepd at "));
  EXPECT_THAT(r.out, HasSubstr("; 1 severe/extreme incident open (kfor)"));
  EXPECT_THAT(r.out, ContainsRegex("\\| 'time'=[0-9.]+s;;;0 'last_update_age_kfor'=[0-9.]+s;"
                                   "0.001;3600;0 'severe_incidents'=1;5;10;0\n$"));
}

TEST_F(CheckTest, UnknownHealthServiceIsCritical) {
  RunResult r = Check({"--service", "no.such.Service"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  ExpectPluginLine(r, "CRITICAL");
  EXPECT_THAT(r.out, HasSubstr("service no.such.Service at "));
  EXPECT_THAT(r.out, HasSubstr("unknown to the server"));
}

TEST_F(CheckTest, UnreachableServerIsCritical) {
  const std::string address = server_->address();
  server_->Stop();
  RunResult r = RunSitrep({"check", "--server", address, "--mission", "kfor",
                           "--stale-critical", "1h"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  ExpectPluginLine(r, "CRITICAL");
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("sitrepd at ", address, ": UNAVAILABLE")));
  // Nothing else was attempted, so there is nothing to graph.
  EXPECT_THAT(r.out, Not(HasSubstr("|")));
}

// --metrics of a sitrepd that is no --store=jetstream replica (this one:
// SQLite): there is no replica lag to judge, a configuration mistake.
// (Replicas behind the stream: tests/nats/jetstream_replica_lag_test.cc.)
TEST_F(CheckTest, ReplicaLagOfAServerWithoutReplicasIsUnknown) {
  RunResult r = Check({"--metrics", absl::StrCat("127.0.0.1:", server_->metrics_port()),
                       "--replica-lag-critical", "0"});
  EXPECT_EQ(r.exit_code, kUnknown) << r.out << r.err;
  ExpectPluginLine(r, "UNKNOWN");
  EXPECT_THAT(r.out, HasSubstr("no replica metrics at 127.0.0.1:"));
}

// The server with an access policy: health needs no credentials, reading
// does. Credentials the server refuses make the check impossible as
// configured: UNKNOWN, not a verdict about the feed.
TEST(CheckAuthTest, RefusedCredentialsAreUnknown) {
  TempDir dir;
  const std::string token = "monitor-0123456789abcdef0123456789";
  RunResult hash = testing::Run({SITREPD_BIN, "hash-token"}, token);
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  const std::string policy = dir.path() + "/policy.json";
  ASSERT_FALSE(Lines(hash.out).empty());
  AccessPolicyBuilder()
      .Principal("monitor").TokenSha256(Lines(hash.out)[0]).Publish({"KFOR"}).Read({"KFOR"})
      .WriteTo(policy);
  Sitrepd server(SITREPD_BIN, dir.path() + "/data", dir.path());
  ASSERT_NO_FATAL_FAILURE(server.Start(0, {"--auth_file=" + policy}));
  const std::string at = "--server=" + server.address();
  const std::string good = "SITREP_TOKEN=" + token;

  RunResult r = RunSitrep({"publish", at, "--mission", "kfor", "--severity", "minor",
                           "--category", "patrol", "--headline", "Patrol at Jarinje"},
                          {good});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunSitrep({"check", at, "--mission", "kfor", "--stale-critical", "1h"}, {good});
  EXPECT_EQ(r.exit_code, kOk) << r.out << r.err;

  // A mission the token may not read: PERMISSION_DENIED.
  r = RunSitrep({"check", at, "--mission", "eulex", "--stale-critical", "1h"}, {good});
  EXPECT_EQ(r.exit_code, kUnknown) << r.out << r.err;
  ExpectPluginLine(r, "UNKNOWN");
  EXPECT_THAT(r.out, HasSubstr("eulex: cannot read updates: PERMISSION_DENIED"));

  // A token the server does not know: UNAUTHENTICATED, and never printed.
  r = RunSitrep({"check", at, "--mission", "kfor", "--stale-critical", "1h"},
                {"SITREP_TOKEN=not-the-monitor-token-at-all"});
  EXPECT_EQ(r.exit_code, kUnknown) << r.out << r.err;
  ExpectPluginLine(r, "UNKNOWN");
  EXPECT_THAT(r.out, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(r.out + r.err, Not(HasSubstr("not-the-monitor-token-at-all")));
}

// A health service that answers NOT_SERVING (what sitrepd says while it
// shuts down, too briefly to test against the real server).
TEST(CheckNotServingTest, NotServingIsCritical) {
  grpc::EnableDefaultHealthCheckService(true);
  sitrep::v1::SituationFeed::Service unimplemented;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&unimplemented);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);
  server->GetHealthCheckService()->SetServingStatus(false);

  RunResult r = RunSitrep({"check", "--server", absl::StrCat("127.0.0.1:", port),
                           "--max-severe-critical", "0"});
  EXPECT_EQ(r.exit_code, kCritical) << r.out << r.err;
  ExpectPluginLine(r, "CRITICAL");
  EXPECT_THAT(r.out, HasSubstr(": NOT_SERVING"));
  // The incident count was not asked for (the server said it does not serve).
  EXPECT_THAT(r.out, Not(HasSubstr("severe_incidents")));
  server->Shutdown();
}

// Bad usage never reaches a server: UNKNOWN, in the plugin's format on
// stdout (what the monitoring system shows), one line.
TEST(CheckUsageTest, BadUsageIsUnknown) {
  const std::vector<std::vector<std::string>> cases = {
      {"--no-such-flag"},
      {"--stale-warning", "15m"},                                           // which mission?
      {"--mission", "kfor"},                                                // nothing to check
      {"--mission", "kfor", "--stale-warning", "2h", "--stale-critical", "1h"},  // inverted
      {"--mission", "kfor", "--stale-warning", "soon"},
      {"--mission", "nato", "--stale-warning", "15m"},
      {"--max-severe-warning", "-1"},
      {"--max-severe-warning", "5", "--max-severe-critical", "2"},
      {"--max-severe-warning", "many"},
      {"--timeout", "0s"},
      {"--replica-lag-critical", "5"},                                      // of which replica?
      {"--metrics", "127.0.0.1", "--replica-lag-critical", "5"},            // no port
      {"--metrics", "127.0.0.1:1", "--replica-stalled-warning", "soon"},
  };
  for (std::vector<std::string> args : cases) {
    SCOPED_TRACE(args[0] + (args.size() > 1 ? " " + args[1] : ""));
    args.insert(args.begin(), "check");
    // A closed port: had anything been sent, the result would be CRITICAL.
    args.push_back("--server=127.0.0.1:1");
    RunResult r = RunSitrep(args);
    EXPECT_EQ(r.exit_code, kUnknown) << r.out << r.err;
    ExpectPluginLine(r, "UNKNOWN");
    EXPECT_THAT(r.out, HasSubstr("usage: "));
  }
  // The other commands keep the CLI's own usage code.
  EXPECT_EQ(RunSitrep({"health", "--no-such-flag"}).exit_code, 2);
}

}  // namespace
}  // namespace sitrep::cli_testing
