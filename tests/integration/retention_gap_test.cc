// Retention against a real sitrepd: old updates are removed (by count and
// by age), a cursor behind retention is never skipped silently (Gap, a
// situation resync, or OUT_OF_RANGE, as the subscriber asked), and open
// incidents survive in the situation.
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
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

bool HasGap(const StreamReader& reader) {
  for (const v1::SubscribeResponse& marker : reader.markers()) {
    if (marker.has_gap()) return true;
  }
  return false;
}

v1::SituationUpdate Resolve(absl::string_view incident_id) {
  v1::SituationUpdate update = UpdateFromText(R"pb(
    mission: MISSION_KOSOVO_POLICE
    role: ROLE_FIRST_RESPONDER
    severity: SEVERITY_MINOR
    category: CATEGORY_CIVIL_DISTURBANCE
    kind: KIND_RESOLVE
    headline: "Crowd dispersed"
  )pb");
  update.set_incident_id(std::string(incident_id));
  return update;
}

// 50 updates, of which the first 40 are removed by retention (keep 10):
//   1, 2, 3  NEW incidents a, b, c
//   4        RESOLVE c
//   5..50    stand-alone patrols
// so a and b are open, and their latest updates are gone from the log.
class RetentionTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kPublished = 50;
  static constexpr uint64_t kOldestRetained = 41;

  RetentionTest()
      : server_([](ServerConfig& c) {
          c.retention_max_updates = 10;
          c.ring_capacity = 16;  // the minimum; 41..50 fit, 6..40 do not
          // Only RunRetentionNow() applies retention in these tests.
          c.retention_interval = absl::Hours(1);
        }) {}

  void SetUp() override {
    ASSERT_EQ(MustPublish(*stub_, NewIncident("a")), 1u);
    ASSERT_EQ(MustPublish(*stub_, NewIncident("b", v1::MISSION_KFOR)), 2u);
    ASSERT_EQ(MustPublish(*stub_, NewIncident("c")), 3u);
    ASSERT_EQ(MustPublish(*stub_, Resolve("c")), 4u);
    for (uint64_t s = 5; s <= kPublished; ++s) {
      ASSERT_EQ(MustPublish(*stub_, PatrolUpdate(v1::MISSION_EULEX,
                                                 absl::StrCat("patrol ", s))),
                s);
    }
    absl::StatusOr<uint64_t> removed = server_.server().RunRetentionNow();
    ASSERT_THAT(removed, IsOk());
    ASSERT_EQ(*removed, kOldestRetained - 1);
  }

  v1::SubscribeRequest After(uint64_t sequence, v1::GapPolicy on_gap) {
    v1::SubscribeRequest request;
    request.set_after_sequence(sequence);
    request.set_log_id(server_.server().log_id());
    request.set_on_gap(on_gap);
    return request;
  }

  TestServer server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_ = server_.NewStub();
};

TEST_F(RetentionTest, KeepsOnlyTheNewestMaxUpdates) {
  absl::StatusOr<std::vector<v1::SituationUpdate>> all =
      ListAll(*stub_, v1::ListUpdatesRequest());
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(Sequences(*all),
              ElementsAreArray(SequenceRange(kOldestRetained, kPublished)));
  absl::StatusOr<v1::ListUpdatesResponse> page =
      ListUpdates(*stub_, v1::ListUpdatesRequest());
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->oldest_sequence(), kOldestRetained);
  EXPECT_EQ(page->head_sequence(), kPublished);
  // Applying it again removes nothing more.
  absl::StatusOr<uint64_t> again = server_.server().RunRetentionNow();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0u);
}

TEST_F(RetentionTest, ResumeBehindRetentionSendsAGapThenTheRetainedUpdatesInOrder) {
  for (v1::GapPolicy policy :
       {v1::GAP_POLICY_UNSPECIFIED, v1::GAP_POLICY_GAP}) {
    SCOPED_TRACE(v1::GapPolicy_Name(policy));
    StreamReader reader(*stub_, After(5, policy));
    std::optional<v1::SubscribeResponse> first = NextNonHeartbeat(reader);
    ASSERT_TRUE(first.has_value()) << reader.Finish().error_message();
    ASSERT_TRUE(first->has_gap()) << first->DebugString();
    EXPECT_EQ(first->gap().from_sequence(), 6u);
    EXPECT_EQ(first->gap().to_sequence(), kOldestRetained - 1);
    EXPECT_EQ(first->cursor().sequence(), kOldestRetained - 1);
    EXPECT_EQ(first->cursor().log_id(), server_.server().log_id());

    std::vector<v1::SituationUpdate> updates;
    std::optional<v1::SubscribeResponse> caught_up =
        reader.ReadUntil(IsCaughtUp, &updates);
    ASSERT_TRUE(caught_up.has_value());
    EXPECT_THAT(Sequences(updates),
                ElementsAreArray(SequenceRange(kOldestRetained, kPublished)));
    EXPECT_EQ(caught_up->caught_up().sequence(), kPublished);
  }
}

TEST_F(RetentionTest, ResumeWithinRetentionHasNoGap) {
  StreamReader reader(*stub_, After(45, v1::GAP_POLICY_UNSPECIFIED));
  std::vector<v1::SituationUpdate> updates;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates));
  EXPECT_THAT(Sequences(updates), ElementsAreArray(SequenceRange(46, 50)));
  EXPECT_FALSE(HasGap(reader));
}

TEST_F(RetentionTest, ResumeJustBeforeTheOldestRetainedHasNoGap) {
  StreamReader reader(*stub_,
                      After(kOldestRetained - 1, v1::GAP_POLICY_UNSPECIFIED));
  std::vector<v1::SituationUpdate> updates;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates));
  EXPECT_THAT(Sequences(updates),
              ElementsAreArray(SequenceRange(kOldestRetained, kPublished)));
  EXPECT_FALSE(HasGap(reader));
}

TEST_F(RetentionTest, ResumeBehindRetentionWithPolicySituationResyncsInOneStep) {
  StreamReader reader(*stub_, After(5, v1::GAP_POLICY_SITUATION));
  std::optional<v1::SubscribeResponse> first = NextNonHeartbeat(reader);
  ASSERT_TRUE(first.has_value()) << reader.Finish().error_message();
  ASSERT_TRUE(first->has_gap()) << first->DebugString();
  EXPECT_EQ(first->gap().from_sequence(), 6u);
  EXPECT_EQ(first->gap().to_sequence(), kOldestRetained - 1);

  // The snapshot: the open incidents' latest updates, retained or not.
  std::vector<v1::SituationUpdate> snapshot;
  std::optional<v1::SubscribeResponse> end =
      reader.ReadUntil(IsSnapshotEnd, &snapshot);
  ASSERT_TRUE(end.has_value());
  std::vector<std::string> ids;
  for (const v1::SituationUpdate& update : snapshot) {
    ids.push_back(update.incident_id());
  }
  EXPECT_THAT(ids, ElementsAre("a", "b"));
  EXPECT_THAT(Sequences(snapshot), ElementsAre(1, 2));
  EXPECT_EQ(end->snapshot_end().sequence(), kPublished);
  EXPECT_EQ(end->cursor().sequence(), kPublished);

  std::vector<v1::SituationUpdate> before_caught_up;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &before_caught_up));
  EXPECT_THAT(before_caught_up, IsEmpty()) << "updates 41..50 are in the "
                                              "snapshot's state already";

  // Then live.
  ASSERT_EQ(MustPublish(*stub_, PatrolUpdate(v1::MISSION_KFOR)),
            kPublished + 1);
  EXPECT_THAT(Sequences(reader.ReadUpdates(1)), ElementsAre(kPublished + 1));
}

TEST_F(RetentionTest, ResumeBehindRetentionWithPolicyFailEndsOutOfRange) {
  StreamReader reader(*stub_, After(5, v1::GAP_POLICY_FAIL));
  std::vector<v1::SituationUpdate> updates;
  EXPECT_FALSE(reader.ReadUntil(
      [](const v1::SubscribeResponse&) { return false; }, &updates));
  EXPECT_THAT(updates, IsEmpty());
  grpc::Status status = reader.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("retention"));
  EXPECT_FALSE(HasGap(reader));
}

TEST_F(RetentionTest, FromBeginningStartsAtTheOldestRetainedWithoutAGap) {
  v1::SubscribeRequest request;
  request.set_from_beginning(true);
  StreamReader reader(*stub_, request);
  std::vector<v1::SituationUpdate> updates;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates));
  EXPECT_THAT(Sequences(updates),
              ElementsAreArray(SequenceRange(kOldestRetained, kPublished)));
  EXPECT_FALSE(HasGap(reader));
}

TEST_F(RetentionTest, SinceTimeBeforeRetentionStartsAtTheOldestRetainedWithoutAGap) {
  v1::SubscribeRequest request;
  *request.mutable_since_time() = ToProtoTime(absl::Now() - absl::Hours(1));
  StreamReader reader(*stub_, request);
  std::vector<v1::SituationUpdate> updates;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates));
  EXPECT_THAT(Sequences(updates),
              ElementsAreArray(SequenceRange(kOldestRetained, kPublished)));
  EXPECT_FALSE(HasGap(reader));
}

TEST_F(RetentionTest, OpenIncidentsSurviveRetentionInGetSituation) {
  absl::StatusOr<v1::Situation> situation = GetSituation(*stub_);
  ASSERT_THAT(situation, IsOk());
  EXPECT_EQ(situation->sequence(), kPublished);
  ASSERT_EQ(situation->incidents_size(), 2);
  EXPECT_EQ(situation->incidents(0).incident_id(), "a");
  EXPECT_EQ(situation->incidents(0).latest().sequence(), 1u);
  EXPECT_EQ(situation->incidents(0).latest().headline(),
            "Crowd gathering at the main bridge");
  EXPECT_EQ(situation->incidents(1).incident_id(), "b");
  EXPECT_EQ(situation->incidents(1).opened_by(), v1::MISSION_KFOR);

  // And they stay open threads: they can still be updated and resolved.
  ASSERT_EQ(MustPublish(*stub_, Resolve("a")), kPublished + 1);
  situation = GetSituation(*stub_);
  ASSERT_THAT(situation, IsOk());
  ASSERT_EQ(situation->incidents_size(), 1);
  EXPECT_EQ(situation->incidents(0).incident_id(), "b");
}

TEST_F(RetentionTest, OpenIncidentsSurviveRetentionAcrossARestart) {
  server_.Restart();
  stub_ = server_.NewStub();
  absl::StatusOr<v1::Situation> situation = GetSituation(*stub_);
  ASSERT_THAT(situation, IsOk());
  EXPECT_EQ(situation->sequence(), kPublished);
  std::vector<std::string> ids;
  for (const v1::Incident& incident : situation->incidents()) {
    ids.push_back(incident.incident_id());
  }
  EXPECT_THAT(ids, ElementsAre("a", "b"));
}

// Retention by age, on a clock the test moves (no sleeping).
TEST(RetentionByAgeTest, RemovesUpdatesReceivedBeforeMaxAgeAndResumeSeesAGap) {
  FakeClock clock;
  ClockedServer server(&clock, [](ServerConfig& c) {
    c.retention_max_age = absl::Hours(1);
  });
  ASSERT_TRUE(server.started());
  auto stub = server.NewStub();
  ASSERT_EQ(MustPublish(*stub, NewIncident("old-incident")), 1u);
  for (int i = 0; i < 4; ++i) MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR));

  clock.Advance(absl::Minutes(30));
  absl::StatusOr<uint64_t> removed = server.server().RunRetentionNow();
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 0u) << "nothing is older than an hour yet";

  for (int i = 0; i < 3; ++i) MustPublish(*stub, PatrolUpdate(v1::MISSION_EULEX));
  clock.Advance(absl::Minutes(45));  // 1..5 are 75 min old, 6..8 are 45 min
  removed = server.server().RunRetentionNow();
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, 5u);

  absl::StatusOr<std::vector<v1::SituationUpdate>> all =
      ListAll(*stub, v1::ListUpdatesRequest());
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(Sequences(*all), ElementsAre(6, 7, 8));

  v1::SubscribeRequest request;
  request.set_after_sequence(0);
  request.set_log_id(server.server().log_id());
  StreamReader reader(*stub, request);
  std::optional<v1::SubscribeResponse> first = NextNonHeartbeat(reader);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_gap()) << first->DebugString();
  EXPECT_EQ(first->gap().from_sequence(), 1u);
  EXPECT_EQ(first->gap().to_sequence(), 5u);
  std::vector<v1::SituationUpdate> updates;
  ASSERT_TRUE(reader.ReadUntil(IsCaughtUp, &updates));
  EXPECT_THAT(Sequences(updates), ElementsAre(6, 7, 8));

  // Retention removes history, never a current incident.
  absl::StatusOr<v1::Situation> situation = GetSituation(*stub);
  ASSERT_THAT(situation, IsOk());
  ASSERT_EQ(situation->incidents_size(), 1);
  EXPECT_EQ(situation->incidents(0).incident_id(), "old-incident");
}

}  // namespace
}  // namespace sitrep::testing
