// The real `sitrep` binary against an in-process fake SituationFeed served
// over TLS (and mTLS, and plaintext on loopback) with certificates made per
// test run: the CLI verifies the server, presents its client certificate,
// and sends `authorization: Bearer <token>` on every call (health check,
// unary calls, PublishStream, Subscribe and each of its reconnects); refused
// credentials give their exit codes and the token never shows. Needs no
// sitrepd, so it checks the client side independently of the server's
// authentication (sitrep_cli_security_test does both together).
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.grpc.pb.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::Lines;
using ::sitrep::testing::RunResult;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using sitrep::testing::CertificateFiles;
using sitrep::testing::ReadFileToString;
using sitrep::testing::TestCertificates;

constexpr char kToken[] = "kp-0123456789abcdef-Token";
constexpr int kExitUnauthenticated = 6;
constexpr int kExitPermissionDenied = 7;

// One call as the server saw it.
struct SeenCall {
  std::string method;         // "/sitrep.v1.SituationFeed/Publish"
  std::string authorization;  // "" when absent
};

// What the fake server saw, filled by an interceptor (every method, the
// health service included) and by the service.
class Journal {
 public:
  void Add(SeenCall call) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::move(call));
  }
  std::vector<SeenCall> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<std::string> authorizations() const {
    std::vector<std::string> out;
    for (const SeenCall& call : calls()) out.push_back(call.authorization);
    return out;
  }
  int Count(const std::string& method_suffix) const {
    int n = 0;
    for (const SeenCall& call : calls()) n += absl::EndsWith(call.method, method_suffix);
    return n;
  }
  void SetPeerName(std::string name) {
    absl::MutexLock lock(&mu_);
    peer_name_ = std::move(name);
  }
  std::string peer_name() const {
    absl::MutexLock lock(&mu_);
    return peer_name_;
  }
  void AddResumeAfter(uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    resumes_.push_back(sequence);
  }
  std::vector<uint64_t> resumes() const {
    absl::MutexLock lock(&mu_);
    return resumes_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<SeenCall> calls_ ABSL_GUARDED_BY(mu_);
  std::string peer_name_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> resumes_ ABSL_GUARDED_BY(mu_);
};

class RecordingInterceptor : public grpc::experimental::Interceptor {
 public:
  RecordingInterceptor(Journal* journal, std::string method)
      : journal_(journal), method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      SeenCall call{method_, ""};
      for (const auto& [key, value] : *methods->GetRecvInitialMetadata()) {
        if (key == "authorization") call.authorization.assign(value.data(), value.size());
      }
      journal_->Add(std::move(call));
    }
    methods->Proceed();
  }

 private:
  Journal* const journal_;
  const std::string method_;
};

class RecordingInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RecordingInterceptorFactory(Journal* journal) : journal_(journal) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RecordingInterceptor(journal_, info->method());
  }

 private:
  Journal* const journal_;
};

// Checks the token like sitrepd does (a wrong one is UNAUTHENTICATED), but
// deliberately echoes a wrong token in its message: the CLI must not print
// it. Publishing as KFOR is PERMISSION_DENIED.
class FakeFeed final : public sitrep::v1::SituationFeed::Service {
 public:
  FakeFeed(Journal* journal, bool check_token) : journal_(journal), check_token_(check_token) {}

  grpc::Status Publish(grpc::ServerContext* context, const sitrep::v1::PublishRequest* request,
                       sitrep::v1::PublishResponse* response) override {
    if (grpc::Status s = Check(context); !s.ok()) return s;
    std::vector<grpc::string_ref> names =
        context->auth_context()->FindPropertyValues("x509_common_name");
    if (!names.empty()) journal_->SetPeerName(std::string(names[0].data(), names[0].size()));
    if (request->update().mission() == sitrep::v1::MISSION_KFOR) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "principal kp-ops may not publish as MISSION_KFOR");
    }
    response->set_sequence(41);
    response->set_event_id("ev-41");
    response->set_log_id("log-1");
    return grpc::Status::OK;
  }

  grpc::Status PublishStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<sitrep::v1::PublishAck, sitrep::v1::PublishRequest>* stream)
      override {
    if (grpc::Status s = Check(context); !s.ok()) return s;
    sitrep::v1::PublishRequest request;
    uint64_t index = 0;
    // Acks each request, and each of a batch's (sitrep import sends batches).
    auto ack_one = [&index](const sitrep::v1::PublishRequest& one,
                            sitrep::v1::PublishAck* ack) {
      ack->set_index(index);
      ack->set_sequence(100 + index);
      ack->set_event_id(one.update().event_id());
      ++index;
    };
    while (stream->Read(&request)) {
      sitrep::v1::PublishAck ack;
      if (request.batch_size() == 0) ack_one(request, &ack);
      for (const sitrep::v1::PublishRequest& one : request.batch()) {
        ack_one(one, ack.add_batch());
      }
      stream->Write(ack);
    }
    return grpc::Status::OK;
  }

  grpc::Status ListUpdates(grpc::ServerContext* context,
                           const sitrep::v1::ListUpdatesRequest* /*request*/,
                           sitrep::v1::ListUpdatesResponse* /*response*/) override {
    return Check(context);
  }

  grpc::Status GetSituation(grpc::ServerContext* context,
                            const sitrep::v1::GetSituationRequest* /*request*/,
                            sitrep::v1::Situation* /*response*/) override {
    return Check(context);
  }

  // The first call delivers #1 then breaks (UNAVAILABLE, as a server
  // restart would); the resume delivers #2.
  grpc::Status Subscribe(grpc::ServerContext* context,
                         const sitrep::v1::SubscribeRequest* request,
                         grpc::ServerWriter<sitrep::v1::SubscribeResponse>* writer) override {
    if (grpc::Status s = Check(context); !s.ok()) return s;
    const bool resume = request->start_case() == sitrep::v1::SubscribeRequest::kAfterSequence;
    if (resume) journal_->AddResumeAfter(request->after_sequence());
    const uint64_t sequence = resume ? request->after_sequence() + 1 : 1;
    sitrep::v1::SubscribeResponse response;
    sitrep::v1::SituationUpdate* update = response.add_updates();
    update->set_sequence(sequence);
    update->set_mission(sitrep::v1::MISSION_KOSOVO_POLICE);
    update->set_headline(absl::StrCat("Update ", sequence));
    response.mutable_cursor()->set_log_id("log-1");
    response.mutable_cursor()->set_sequence(sequence);
    writer->Write(response);
    if (!resume) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server restarting");
    return grpc::Status::OK;
  }

 private:
  grpc::Status Check(grpc::ServerContext* context) const {
    if (!check_token_) return grpc::Status::OK;
    auto it = context->client_metadata().find("authorization");
    if (it == context->client_metadata().end()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "no credentials: send 'authorization: Bearer <token>'");
    }
    const std::string value(it->second.data(), it->second.size());
    if (value != absl::StrCat("Bearer ", kToken)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          absl::StrCat("unknown token '", value.substr(7), "'"));
    }
    return grpc::Status::OK;
  }

  Journal* const journal_;
  const bool check_token_;
};

enum class Transport { kPlaintext, kTls, kMutualTls };

class FakeServer {
 public:
  FakeServer(const TestCertificates& pki, Transport transport, bool check_token)
      : feed_(&journal_, check_token) {
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (transport == Transport::kPlaintext) {
      credentials = grpc::InsecureServerCredentials();
    } else {
      const bool mutual = transport == Transport::kMutualTls;
      grpc::SslServerCredentialsOptions ssl(
          mutual ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                 : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      if (mutual) ssl.pem_root_certs = *ReadFileToString(pki.ca.cert_file);
      ssl.pem_key_cert_pairs.push_back({*ReadFileToString(pki.server.key_file),
                                        *ReadFileToString(pki.server.cert_file)});
      credentials = grpc::SslServerCredentials(ssl);
    }
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterService(&feed_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(std::make_unique<RecordingInterceptorFactory>(&journal_));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  bool ok() const { return server_ != nullptr && port_ > 0; }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  const Journal& journal() const { return journal_; }

 private:
  Journal journal_;
  FakeFeed feed_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

class CliTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    absl::StatusOr<TestCertificates> pki = sitrep::testing::MakeTestCertificates(dir_->path());
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestCertificates(*std::move(pki));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  void Serve(Transport transport, bool check_token = true) {
    server_ = std::make_unique<FakeServer>(*pki_, transport, check_token);
    ASSERT_TRUE(server_->ok());
  }

  // Runs sitrep against the fake server with `args` (plus --server unless
  // given), with no token or CA from the test's environment.
  RunResult Sitrep(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), SITREP_BIN);
    bool has_server = false;
    for (const std::string& arg : args) has_server |= absl::StartsWith(arg, "--server");
    if (!has_server) args.push_back("--server=" + server_->address());
    return testing::Run(args, stdin_text,
                        {"NO_COLOR=1", "SITREP_TOKEN=", "SITREP_TLS_CA=",
                         testing::FullStacksForLeakChecks()},
                        absl::Seconds(60));
  }

  const CertificateFiles& client() const { return pki_->clients.at("kfor-gateway"); }

  static testing::TempDir* dir_;
  static TestCertificates* pki_;
  std::unique_ptr<FakeServer> server_;
};
testing::TempDir* CliTlsTest::dir_ = nullptr;
TestCertificates* CliTlsTest::pki_ = nullptr;

std::vector<std::string> PublishKp() {
  return {"publish", "--mission", "kp", "--severity", "minor", "--category", "patrol",
          "--headline", "Patrol in Zveçan"};
}

TEST_F(CliTlsTest, TokenTravelsOnEveryCallOverVerifiedTls) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kTls));
  const std::vector<std::string> tls = {"--tls_ca", pki_->ca.cert_file, "--token", kToken};
  auto with_tls = [&](std::vector<std::string> args) {
    args.insert(args.end(), tls.begin(), tls.end());
    return args;
  };

  RunResult r = Sitrep(with_tls({"health"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");

  r = Sitrep(with_tls(PublishKp()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("#41"));

  r = Sitrep(with_tls({"import", "-", "-q"}),
             R"({"mission":"MISSION_KOSOVO_POLICE","headline":"a"})"
             "\n"
             R"({"mission":"MISSION_KOSOVO_POLICE","headline":"b"})"
             "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("2 stored"));

  // The stream breaks after #1; the reconnect carries the token too.
  r = Sitrep(with_tls({"tail", "--from-beginning", "--count", "2", "-o", "jsonl"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 2u) << r.out;
  EXPECT_THAT(r.err, HasSubstr("reconnecting"));
  EXPECT_THAT(server_->journal().resumes(), ElementsAre(1u));

  const Journal& journal = server_->journal();
  EXPECT_EQ(journal.Count("/grpc.health.v1.Health/Check"), 1);
  EXPECT_EQ(journal.Count("/Publish"), 1);
  EXPECT_EQ(journal.Count("/PublishStream"), 1);
  EXPECT_EQ(journal.Count("/Subscribe"), 2);
  EXPECT_THAT(journal.authorizations(), Each(absl::StrCat("Bearer ", kToken)));
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
}

TEST_F(CliTlsTest, TokenFromTheEnvironment) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kTls));
  std::vector<std::string> args = PublishKp();
  args.insert(args.begin(), SITREP_BIN);
  args.push_back("--server=" + server_->address());
  RunResult r = testing::Run(args, "",
                    {"NO_COLOR=1", absl::StrCat("SITREP_TOKEN=", kToken),
                     "SITREP_TLS_CA=" + pki_->ca.cert_file,
                     testing::FullStacksForLeakChecks()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(server_->journal().authorizations(), ElementsAre(absl::StrCat("Bearer ", kToken)));
}

TEST_F(CliTlsTest, RefusedTokenIsExitSixAndTheTokenIsNeverPrinted) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kTls));
  const std::string wrong = "kp-WRONG-token-0000";
  for (std::vector<std::string> args :
       {PublishKp(), std::vector<std::string>{"tail", "--from-beginning"},
        std::vector<std::string>{"import", "-"}, std::vector<std::string>{"history"}}) {
    SCOPED_TRACE(args[0]);
    args.insert(args.end(), {"--tls_ca", pki_->ca.cert_file, "--token", wrong});
    RunResult r = Sitrep(args, R"({"mission":"MISSION_KOSOVO_POLICE","headline":"a"})");
    EXPECT_EQ(r.exit_code, kExitUnauthenticated) << r.err;
    EXPECT_THAT(r.err, HasSubstr("the server refused the credentials (UNAUTHENTICATED): "));
    // The fake server echoed it; the CLI shows it redacted.
    EXPECT_THAT(r.err, HasSubstr("unknown token '<redacted>'"));
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(wrong)));
  }

  RunResult r = Sitrep({"publish", "--mission", "kp", "--severity", "minor", "--category",
                        "patrol", "--headline", "x", "--tls_ca", pki_->ca.cert_file});
  EXPECT_EQ(r.exit_code, kExitUnauthenticated) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no credentials"));
}

TEST_F(CliTlsTest, ForbiddenCallIsExitSeven) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kTls));
  RunResult r = Sitrep({"publish", "--mission", "kfor", "--severity", "minor", "--category",
                        "patrol", "--headline", "x", "--tls_ca", pki_->ca.cert_file, "--token",
                        kToken});
  EXPECT_EQ(r.exit_code, kExitPermissionDenied) << r.err;
  EXPECT_EQ(r.err,
            "sitrep: publish failed: the credentials do not allow this (PERMISSION_DENIED): "
            "principal kp-ops may not publish as MISSION_KFOR\n");
}

TEST_F(CliTlsTest, ServerCertificateIsVerified) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kTls, /*check_token=*/false));
  // Signed by a CA the client was not told to trust.
  RunResult r = Sitrep({"health", "--tls_ca", pki_->other_ca.cert_file});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("server ", server_->address(), ": UNAVAILABLE")));
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  // A name the certificate does not carry.
  r = Sitrep({"health", "--tls_ca", pki_->ca.cert_file, "--tls_server_name", "sitrep.example"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // Names it does carry: localhost (by override or by address), 127.0.0.1.
  r = Sitrep({"health", "--tls_ca", pki_->ca.cert_file, "--tls_server_name", "localhost"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = Sitrep({"health", "--tls_ca", pki_->ca.cert_file, "--server",
              absl::StrCat("localhost:", server_->port())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Plaintext against a TLS server: gRPC only says "Socket closed"; the CLI
  // adds what to check.
  r = Sitrep({"health", "--timeout", "5s"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("(if the server uses TLS, give --tls_ca FILE or --tls)"));
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
}

TEST_F(CliTlsTest, MutualTlsPresentsTheClientCertificate) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kMutualTls, /*check_token=*/false));
  RunResult r = Sitrep({"health", "--tls_ca", pki_->ca.cert_file, "--tls_cert",
                        client().cert_file, "--tls_key", client().key_file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> args = PublishKp();
  args.insert(args.end(), {"--tls_ca", pki_->ca.cert_file, "--tls_cert", client().cert_file,
                           "--tls_key", client().key_file});
  r = Sitrep(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server_->journal().peer_name(), "kfor-gateway");

  // No certificate, or one from another CA: the handshake fails.
  r = Sitrep({"health", "--tls_ca", pki_->ca.cert_file});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("if the server requires a client certificate, give --tls_cert "
                               "and --tls_key"));
  r = Sitrep({"health", "--tls_ca", pki_->ca.cert_file, "--tls_cert",
              pki_->other_client.cert_file, "--tls_key", pki_->other_client.key_file});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST_F(CliTlsTest, PlaintextOnLoopbackCarriesTheTokenWithoutWarning) {
  ASSERT_NO_FATAL_FAILURE(Serve(Transport::kPlaintext));
  std::vector<std::string> args = PublishKp();
  args.insert(args.end(), {"--token", kToken});
  RunResult r = Sitrep(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(server_->journal().authorizations(), ElementsAre(absl::StrCat("Bearer ", kToken)));
}

}  // namespace
}  // namespace sitrep::cli_testing
