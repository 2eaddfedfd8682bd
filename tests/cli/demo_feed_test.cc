#include "client/demo_feed.h"

#include <map>
#include <set>

#include "client/municipalities.h"
#include "gtest/gtest.h"

namespace sitrep::cli {
namespace {

using sitrep::v1::PublishRequest;

std::vector<std::string> Generate(uint64_t seed, const std::string& run, int n) {
  DemoFeed demo(seed, run);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    // Text format prints map entries sorted: equal requests, equal text.
    out.push_back(demo.Next().ShortDebugString());
  }
  return out;
}

TEST(DemoFeedTest, SameSeedAndRunGiveTheSameFeed) {
  EXPECT_EQ(Generate(7, "r1", 500), Generate(7, "r1", 500));
}

TEST(DemoFeedTest, OtherSeedGivesAnotherFeed) {
  EXPECT_NE(Generate(7, "r1", 50), Generate(8, "r1", 50));
}

// The server's thread rules (situation_update.proto, Kind): a long run of the
// demo never breaks them, so it publishes without rejections.
TEST(DemoFeedTest, EveryUpdateObeysTheServersThreadRules) {
  DemoFeed demo(12345, "demo-x");
  std::set<std::string> ever_opened;
  std::set<std::string> open;
  std::set<std::string> event_ids;
  std::set<std::string> municipalities;
  for (const MunicipalityName& m : Municipalities()) municipalities.insert(m.albanian);
  std::map<sitrep::v1::Kind, int> kinds;
  std::map<sitrep::v1::Category, int> categories;
  std::map<sitrep::v1::Mission, int> missions;
  for (int i = 0; i < 20000; ++i) {
    const sitrep::v1::SituationUpdate u = demo.Next().update();
    SCOPED_TRACE(u.ShortDebugString());
    ++kinds[u.kind()];
    ++categories[u.category()];
    ++missions[u.mission()];
    EXPECT_TRUE(event_ids.insert(u.event_id()).second) << "event id reused";
    EXPECT_NE(u.mission(), sitrep::v1::MISSION_UNSPECIFIED);
    EXPECT_NE(u.role(), sitrep::v1::ROLE_UNSPECIFIED);
    EXPECT_NE(u.severity(), sitrep::v1::SEVERITY_UNSPECIFIED);
    EXPECT_NE(u.category(), sitrep::v1::CATEGORY_UNSPECIFIED);
    EXPECT_NE(u.kind(), sitrep::v1::KIND_EXPIRED);
    EXPECT_FALSE(u.headline().empty());
    EXPECT_LE(u.headline().size(), 200u);
    EXPECT_EQ(municipalities.count(u.location().municipality()), 1u);
    if (u.incident_id().empty()) {
      EXPECT_EQ(u.kind(), sitrep::v1::KIND_UNSPECIFIED);
      continue;
    }
    EXPECT_NE(u.kind(), sitrep::v1::KIND_UNSPECIFIED);
    if (u.kind() == sitrep::v1::KIND_NEW) {
      EXPECT_TRUE(ever_opened.insert(u.incident_id()).second) << "NEW reused an id";
      EXPECT_EQ(u.mission(), sitrep::v1::MISSION_KOSOVO_POLICE);
      EXPECT_EQ(u.role(), sitrep::v1::ROLE_FIRST_RESPONDER);
      open.insert(u.incident_id());
      continue;
    }
    ASSERT_EQ(open.count(u.incident_id()), 1u) << "update on a closed incident";
    if (u.kind() == sitrep::v1::KIND_RESOLVE || u.kind() == sitrep::v1::KIND_CANCEL) {
      open.erase(u.incident_id());
    }
  }
  EXPECT_EQ(open.size(), demo.open_incidents());
  // A living feed: every part of the story shows up.
  for (sitrep::v1::Kind k : {sitrep::v1::KIND_NEW, sitrep::v1::KIND_UPDATE,
                             sitrep::v1::KIND_REQUEST_SUPPORT, sitrep::v1::KIND_ACKNOWLEDGE,
                             sitrep::v1::KIND_ESCALATE, sitrep::v1::KIND_DEESCALATE,
                             sitrep::v1::KIND_RESOLVE, sitrep::v1::KIND_UNSPECIFIED}) {
    EXPECT_GT(kinds[k], 0) << sitrep::v1::Kind_Name(k);
  }
  for (sitrep::v1::Category c : {sitrep::v1::CATEGORY_PATROL, sitrep::v1::CATEGORY_BORDER_CROSSING,
                                 sitrep::v1::CATEGORY_DIPLOMATIC}) {
    EXPECT_GT(categories[c], 0) << sitrep::v1::Category_Name(c);
  }
  EXPECT_GT(missions[sitrep::v1::MISSION_KFOR], 0);
  EXPECT_GT(missions[sitrep::v1::MISSION_EULEX], 0);
  EXPECT_GT(missions[sitrep::v1::MISSION_KOSOVO_POLICE], 0);
}

TEST(DemoFeedTest, KforOnlyJoinsAfterEulexAskedForIt) {
  DemoFeed demo(99, "r");
  std::map<std::string, bool> eulex_asked;
  for (int i = 0; i < 5000; ++i) {
    const sitrep::v1::SituationUpdate u = demo.Next().update();
    if (u.incident_id().empty()) continue;
    if (u.mission() == sitrep::v1::MISSION_EULEX &&
        u.kind() == sitrep::v1::KIND_REQUEST_SUPPORT) {
      eulex_asked[u.incident_id()] = true;
    }
    if (u.mission() == sitrep::v1::MISSION_KFOR) {
      EXPECT_TRUE(eulex_asked[u.incident_id()]) << u.ShortDebugString();
    }
  }
}

}  // namespace
}  // namespace sitrep::cli
