// Incident expiry against a real sitrepd: when an incident's expires_at
// passes, the server itself appends a KIND_EXPIRED update to the thread, so
// subscribers and the situation agree on when it left the picture; a later
// update that moves expires_at wins; publishers cannot send KIND_EXPIRED.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> IncidentIds(const v1::Situation& situation) {
  std::vector<std::string> ids;
  for (const v1::Incident& incident : situation.incidents()) {
    ids.push_back(incident.incident_id());
  }
  return ids;
}

v1::SituationUpdate ExpiringIncident(absl::string_view incident_id,
                                     absl::Time expires_at) {
  v1::SituationUpdate update = NewIncident(incident_id);
  *update.mutable_expires_at() = ToProtoTime(expires_at);
  return update;
}

v1::SituationUpdate Extend(absl::string_view incident_id,
                           absl::Time expires_at) {
  v1::SituationUpdate update = UpdateFromText(R"pb(
    mission: MISSION_KOSOVO_POLICE
    role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MODERATE
    category: CATEGORY_CIVIL_DISTURBANCE
    kind: KIND_UPDATE
    headline: "Crowd still there, watch extended"
  )pb");
  update.set_incident_id(std::string(incident_id));
  *update.mutable_expires_at() = ToProtoTime(expires_at);
  return update;
}

v1::SubscribeRequest FollowIncident(absl::string_view incident_id) {
  v1::SubscribeRequest request;
  request.mutable_filter()->add_incident_ids(std::string(incident_id));
  request.set_from_now(true);
  return request;
}

// With the real clock and the TestServer's 20 ms sweep: the subscriber
// waits by reading its stream, never by sleeping.
TEST(ExpiryTest, ServerAppendsAnExpiredUpdateThatSubscribersReceive) {
  TestServer server;
  auto stub = server.NewStub();
  StreamReader reader(*stub, FollowIncident("crowd-1"));
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));

  const absl::Time expires_at = absl::Now() + absl::Milliseconds(300);
  absl::StatusOr<v1::PublishResponse> opened =
      Publish(*stub, ExpiringIncident("crowd-1", expires_at));
  ASSERT_THAT(opened, IsOk());

  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(2);
  ASSERT_THAT(updates, SizeIs(2));
  EXPECT_EQ(updates[0].kind(), v1::KIND_NEW);
  const v1::SituationUpdate& expired = updates[1];
  EXPECT_EQ(expired.kind(), v1::KIND_EXPIRED);
  EXPECT_EQ(expired.incident_id(), "crowd-1");
  EXPECT_EQ(expired.publisher(), "sitrep");
  EXPECT_EQ(expired.incident_version(), opened->incident_version() + 1);
  EXPECT_EQ(expired.sequence(), opened->sequence() + 1);
  EXPECT_EQ(expired.mission(), v1::MISSION_KOSOVO_POLICE);
  EXPECT_FALSE(expired.has_expires_at());
  EXPECT_GE(FromProtoTime(expired.received_at()),
            absl::FromUnixMicros(absl::ToUnixMicros(expires_at)));

  // The situation agrees: the EXPIRED update was applied before delivery.
  absl::StatusOr<v1::Situation> situation = GetSituation(*stub);
  ASSERT_THAT(situation, IsOk());
  EXPECT_THAT(IncidentIds(*situation), IsEmpty());
  EXPECT_GE(situation->sequence(), expired.sequence());

  // The thread is closed: nothing more can be added to it.
  EXPECT_THAT(Publish(*stub, Extend("crowd-1", absl::Now() + absl::Hours(1))),
              StatusIs(absl::StatusCode::kFailedPrecondition, "closed"));
}

TEST(ExpiryTest, PublishingKindExpiredIsInvalidArgumentAndStoresNothing) {
  TestServer server;
  auto stub = server.NewStub();
  ASSERT_EQ(MustPublish(*stub, NewIncident("crowd-1")), 1u);
  v1::SituationUpdate update = Extend("crowd-1", absl::Now() + absl::Hours(1));
  update.set_kind(v1::KIND_EXPIRED);
  EXPECT_THAT(Publish(*stub, update),
              StatusIs(absl::StatusCode::kInvalidArgument, "update.kind"));

  absl::StatusOr<v1::ListUpdatesResponse> listed =
      ListUpdates(*stub, v1::ListUpdatesRequest());
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->head_sequence(), 1u);
  absl::StatusOr<v1::Situation> situation = GetSituation(*stub);
  ASSERT_THAT(situation, IsOk());
  EXPECT_THAT(IncidentIds(*situation), ElementsAre("crowd-1"));
}

// Below, the server runs on a clock the test moves, and the background sweep
// is hourly: expiry happens exactly when the test calls RunExpiryNow().
class ClockedExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()); }

  // Opens an incident with `headline`, lets it expire and returns the
  // headline of its EXPIRED update.
  std::string ExpiredHeadline(const std::string& headline) {
    v1::SituationUpdate update = ExpiringIncident(
        absl::StrCat("inc-", ++incidents_), clock_.Now() + absl::Minutes(1));
    update.set_headline(headline);
    if (MustPublish(*stub_, update) == 0) return "";
    clock_.Advance(absl::Minutes(2));
    EXPECT_EQ(server_.server().RunExpiryNow(), 1u);
    v1::ListUpdatesRequest request;
    request.set_descending(true);
    request.set_page_size(1);
    absl::StatusOr<v1::ListUpdatesResponse> listed =
        ListUpdates(*stub_, request);
    EXPECT_THAT(listed, IsOk());
    if (!listed.ok() || listed->updates_size() != 1) return "";
    EXPECT_EQ(listed->updates(0).kind(), v1::KIND_EXPIRED);
    return listed->updates(0).headline();
  }

  v1::Situation Situation() {
    absl::StatusOr<v1::Situation> situation = GetSituation(*stub_);
    EXPECT_THAT(situation, IsOk());
    return situation.ok() ? *situation : v1::Situation();
  }

  FakeClock clock_;
  ClockedServer server_{&clock_};
  int incidents_ = 0;
  std::unique_ptr<v1::SituationFeed::Stub> stub_ = server_.NewStub();
};

TEST_F(ClockedExpiryTest, IncidentCountsUntilItsExpiresAtAndIsExpiredOnce) {
  StreamReader reader(*stub_, FollowIncident("crowd-1"));
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp));
  const absl::Time expires_at = clock_.Now() + absl::Minutes(10);
  ASSERT_EQ(MustPublish(*stub_, ExpiringIncident("crowd-1", expires_at)), 1u);
  ASSERT_THAT(reader.ReadUpdates(1), SizeIs(1));

  clock_.Advance(absl::Minutes(9));
  EXPECT_EQ(server_.server().RunExpiryNow(), 0u);
  EXPECT_THAT(IncidentIds(Situation()), ElementsAre("crowd-1"));

  clock_.Advance(absl::Minutes(2));
  // Past expires_at the incident no longer counts, even before the sweep.
  EXPECT_THAT(IncidentIds(Situation()), IsEmpty());
  EXPECT_EQ(server_.server().RunExpiryNow(), 1u);
  EXPECT_EQ(server_.server().RunExpiryNow(), 0u) << "expired only once";

  std::vector<v1::SituationUpdate> updates = reader.ReadUpdates(1);
  ASSERT_THAT(updates, SizeIs(1));
  EXPECT_EQ(updates[0].kind(), v1::KIND_EXPIRED);
  EXPECT_EQ(updates[0].sequence(), 2u);
  EXPECT_EQ(updates[0].incident_version(), 2u);
  EXPECT_EQ(updates[0].publisher(), "sitrep");
  // It happened when the incident expired, not when the sweep ran.
  EXPECT_EQ(FromProtoTime(updates[0].occurred_at()),
            FromProtoTime(ToProtoTime(expires_at)));

  v1::Situation situation = Situation();
  EXPECT_THAT(IncidentIds(situation), IsEmpty());
  EXPECT_EQ(situation.sequence(), 2u);
}

TEST_F(ClockedExpiryTest, UpdateThatExtendsExpiresAtBeforeExpiryWins) {
  const absl::Time start = clock_.Now();
  ASSERT_EQ(MustPublish(*stub_, ExpiringIncident("crowd-1",
                                                 start + absl::Minutes(10))),
            1u);
  ASSERT_EQ(MustPublish(*stub_, Extend("crowd-1", start + absl::Hours(2))),
            2u);

  clock_.Advance(absl::Minutes(11));
  EXPECT_EQ(server_.server().RunExpiryNow(), 0u);
  v1::Situation situation = Situation();
  ASSERT_EQ(situation.incidents_size(), 1);
  EXPECT_EQ(situation.incidents(0).version(), 2u);

  // The extended expiry still applies.
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(server_.server().RunExpiryNow(), 1u);
  EXPECT_THAT(IncidentIds(Situation()), IsEmpty());
  v1::ListUpdatesRequest last;
  last.set_start_sequence(3);
  absl::StatusOr<v1::ListUpdatesResponse> listed = ListUpdates(*stub_, last);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->updates_size(), 1);
  EXPECT_EQ(listed->updates(0).kind(), v1::KIND_EXPIRED);
  EXPECT_EQ(listed->updates(0).incident_version(), 3u);
}

TEST_F(ClockedExpiryTest, ExpiredHeadlineKeepsTheIncidentsHeadlineWhole) {
  EXPECT_EQ(ExpiredHeadline("Crowd at the bridge in Mitrovicë"),
            "Expired: Crowd at the bridge in Mitrovicë");
}

TEST_F(ClockedExpiryTest, ExpiredHeadlineOfALongHeadlineIsCutOnACharacter) {
  // The validator's limit is 200 characters, not bytes: "Expired: " (9)
  // and as many of the two-byte "ë" as fit in the rest, whole.
  std::string e199;
  for (int i = 0; i < 199; ++i) e199 += "ë";
  EXPECT_EQ(ExpiredHeadline(e199), "Expired: " + e199.substr(0, 2 * 191));
  EXPECT_EQ(ExpiredHeadline("x" + e199), "Expired: x" + e199.substr(0, 2 * 190));
}

TEST_F(ClockedExpiryTest, OnlyTheIncidentsThatAreDueExpire) {
  const absl::Time start = clock_.Now();
  MustPublish(*stub_, ExpiringIncident("soon-1", start + absl::Minutes(5)));
  MustPublish(*stub_, ExpiringIncident("later-2", start + absl::Hours(5)));
  MustPublish(*stub_, NewIncident("never-3"));
  MustPublish(*stub_, ExpiringIncident("soon-4", start + absl::Minutes(6)));

  clock_.Advance(absl::Minutes(7));
  EXPECT_EQ(server_.server().RunExpiryNow(), 2u);
  EXPECT_THAT(IncidentIds(Situation()), ElementsAre("later-2", "never-3"));

  v1::ListUpdatesRequest request;
  request.mutable_filter()->add_kinds(v1::KIND_EXPIRED);
  absl::StatusOr<std::vector<v1::SituationUpdate>> expired =
      ListAll(*stub_, request);
  ASSERT_THAT(expired, IsOk());
  std::vector<std::string> ids;
  for (const v1::SituationUpdate& update : *expired) {
    ids.push_back(update.incident_id());
    EXPECT_EQ(update.publisher(), "sitrep");
    EXPECT_EQ(update.incident_version(), 2u);
  }
  EXPECT_THAT(ids, ElementsAre("soon-1", "soon-4"));
}

}  // namespace
}  // namespace sitrep::testing
