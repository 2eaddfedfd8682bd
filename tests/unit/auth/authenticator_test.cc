#include "server/auth/authenticator.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOkAndHolds;
using ::sitrep::testing::StatusIs;

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "sitrep_secret-token-value";

std::shared_ptr<const AccessPolicy> PolicyFor(const std::string& token) {
  absl::StatusOr<std::shared_ptr<const AccessPolicy>> policy =
      AccessPolicy::Parse(
          R"({"principals": [
            {"name": "kp-ops", "tokenSha256": [")" + HashToken(token) + R"("],
             "publish": ["KOSOVO_POLICE"], "read": ["*"]},
            {"name": "kfor-gw", "clientCertNames": ["kfor-gw.example"],
             "publish": ["KFOR"], "read": ["KFOR"]}]})",
          "test");
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

CallCredentials Bearer(const std::string& value) {
  CallCredentials credentials;
  credentials.authorization = value;
  return credentials;
}

TEST(AuthenticatorTest, WithoutPolicyEveryoneIsAnonymous) {
  Authenticator authenticator(nullptr);
  EXPECT_FALSE(authenticator.enforcing());
  SITREP_ASSERT_OK_AND_ASSIGN(Principal principal,
                       authenticator.Authenticate(CallCredentials()));
  EXPECT_EQ(principal.name, "anonymous");
  EXPECT_EQ(principal.publish_missions, kAllMissions);
}

TEST(AuthenticatorTest, BearerTokenFindsItsPrincipal) {
  Authenticator authenticator(PolicyFor(kToken));
  for (const std::string& header :
       {std::string("Bearer ") + kToken, std::string("bearer ") + kToken,
        std::string("Bearer   ") + kToken + "  "}) {
    SITREP_ASSERT_OK_AND_ASSIGN(Principal principal,
                         authenticator.Authenticate(Bearer(header)));
    EXPECT_EQ(principal.name, "kp-ops") << header;
  }
}

TEST(AuthenticatorTest, RefusalsAreUnauthenticatedAndNeverEchoTheToken) {
  Authenticator authenticator(PolicyFor(kToken));
  struct Case {
    std::optional<std::string> header;
    const char* message;
  } cases[] = {
      {std::nullopt, "no credentials"},
      {std::string("Basic ") + kToken, "expected 'Bearer <token>'"},
      {std::string(kToken), "expected 'Bearer <token>'"},
      {"Bearer ", "expected 'Bearer <token>'"},
      {"Bearer    ", "empty or too long"},
      {"Bearer " + std::string(600, 'x'), "empty or too long"},
      {"Bearer sitrep_secret-token-valuE", "unknown or revoked token"},
  };
  for (const Case& c : cases) {
    CallCredentials credentials;
    credentials.authorization = c.header;
    absl::StatusOr<Principal> result = authenticator.Authenticate(credentials);
    EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated, c.message))
        << c.header.value_or("(none)");
    EXPECT_THAT(std::string(result.status().message()),
                Not(HasSubstr("secret")));
  }
}

TEST(AuthenticatorTest, CertificateNamesMapToPrincipals) {
  Authenticator authenticator(PolicyFor(kToken));
  CallCredentials credentials;
  credentials.certificate_names = {"CN-not-mapped", "kfor-gw.example"};
  SITREP_ASSERT_OK_AND_ASSIGN(Principal principal,
                       authenticator.Authenticate(credentials));
  EXPECT_EQ(principal.name, "kfor-gw");

  credentials.certificate_names = {"stranger.example"};
  EXPECT_THAT(authenticator.Authenticate(credentials),
              StatusIs(absl::StatusCode::kUnauthenticated, "'stranger.example' is not mapped"));

  // A token wins over the certificate (a gateway acting for a desk).
  credentials.certificate_names = {"kfor-gw.example"};
  credentials.authorization = std::string("Bearer ") + kToken;
  SITREP_ASSERT_OK_AND_ASSIGN(principal, authenticator.Authenticate(credentials));
  EXPECT_EQ(principal.name, "kp-ops");
}

TEST(AuthenticatorTest, ReplaceRevokesForLaterCalls) {
  Authenticator authenticator(PolicyFor(kToken));
  SITREP_ASSERT_OK(authenticator.Authenticate(Bearer(std::string("Bearer ") + kToken))
                .status());
  authenticator.Replace(PolicyFor("sitrep_rotated"));
  EXPECT_THAT(
      authenticator.Authenticate(Bearer(std::string("Bearer ") + kToken)),
      StatusIs(absl::StatusCode::kUnauthenticated, ""));
  SITREP_EXPECT_OK(authenticator.Authenticate(Bearer("Bearer sitrep_rotated"))
                .status());
}

}  // namespace
}  // namespace sitrep
