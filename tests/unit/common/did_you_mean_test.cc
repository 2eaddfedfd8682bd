#include "common/did_you_mean.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("pristine", "prishtine"), 1u);
  EXPECT_EQ(EditDistance("misson", "mission"), 1u);
}

TEST(EditDistanceTest, CountsCodePointsNotBytes) {
  // A Latin 'e' typed among Cyrillic letters is one mistake, not two bytes.
  EXPECT_EQ(EditDistance("северна", "сeверна"), 1u);
  EXPECT_EQ(EditDistance("ё", "е"), 1u);
  EXPECT_EQ(EditDistance("Звечан", "Звечан"), 0u);
}

TEST(EditDistanceTest, InvalidUtf8CountsBytewise) {
  EXPECT_EQ(EditDistance("a\xff" "b", "ab"), 1u);
  EXPECT_EQ(EditDistance("\xc3", "\xc3"), 0u);
}

TEST(MaxTypoDistanceTest, GrowsWithTheWord) {
  EXPECT_EQ(MaxTypoDistance(2), 1u);
  EXPECT_EQ(MaxTypoDistance(4), 1u);
  EXPECT_EQ(MaxTypoDistance(5), 2u);
  EXPECT_EQ(MaxTypoDistance(8), 2u);
  EXPECT_EQ(MaxTypoDistance(9), 3u);
}

TEST(NearestCandidateTest, FindsTheNearestWithinTheTypoDistance) {
  const std::vector<std::string> names = {"mission", "role", "minSeverity"};
  EXPECT_EQ(NearestCandidate("misson", names), std::optional<size_t>(0));
  EXPECT_EQ(NearestCandidate("rol", names), std::optional<size_t>(1));
  EXPECT_EQ(NearestCandidate("minseverity", names), std::optional<size_t>(2));
}

TEST(NearestCandidateTest, NothingWhenFarOrEmpty) {
  const std::vector<std::string> names = {"kfor", "eulex", "kosovo-police"};
  EXPECT_EQ(NearestCandidate("nato", names), std::nullopt);
  EXPECT_EQ(NearestCandidate("", names), std::nullopt);
  EXPECT_EQ(NearestCandidate("kfor", {}), std::nullopt);
}

TEST(NearestCandidateTest, TheFirstOfEquallyNearOnes) {
  EXPECT_EQ(NearestCandidate("cat", {"bat", "hat"}), std::optional<size_t>(0));
}

}  // namespace
}  // namespace sitrep
