#include "server/http/session_store.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace sitrep {
namespace {

using ::testing::Optional;

TEST(SessionStoreTest, SessionsAreRandomAndLastTheirTtl) {
  FakeClock clock;
  SessionStore sessions(&clock, {absl::Hours(1), 100});
  const std::string a = sessions.Create("a", "Bearer a");
  const std::string b = sessions.Create("b", "Bearer b");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_THAT(sessions.Find(a), Optional(std::string("Bearer a")));
  clock.Advance(absl::Minutes(59));
  EXPECT_THAT(sessions.Find(b), Optional(std::string("Bearer b")));
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(sessions.Find(a), std::nullopt);
  EXPECT_EQ(sessions.Find("not-a-session"), std::nullopt);
}

TEST(SessionStoreTest, RemoveEndsASession) {
  FakeClock clock;
  SessionStore sessions(&clock, {});
  const std::string id = sessions.Create("x", "Bearer x");
  sessions.Remove(id);
  EXPECT_EQ(sessions.Find(id), std::nullopt);
}

TEST(SessionStoreTest, BeyondTheLimitTheOldestGoes) {
  FakeClock clock;
  SessionStore sessions(&clock, {absl::Hours(1), 3});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(sessions.Create("p" + std::to_string(i),
                                  "Bearer " + std::to_string(i)));
    clock.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions.Find(ids[0]), std::nullopt);
  EXPECT_THAT(sessions.Find(ids[3]), Optional(std::string("Bearer 3")));
}

// Issue 17, L-1: one principal creating sessions in a loop only replaces
// its own; before, it evicted everyone's (one global oldest-first cap).
TEST(SessionStoreTest, OnePrincipalCannotEvictAnothersSessions) {
  FakeClock clock;
  SessionStore sessions(&clock, {absl::Hours(1), 10, 3});
  const std::string victim = sessions.Create("kp-ops", "Bearer kp");
  std::vector<std::string> flood;
  for (int i = 0; i < 100; ++i) {
    clock.Advance(absl::Seconds(1));
    flood.push_back(sessions.Create("flood", "Bearer f"));
  }
  EXPECT_THAT(sessions.Find(victim), Optional(std::string("Bearer kp")));
  EXPECT_EQ(sessions.size(), 4u);  // the victim's and the flood's newest 3
  EXPECT_EQ(sessions.Find(flood[96]), std::nullopt);
  EXPECT_THAT(sessions.Find(flood[99]), Optional(std::string("Bearer f")));
}

TEST(SessionStoreTest, WhenFullANewcomerTakesFromTheLargestHolder) {
  FakeClock clock;
  SessionStore sessions(&clock, {absl::Hours(1), 4, 3});
  const std::string small = sessions.Create("small", "Bearer s");
  for (int i = 0; i < 3; ++i) {
    clock.Advance(absl::Seconds(1));
    sessions.Create("big", "Bearer b");
  }
  clock.Advance(absl::Seconds(1));
  const std::string newcomer = sessions.Create("new", "Bearer n");
  EXPECT_EQ(sessions.size(), 4u);
  EXPECT_THAT(sessions.Find(small), Optional(std::string("Bearer s")));
  EXPECT_THAT(sessions.Find(newcomer), Optional(std::string("Bearer n")));
}

}  // namespace
}  // namespace sitrep
