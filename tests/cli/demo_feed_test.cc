#include "client/demo_feed.h"

#include <algorithm>
#include <map>
#include <set>

#include "client/chain_text.h"
#include "client/municipalities.h"
#include "gtest/gtest.h"
#include "server/ingest/validator.h"

namespace sitrep::cli {
namespace {

namespace v1 = sitrep::v1;
using sitrep::v1::PublishRequest;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
// The default rate: two updates a second.
absl::Time Tick(int i) { return kStart + absl::Milliseconds(500) * i; }

std::vector<std::string> Generate(uint64_t seed, const std::string& run, int n) {
  DemoFeed demo(seed, run);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    // Text format prints map entries sorted: equal requests, equal text.
    out.push_back(demo.Next(Tick(i)).ShortDebugString());
  }
  return out;
}

std::string MunicipalityId(const std::string& spelling) {
  for (const MunicipalityName& m : Municipalities()) {
    if (m.albanian == spelling) return m.id;
  }
  return "";
}

TEST(DemoFeedTest, SameSeedAndRunGiveTheSameFeed) {
  EXPECT_EQ(Generate(7, "r1", 2000), Generate(7, "r1", 2000));
}

TEST(DemoFeedTest, OtherSeedGivesAnotherFeed) {
  EXPECT_NE(Generate(7, "r1", 50), Generate(8, "r1", 50));
}

TEST(DemoFeedTest, EveryMunicipalityHasOneKosovoPoliceRegion) {
  std::set<std::string> regions;
  for (const MunicipalityName& m : Municipalities()) {
    EXPECT_FALSE(KosovoPoliceRegion(m.id).empty()) << m.id;
    regions.insert(KosovoPoliceRegion(m.id));
  }
  EXPECT_EQ(regions.size(), 8u);
  EXPECT_EQ(KosovoPoliceRegion("zvecan"), "Mitrovicë North");
  EXPECT_EQ(KosovoPoliceRegion("prizren"), "Prizren");
  EXPECT_EQ(KosovoPoliceRegion("nowhere"), "");
}

// The incident state the chain's rules look at (README, "The security
// chain, as rules"), kept by hand for the demo's incidents.
struct ChainState {
  v1::Role lead = v1::ROLE_UNSPECIFIED;
  std::set<v1::Role> in_thread;
  std::map<v1::Role, v1::Role> open;          // asked tier -> asking tier
  std::map<v1::Role, v1::Role> acknowledged;  // asked tier -> asking tier
  absl::Time opened;
  absl::Time last;
};

int Rank(v1::Role r) {
  switch (r) {
    case v1::ROLE_FIRST_RESPONDER: return 1;
    case v1::ROLE_SECOND_RESPONDER: return 2;
    case v1::ROLE_THIRD_RESPONDER: return 3;
    default: return 0;
  }
}

// A long run of the demo never breaks the thread rules or the chain's
// rules, so it publishes without refusals (sitrep_cli_test runs it against
// a real sitrepd as well).
// The server would refuse an update whose point lies far from its
// municipality (server/ingest/municipality_neighbourhood.h): the demo's
// places must be where their municipalities are.
TEST(DemoFeedTest, EveryUpdatePassesTheServersValidation) {
  DemoFeed demo(777, "demo-v");
  int with_point = 0;
  for (int i = 0; i < 3000; ++i) {
    v1::SituationUpdate u = demo.Next(Tick(i)).update();
    SCOPED_TRACE(u.ShortDebugString());
    if (u.location().has_point()) ++with_point;
    const absl::Status status = ValidateAndNormalizeUpdate(u, Tick(i));
    ASSERT_TRUE(status.ok()) << status;
  }
  EXPECT_GT(with_point, 300);  // incidents and crossings carry their point
}

TEST(DemoFeedTest, EveryUpdateFollowsTheThreadAndChainRules) {
  DemoFeed demo(12345, "demo-x");
  std::map<std::string, ChainState> open;
  std::set<std::string> ever_opened;
  std::set<std::string> event_ids;
  std::map<v1::Kind, int> kinds;
  std::map<v1::Category, int> categories;
  std::map<v1::Mission, int> missions;
  std::vector<absl::Duration> lifetimes;
  int kfor_asked = 0;
  for (int i = 0; i < 20000; ++i) {
    const v1::SituationUpdate u = demo.Next(Tick(i)).update();
    SCOPED_TRACE(u.ShortDebugString());
    ++kinds[u.kind()];
    ++categories[u.category()];
    ++missions[u.mission()];
    EXPECT_TRUE(event_ids.insert(u.event_id()).second) << "event id reused";
    EXPECT_NE(u.severity(), v1::SEVERITY_UNSPECIFIED);
    EXPECT_NE(u.category(), v1::CATEGORY_UNSPECIFIED);
    EXPECT_FALSE(u.headline().empty());
    EXPECT_LE(u.headline().size(), 200u);
    EXPECT_EQ(ToTime(u.occurred_at()), Tick(i));
    // own tier: a mission acts as its tier or as support / liaison.
    EXPECT_TRUE(u.role() == TierOfMission(u.mission()) || u.role() == v1::ROLE_SUPPORT ||
                u.role() == v1::ROLE_LIAISON);
    const std::string municipality = MunicipalityId(u.location().municipality());
    ASSERT_FALSE(municipality.empty());
    // Units belong to their region.
    auto unit = u.labels().find("unit");
    if (unit != u.labels().end() && u.mission() == v1::MISSION_KOSOVO_POLICE) {
      EXPECT_EQ(unit->second, "KP Region " + KosovoPoliceRegion(municipality));
    }
    if (unit != u.labels().end() && u.mission() == v1::MISSION_KFOR &&
        unit->second != "KFOR MSU") {
      const std::string region = KosovoPoliceRegion(municipality);
      const bool west = region == "Pejë" || region == "Prizren" || region == "Gjakovë";
      const bool north = region == "Mitrovicë North" || region == "Mitrovicë South";
      EXPECT_EQ(unit->second, west ? "KFOR RC-West" : north ? "KFOR JRD-North" : "KFOR RC-East");
    }
    if (u.incident_id().empty()) {
      EXPECT_EQ(u.kind(), v1::KIND_UNSPECIFIED);
      EXPECT_FALSE(u.has_expires_at());
      continue;
    }
    EXPECT_EQ(ToTime(u.expires_at()), Tick(i) + absl::Minutes(30));
    const v1::Role tier = u.role();
    ASSERT_EQ(tier, TierOfMission(u.mission())) << "incident steps are by a responder";
    if (u.kind() == v1::KIND_NEW) {
      EXPECT_TRUE(ever_opened.insert(u.incident_id()).second) << "NEW reused an id";
      EXPECT_EQ(u.mission(), v1::MISSION_KOSOVO_POLICE);  // open-by-first-responder
      ChainState& s = open[u.incident_id()];
      s.lead = tier;
      s.in_thread.insert(tier);
      s.opened = s.last = Tick(i);
      continue;
    }
    ASSERT_EQ(open.count(u.incident_id()), 1u) << "update on a closed incident";
    ChainState& s = open[u.incident_id()];
    // Steps are spaced in time, not one per tick.
    EXPECT_GE(Tick(i) - s.last, absl::Seconds(20));
    s.last = Tick(i);
    switch (u.kind()) {
      case v1::KIND_UPDATE: {  // engaged-tiers-only: leads, asked, or acknowledged
        bool asked = false;
        for (const auto& [to, from] : s.open) asked = asked || from == tier;
        for (const auto& [to, from] : s.acknowledged) asked = asked || from == tier;
        EXPECT_TRUE(tier == s.lead || asked || s.acknowledged.count(tier) > 0);
        break;
      }
      case v1::KIND_REQUEST_SUPPORT:  // request-from-lead, request-upward, not repeated
        EXPECT_EQ(tier, s.lead);
        EXPECT_GT(Rank(u.target_tier()), Rank(s.lead));
        EXPECT_EQ(s.open.count(u.target_tier()) + s.acknowledged.count(u.target_tier()), 0u);
        s.open[u.target_tier()] = tier;
        s.in_thread.insert(u.target_tier());
        if (u.target_tier() == v1::ROLE_THIRD_RESPONDER) ++kfor_asked;
        break;
      case v1::KIND_ACKNOWLEDGE:  // acknowledge-open-request
        ASSERT_EQ(s.open.count(tier), 1u);
        s.acknowledged[tier] = s.open[tier];
        s.open.erase(tier);
        break;
      case v1::KIND_ESCALATE:  // escalate-upward, escalate-after-acknowledge
        EXPECT_GT(Rank(tier), Rank(s.lead));
        EXPECT_EQ(s.acknowledged.count(tier), 1u);
        s.lead = tier;
        break;
      case v1::KIND_DEESCALATE:
        if (tier == s.lead) {  // deescalate-downward, deescalate-to-thread-tier
          EXPECT_LT(Rank(u.target_tier()), Rank(tier));
          EXPECT_EQ(s.in_thread.count(u.target_tier()), 1u);
          s.lead = u.target_tier();
          for (int r = Rank(s.lead) + 1; r <= 3; ++r) {
            s.acknowledged.erase(static_cast<v1::Role>(r));
            s.open.erase(static_cast<v1::Role>(r));
          }
        } else {  // a supporting tier withdraws
          EXPECT_GT(Rank(tier), Rank(s.lead));
          EXPECT_EQ(s.acknowledged.count(tier), 1u);
          EXPECT_EQ(u.target_tier(), s.lead);
          s.acknowledged.erase(tier);
        }
        break;
      case v1::KIND_RESOLVE:
      case v1::KIND_CANCEL:  // close-by-lead
        EXPECT_EQ(tier, s.lead);
        lifetimes.push_back(Tick(i) - s.opened);
        open.erase(u.incident_id());
        break;
      default:
        ADD_FAILURE() << "unexpected kind";
    }
  }
  EXPECT_EQ(open.size(), demo.open_incidents());
  for (const DemoFeed::OpenIncident& incident : demo.OpenIncidents()) {
    ASSERT_EQ(open.count(incident.id), 1u);
    EXPECT_EQ(TierOfMission(incident.lead), open[incident.id].lead) << incident.id;
  }
  // A living feed: every part of the story shows up.
  for (v1::Kind k : {v1::KIND_NEW, v1::KIND_UPDATE, v1::KIND_REQUEST_SUPPORT,
                     v1::KIND_ACKNOWLEDGE, v1::KIND_ESCALATE, v1::KIND_DEESCALATE,
                     v1::KIND_RESOLVE, v1::KIND_UNSPECIFIED}) {
    EXPECT_GT(kinds[k], 0) << v1::Kind_Name(k);
  }
  EXPECT_GT(kfor_asked, 0);
  for (v1::Category c : {v1::CATEGORY_PATROL, v1::CATEGORY_BORDER_CROSSING,
                         v1::CATEGORY_DIPLOMATIC}) {
    EXPECT_GT(categories[c], 0) << v1::Category_Name(c);
  }
  EXPECT_GT(missions[v1::MISSION_KFOR], 0);
  EXPECT_GT(missions[v1::MISSION_EULEX], 0);
  EXPECT_GT(missions[v1::MISSION_KOSOVO_POLICE], 0);
  // Incidents last minutes at the default rate, not seconds.
  ASSERT_GT(lifetimes.size(), 50u);
  std::sort(lifetimes.begin(), lifetimes.end());
  EXPECT_GE(lifetimes.front(), absl::Seconds(20));
  EXPECT_GE(lifetimes[lifetimes.size() / 2], absl::Minutes(2));
}

TEST(DemoFeedTest, TheCloseRequestResolvesByTheLeadAsItsOwnTier) {
  DemoFeed demo(5, "r");
  for (int i = 0; demo.open_incidents() == 0 && i < 100; ++i) demo.Next(Tick(i));
  ASSERT_GT(demo.open_incidents(), 0u);
  const DemoFeed::OpenIncident incident = demo.OpenIncidents().front();
  const v1::SituationUpdate close =
      demo.CloseRequest(incident.id, v1::MISSION_EULEX, Tick(200)).update();
  EXPECT_EQ(close.kind(), v1::KIND_RESOLVE);
  EXPECT_EQ(close.mission(), v1::MISSION_EULEX);
  EXPECT_EQ(close.role(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(close.incident_id(), incident.id);
  EXPECT_FALSE(close.event_id().empty());
  // The same close again is the same request: a retry is a duplicate.
  EXPECT_EQ(close.ShortDebugString(),
            demo.CloseRequest(incident.id, v1::MISSION_EULEX, Tick(200)).update()
                .ShortDebugString());
}

}  // namespace
}  // namespace sitrep::cli
