// The security flags of the CLI without a server: parsing (flag versus
// environment), what MakeChannelOptions accepts and refuses, the loopback
// rule of the plaintext-token warning, the exit codes of refused
// credentials and the redaction of the token.
#include <stdlib.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/commands/commands.h"
#include "client/status_text.h"
#include "client/tls_files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sitrep::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Sets (or, with nullptr, unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// Parses `args` (after the program name) like sitrep's main() does, with a
// `health` command to put flags after.
GlobalFlags Parse(std::vector<std::string> args) {
  CLI::App app("test", "sitrep");
  app.fallthrough();
  GlobalFlags global;
  AddGlobalFlags(&app, &global);
  app.add_subcommand("health", "");
  args.insert(args.begin(), "sitrep");
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    ADD_FAILURE() << "parse error: " << e.what();
  }
  return global;
}

class ChannelOptionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    absl::StatusOr<testing::TestCertificates> pki = testing::MakeTestCertificates(dir_->path());
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testing::TestCertificates(*std::move(pki));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  const testing::CertificateFiles& client() const { return pki_->clients.at("kfor-gateway"); }

  static testing::TempDir* dir_;
  static testing::TestCertificates* pki_;
  ScopedEnv no_token_{"SITREP_TOKEN", nullptr};
  ScopedEnv no_ca_{"SITREP_TLS_CA", nullptr};
};
testing::TempDir* ChannelOptionsTest::dir_ = nullptr;
testing::TestCertificates* ChannelOptionsTest::pki_ = nullptr;

TEST_F(ChannelOptionsTest, NoSecurityFlagsMeanPlaintextWithoutToken) {
  absl::StatusOr<ChannelOptions> options = MakeChannelOptions(Parse({"health"}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_FALSE(options->tls);
  EXPECT_EQ(options->token, "");
  EXPECT_EQ(options->address, kDefaultServer);
}

TEST_F(ChannelOptionsTest, TokenComesFromTheFlagBeforeTheEnvironment) {
  {
    ScopedEnv env("SITREP_TOKEN", "from-env");
    EXPECT_EQ(MakeChannelOptions(Parse({"health"}))->token, "from-env");
    EXPECT_EQ(MakeChannelOptions(Parse({"--token", "from-flag", "health"}))->token, "from-flag");
    // After the command name too (fallthrough).
    EXPECT_EQ(MakeChannelOptions(Parse({"health", "--token=from-flag"}))->token, "from-flag");
  }
  {
    ScopedEnv empty("SITREP_TOKEN", "");  // set but empty: no token
    absl::StatusOr<ChannelOptions> options = MakeChannelOptions(Parse({"health"}));
    ASSERT_TRUE(options.ok()) << options.status();
    EXPECT_EQ(options->token, "");
  }
}

TEST_F(ChannelOptionsTest, TokenIsTrimmedAndCheckedWithoutBeingEchoed) {
  EXPECT_EQ(MakeChannelOptions(Parse({"--token", " tok-1\n", "health"}))->token, "tok-1");

  absl::StatusOr<ChannelOptions> empty = MakeChannelOptions(Parse({"--token", "", "health"}));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "--token: empty token");

  absl::StatusOr<ChannelOptions> spaced =
      MakeChannelOptions(Parse({"--token", "secret part-two", "health"}));
  ASSERT_FALSE(spaced.ok());
  EXPECT_THAT(std::string(spaced.status().message()), StartsWith("--token: "));
  EXPECT_THAT(std::string(spaced.status().message()), Not(HasSubstr("secret")));

  ScopedEnv env("SITREP_TOKEN", "bad\x01token");
  absl::StatusOr<ChannelOptions> from_env = MakeChannelOptions(Parse({"health"}));
  ASSERT_FALSE(from_env.ok());
  EXPECT_THAT(std::string(from_env.status().message()), StartsWith("--token (from SITREP_TOKEN): "));
  EXPECT_THAT(std::string(from_env.status().message()), Not(HasSubstr("bad")));
}

TEST_F(ChannelOptionsTest, CaFileTurnsTlsOnAndIsRead) {
  absl::StatusOr<ChannelOptions> options =
      MakeChannelOptions(Parse({"health", "--tls_ca", pki_->ca.cert_file}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->tls_root_certs, *testing::ReadFileToString(pki_->ca.cert_file));
  EXPECT_EQ(options->tls_cert_chain, "");

  // The '-' spelling and the environment work too.
  EXPECT_TRUE(MakeChannelOptions(Parse({"--tls-ca", pki_->ca.cert_file, "health"}))->tls);
  ScopedEnv env("SITREP_TLS_CA", pki_->ca.cert_file.c_str());
  options = MakeChannelOptions(Parse({"health"}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_FALSE(options->tls_root_certs.empty());
}

TEST_F(ChannelOptionsTest, TlsAloneUsesTheSystemRoots) {
  absl::StatusOr<ChannelOptions> options = MakeChannelOptions(Parse({"--tls", "health"}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->tls_root_certs, "");
}

TEST_F(ChannelOptionsTest, ServerNameOverrideTurnsTlsOn) {
  absl::StatusOr<ChannelOptions> options =
      MakeChannelOptions(Parse({"--tls_server_name", "sitrep.example", "health"}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->tls_server_name, "sitrep.example");
}

TEST_F(ChannelOptionsTest, MissingOrUnreadableFilesNameTheFlag) {
  absl::StatusOr<ChannelOptions> options =
      MakeChannelOptions(Parse({"--tls_ca", "/nonexistent/ca.pem", "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message(),
            "--tls_ca: cannot read /nonexistent/ca.pem: No such file or directory");

  {
    ScopedEnv env("SITREP_TLS_CA", "/nonexistent/env-ca.pem");
    options = MakeChannelOptions(Parse({"health"}));
    ASSERT_FALSE(options.ok());
    EXPECT_THAT(std::string(options.status().message()), StartsWith("--tls_ca (from SITREP_TLS_CA): "));
  }

  // A directory, a key where a certificate belongs, a certificate where the
  // key belongs.
  options = MakeChannelOptions(Parse({"--tls_ca", dir_->path(), "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(std::string(options.status().message()), StartsWith("--tls_ca: cannot read "));
  options = MakeChannelOptions(Parse({"--tls_ca", pki_->ca.key_file, "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(std::string(options.status().message()), HasSubstr("holds no PEM certificate"));
  options = MakeChannelOptions(
      Parse({"--tls_cert", client().cert_file, "--tls_key", client().cert_file, "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(std::string(options.status().message()), StartsWith("--tls_key: "));
  EXPECT_THAT(std::string(options.status().message()), HasSubstr("holds no PEM private key"));
}

TEST_F(ChannelOptionsTest, CertificateAndKeyGoTogether) {
  absl::StatusOr<ChannelOptions> options =
      MakeChannelOptions(Parse({"--tls_cert", client().cert_file, "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(options.status().message()), StartsWith("--tls_cert needs --tls_key"));

  options = MakeChannelOptions(Parse({"--tls_key", client().key_file, "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(std::string(options.status().message()), StartsWith("--tls_key needs --tls_cert"));

  options = MakeChannelOptions(Parse({"--tls_ca", pki_->ca.cert_file, "--tls_cert",
                                      client().cert_file, "--tls_key", client().key_file,
                                      "health"}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->tls_cert_chain, *testing::ReadFileToString(client().cert_file));
  EXPECT_EQ(options->tls_private_key, *testing::ReadFileToString(client().key_file));
}

TEST_F(ChannelOptionsTest, KeyOfAnotherCertificateIsRefused) {
  absl::StatusOr<ChannelOptions> options = MakeChannelOptions(
      Parse({"--tls_cert", client().cert_file, "--tls_key", pki_->server.key_file, "health"}));
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().message(),
            "--tls_key: the private key does not belong to the certificate of --tls_cert");
}

TEST_F(ChannelOptionsTest, EncryptedKeyIsRefusedWithoutPrompting) {
  const std::string encrypted = dir_->path() + "/encrypted.key";
  std::ofstream(encrypted) << "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                              "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgAAAAAAAAAAAICCAAw\n"
                              "-----END ENCRYPTED PRIVATE KEY-----\n";
  absl::StatusOr<std::string> key = ReadPemPrivateKey(encrypted, "--tls_key");
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(std::string(key.status().message()), HasSubstr("is encrypted"));
}

TEST(LoopbackTargetTest, LoopbackAddressesInEveryTargetSpelling) {
  for (const char* target :
       {"127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "LOCALHOST:1", "[::1]:50051",
        "::1", "dns:///localhost:50051", "dns:localhost:1", "dns://8.8.8.8/127.0.0.1:1",
        "ipv4:127.0.0.1:1,127.0.0.2:2", "ipv6:[::1]:1", "unix:/run/sitrep.sock",
        "unix-abstract:sitrep", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_TRUE(IsLoopbackTarget(target)) << target;
  }
  for (const char* target :
       {"10.0.0.5:50051", "sitrep.example:443", "dns:///sitrep.example:443", "[2001:db8::1]:1",
        "ipv4:127.0.0.1:1,10.0.0.1:1", "0.0.0.0:50051", ":50051", "128.0.0.1:1",
        "localhost.example:1", ""}) {
    EXPECT_FALSE(IsLoopbackTarget(target)) << target;
  }
}

TEST(LoopbackTargetTest, PlaintextTokenWarningOnlyOffLoopbackWithoutTls) {
  ChannelOptions options;
  options.token = "t";
  options.address = "127.0.0.1:50051";
  EXPECT_FALSE(TokenSentInPlaintext(options));
  options.address = "sitrep.example:50051";
  EXPECT_TRUE(TokenSentInPlaintext(options));
  options.tls = true;
  EXPECT_FALSE(TokenSentInPlaintext(options));
  options.tls = false;
  options.token = "";
  EXPECT_FALSE(TokenSentInPlaintext(options));
}

TEST(RefusedCredentialsTest, HaveTheirOwnExitCodes) {
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "x")),
            kExitUnauthenticated);
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "x")),
            kExitPermissionDenied);
  EXPECT_EQ(kExitUnauthenticated, 6);
  EXPECT_EQ(kExitPermissionDenied, 7);
  // The others keep theirs.
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "x")), kExitFailed);
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x")), kExitUnavailable);
}

TEST(RefusedCredentialsTest, TheTokenIsRedactedFromEveryMessage) {
  RedactInMessages("s3cret-T0ken");
  EXPECT_EQ(FormatStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                      "unknown token s3cret-T0ken")),
            "UNAUTHENTICATED: unknown token <redacted>");
  EXPECT_EQ(Redacted("a s3cret-T0ken b s3cret-T0ken"), "a <redacted> b <redacted>");
  RedactInMessages("");
  EXPECT_EQ(Redacted("s3cret-T0ken"), "s3cret-T0ken");
}

TEST(NormalizeServerAddressTest, SchemesPortsAndPathsAreTakenCareOf) {
  std::string note;
  EXPECT_EQ(*NormalizeServerAddress("127.0.0.1:6000", &note), "127.0.0.1:6000");
  EXPECT_EQ(note, "");
  EXPECT_EQ(*NormalizeServerAddress("sitrep.example", &note), "sitrep.example:50051");
  EXPECT_EQ(*NormalizeServerAddress("localhost:", &note), "localhost:50051");
  EXPECT_EQ(*NormalizeServerAddress("[::1]", &note), "[::1]:50051");
  EXPECT_EQ(*NormalizeServerAddress("::1", &note), "[::1]:50051");
  EXPECT_EQ(*NormalizeServerAddress("grpc://10.0.0.5:50051", &note), "10.0.0.5:50051");
  EXPECT_EQ(note, "");
  EXPECT_EQ(*NormalizeServerAddress("http://127.0.0.1:8080/", &note), "127.0.0.1:8080");
  EXPECT_THAT(note, HasSubstr("dropped 'http://'"));
  EXPECT_EQ(*NormalizeServerAddress("https://sitrep.example/v1/situation", &note),
            "sitrep.example:50051");
  EXPECT_THAT(note, HasSubstr("--tls"));
  EXPECT_EQ(*NormalizeServerAddress("dns:///sitrep.example:443", &note),
            "dns:///sitrep.example:443");
  EXPECT_EQ(*NormalizeServerAddress("unix:/run/sitrep.sock", &note), "unix:/run/sitrep.sock");
  EXPECT_FALSE(NormalizeServerAddress("host:http", &note).ok());
  EXPECT_FALSE(NormalizeServerAddress("host:70000", &note).ok());
  EXPECT_FALSE(NormalizeServerAddress("", &note).ok());
}

}  // namespace
}  // namespace sitrep::cli
