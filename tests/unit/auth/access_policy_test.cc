#include "server/auth/access_policy.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "sitrep/v1/situation_update.pb.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOkAndHolds;
using ::sitrep::testing::StatusIs;

using ::testing::HasSubstr;

const std::string kHash = HashToken("sitrep_token-a");

TEST(AccessPolicyTest, ParsesRightsTokensAndCertificateNames) {
  SITREP_ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const AccessPolicy> policy,
      AccessPolicy::Parse(
          R"({"principals": [
            {"name": "kp-ops", "tokenSha256": [")" + kHash + R"("],
             "publish": ["KOSOVO_POLICE"], "read": ["*"]},
            {"name": "kfor-gw", "client_cert_names": ["kfor-gw.example"],
             "publish": ["mission_kfor", "eulex"], "read": ["kfor"],
             "admin": true}]})",
          "policy.json"));
  EXPECT_EQ(policy->size(), 2u);
  const Principal* kp = policy->FindByTokenHash(kHash);
  ASSERT_NE(kp, nullptr);
  EXPECT_EQ(kp->name, "kp-ops");
  EXPECT_TRUE(kp->MayPublish(v1::MISSION_KOSOVO_POLICE));
  EXPECT_FALSE(kp->MayPublish(v1::MISSION_KFOR));
  EXPECT_EQ(kp->read_missions, kAllMissions);
  EXPECT_FALSE(kp->admin);

  const Principal* gw = policy->FindByCertificateName("kfor-gw.example");
  ASSERT_NE(gw, nullptr);
  EXPECT_TRUE(gw->MayPublish(v1::MISSION_KFOR));
  EXPECT_TRUE(gw->MayPublish(v1::MISSION_EULEX));
  EXPECT_FALSE(gw->MayPublish(v1::MISSION_KOSOVO_POLICE));
  EXPECT_TRUE(gw->MayRead(v1::MISSION_KFOR));
  EXPECT_FALSE(gw->MayRead(v1::MISSION_EULEX));
  EXPECT_TRUE(gw->admin);

  EXPECT_EQ(policy->FindByTokenHash(HashToken("other")), nullptr);
  EXPECT_EQ(policy->FindByCertificateName("kp-ops"), nullptr);
}

TEST(AccessPolicyTest, UppercaseHashesAreAccepted) {
  std::string upper = kHash;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  SITREP_ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const AccessPolicy> policy,
      AccessPolicy::Parse(R"({"principals": [{"name": "a", "tokenSha256": [")" +
                              upper + R"("]}]})",
                          "p"));
  EXPECT_NE(policy->FindByTokenHash(kHash), nullptr);
}

struct BadPolicy {
  const char* json;
  const char* error;
};

class AccessPolicyErrorTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(AccessPolicyErrorTest, NamesTheFileAndTheEntry) {
  EXPECT_THAT(AccessPolicy::Parse(GetParam().json, "policy.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, AccessPolicyErrorTest,
    ::testing::Values(
        BadPolicy{"not json", "policy.json: not a valid access policy"},
        BadPolicy{R"({"principals": []})", "principals: is empty"},
        BadPolicy{R"({"principals": [{"name": "a", "token": "x"}]})",
                  "not a valid access policy"},  // Unknown field.
        BadPolicy{R"({"principals": [{"name": "", "tokenSha256": []}]})",
                  "principals[0].name"},
        BadPolicy{R"({"principals": [{"name": "a b", "clientCertNames": ["x"]}]})",
                  "principals[0].name: 'a b' must be"},
        BadPolicy{R"({"principals": [{"name": "sitrep", "clientCertNames": ["x"]}]})",
                  "reserved"},
        BadPolicy{R"({"principals": [{"name": "anonymous", "clientCertNames": ["x"]}]})",
                  "reserved"},
        BadPolicy{R"({"principals": [{"name": "a"}]})",
                  "principals[0]: has neither"},
        BadPolicy{R"({"principals": [{"name": "a", "tokenSha256": ["sitrep_plain-token"]}]})",
                  "principals[0].tokenSha256[0]: is not a SHA-256"},
        BadPolicy{R"({"principals": [{"name": "a", "clientCertNames": ["x"],
                      "publish": ["NATO"]}]})",
                  "principals[0].publish[0]: 'NATO' is not a mission"},
        BadPolicy{R"({"principals": [{"name": "a", "clientCertNames": ["x"],
                      "read": ["KFOR", "UNSPECIFIED"]}]})",
                  "principals[0].read[1]"},
        BadPolicy{R"({"principals": [{"name": "a", "clientCertNames": ["x"]},
                                     {"name": "a", "clientCertNames": ["y"]}]})",
                  "principals[1].name: 'a' is also principals[0]"},
        BadPolicy{R"({"principals": [{"name": "a", "clientCertNames": ["x"]},
                                     {"name": "b", "clientCertNames": ["x"]}]})",
                  "principals[1].clientCertNames[0]: 'x' is already mapped"}));

TEST(AccessPolicyTest, DuplicateTokenHashIsRejected) {
  EXPECT_THAT(
      AccessPolicy::Parse(R"({"principals": [
          {"name": "a", "tokenSha256": [")" + kHash + R"("]},
          {"name": "b", "tokenSha256": [")" + kHash + R"("]}]})",
                          "p"),
      StatusIs(absl::StatusCode::kInvalidArgument, "principals[1].tokenSha256[0]: the same token hash"));
}

TEST(AccessPolicyTest, LoadReportsAMissingFile) {
  EXPECT_THAT(AccessPolicy::Load("/nonexistent/policy.json"),
              StatusIs(absl::StatusCode::kNotFound, "--auth_file: cannot open"));
}

TEST(ParseMissionMaskTest, AcceptsTheSpellingsOfAMission) {
  for (const char* text : {"KFOR", "kfor", "MISSION_KFOR", " kfor "}) {
    EXPECT_THAT(ParseMissionMask(text), IsOkAndHolds(1u << v1::MISSION_KFOR))
        << text;
  }
  EXPECT_THAT(ParseMissionMask("kosovo-police"),
              IsOkAndHolds(1u << v1::MISSION_KOSOVO_POLICE));
  EXPECT_THAT(ParseMissionMask("*"), IsOkAndHolds(kAllMissions));
  EXPECT_THAT(ParseMissionMask("all"), IsOkAndHolds(kAllMissions));
  EXPECT_THAT(ParseMissionMask("MISSION_UNSPECIFIED"),
              StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(ParseMissionMask(""), StatusIs(absl::StatusCode::kInvalidArgument, ""));
}

TEST(TokenHashTest, IsSha256HexAndTokensAreRandom) {
  EXPECT_EQ(HashToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(IsTokenHash(HashToken("x")));
  EXPECT_FALSE(IsTokenHash("abc"));
  SITREP_ASSERT_OK_AND_ASSIGN(std::string a, GenerateToken());
  SITREP_ASSERT_OK_AND_ASSIGN(std::string b, GenerateToken());
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("sitrep_", 0), 0u);
  EXPECT_GE(a.size(), 7u + 43u);  // 32 bytes of base64url.
}

}  // namespace
}  // namespace sitrep
