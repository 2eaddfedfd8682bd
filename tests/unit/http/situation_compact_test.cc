// GET /v1/situation?view=compact (situation_compact.h): the view parameter.
// The compact view itself: tests/unit/query/compact_situation_test.cc.
#include "server/http/situation_compact.h"

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(SituationCompactTest, TheViewParameter) {
  EXPECT_FALSE(*WantsCompactSituation(""));
  EXPECT_FALSE(*WantsCompactSituation("filter.missions=kfor&view=full"));
  EXPECT_TRUE(*WantsCompactSituation("view=compact&filter.missions=kfor"));
  absl::StatusOr<bool> wrong = WantsCompactSituation("view=short");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("view: 'short'"), std::string::npos);
}

}  // namespace
}  // namespace sitrep
