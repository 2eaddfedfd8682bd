// POST /v1/cap under an access policy (issue 22): a CAP alert is published
// with the caller's rights like a gRPC Publish. A principal that may publish
// the alert's mission stores it; one that may not gets 403 and nothing is
// stored; no token at all is 401.

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tests/support/token_channel.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kKpToken[] = "sitrep_kp-desk-token-0123456789";
constexpr char kEulexToken[] = "sitrep_eulex-desk-token-0123456789";

// Another system's alert (as in tests/interop/cap_test.py): it opens an
// incident, published as the mission POST /v1/cap?mission= names.
constexpr char kAlert[] =
    R"(<?xml version="1.0"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>x-1</identifier><sender>other@example.org</sender>
  <sent>2026-12-06T08:00:00+00:00</sent><status>Actual</status>
  <msgType>Alert</msgType><scope>Public</scope>
  <info><category>Security</category><event>Riot</event>
    <urgency>Immediate</urgency><severity>Severe</severity>
    <certainty>Observed</certainty><headline>Riot at the bridge</headline>
    <area><areaDesc>Mitrovicë bridge</areaDesc></area></info>
</alert>)";

std::string PolicyJson() {
  return AccessPolicyBuilder()
      .Principal("kp-desk").Token(kKpToken).Publish({"KOSOVO_POLICE"}).Read({"*"})
      .Principal("eulex-desk").Token(kEulexToken).Publish({"EULEX"}).Read({"*"})
      .Json();
}

class CapPublishRightsTest : public ::testing::Test {
 protected:
  CapPublishRightsTest()
      : server_([this](ServerConfig& c) {
          const std::string path = dir_.path() + "/policy.json";
          std::ofstream(path) << PolicyJson();
          c.auth_file = path;
        }) {}

  // POST `path` with `alert`, as `token` ("" for none).
  HttpGetResult PostAlert(const std::string& token,
                          const std::string& path = "/v1/cap?mission=kosovo_police",
                          const std::string& alert = kAlert) {
    HttpCall call;
    call.method = "POST";
    call.path = path;
    call.headers = {{"Content-Type", "application/cap+xml"}};
    if (!token.empty()) {
      call.headers.push_back({"Authorization", absl::StrCat("Bearer ", token)});
    }
    call.body = alert;
    absl::StatusOr<HttpGetResult> answer =
        HttpFetch(server_.server().http_port(), call);
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? *answer : HttpGetResult();
  }

  // Every stored update, read over gRPC by the KP desk (which reads all).
  std::vector<v1::SituationUpdate> Stored() {
    auto stub = NewTokenStub(server_.address(), kKpToken);
    absl::StatusOr<std::vector<v1::SituationUpdate>> all =
        ListAll(*stub, v1::ListUpdatesRequest());
    EXPECT_TRUE(all.ok()) << all.status();
    return all.ok() ? *all : std::vector<v1::SituationUpdate>();
  }

  TempDir dir_;
  TestServer server_;
};

TEST_F(CapPublishRightsTest, OnlyAPrincipalThatMayPublishTheMissionStoresIt) {
  const HttpGetResult anonymous = PostAlert("");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_THAT(Stored(), IsEmpty());

  const HttpGetResult eulex = PostAlert(kEulexToken);
  EXPECT_EQ(eulex.status, 403) << eulex.body;
  EXPECT_THAT(eulex.body, HasSubstr("MISSION_KOSOVO_POLICE"));
  EXPECT_THAT(eulex.body, Not(HasSubstr("\"sequence\"")));
  EXPECT_THAT(Stored(), IsEmpty()) << "a refused alert is not stored";

  // The alert's own sitrep:mission wins over ?mission=, and the rights are
  // checked on the mission it is published as.
  std::string own_mission = kAlert;
  own_mission.replace(
      own_mission.find("<area>"), 0,
      "<parameter><valueName>sitrep:mission</valueName>"
      "<value>MISSION_KOSOVO_POLICE</value></parameter>");
  const HttpGetResult disguised =
      PostAlert(kEulexToken, "/v1/cap?mission=eulex", own_mission);
  EXPECT_EQ(disguised.status, 403) << disguised.body;
  EXPECT_THAT(Stored(), IsEmpty());

  const HttpGetResult kp = PostAlert(kKpToken);
  ASSERT_EQ(kp.status, 200) << kp.body;
  EXPECT_THAT(kp.body, HasSubstr(R"("sequence":"1")"))
      << "the refused posts took no sequence";
  const std::vector<v1::SituationUpdate> stored = Stored();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].mission(), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(stored[0].incident_id(), "x-1");
  EXPECT_EQ(stored[0].headline(), "Riot at the bridge");
  EXPECT_EQ(stored[0].publisher(), "kp-desk");
}

}  // namespace
}  // namespace sitrep::testing
