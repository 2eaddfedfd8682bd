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
  const std::string a = sessions.Create("Bearer a");
  const std::string b = sessions.Create("Bearer b");
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
  const std::string id = sessions.Create("Bearer x");
  sessions.Remove(id);
  EXPECT_EQ(sessions.Find(id), std::nullopt);
}

TEST(SessionStoreTest, BeyondTheLimitTheOldestGoes) {
  FakeClock clock;
  SessionStore sessions(&clock, {absl::Hours(1), 3});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(sessions.Create("Bearer " + std::to_string(i)));
    clock.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions.Find(ids[0]), std::nullopt);
  EXPECT_THAT(sessions.Find(ids[3]), Optional(std::string("Bearer 3")));
}

}  // namespace
}  // namespace sitrep
