// GET /v1/situation?view=compact|rows (situation_compact.h): the view
// parameter. The compact views themselves:
// tests/unit/query/compact_situation_test.cc.
#include "server/http/situation_compact.h"

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(SituationCompactTest, TheViewParameter) {
  EXPECT_EQ(*SituationViewOf(""), SituationJsonView::kFull);
  EXPECT_EQ(*SituationViewOf("filter.missions=kfor&view=full"), SituationJsonView::kFull);
  EXPECT_EQ(*SituationViewOf("view=compact&filter.missions=kfor"), SituationJsonView::kCompact);
  EXPECT_EQ(*SituationViewOf("view=rows"), SituationJsonView::kRows);
  absl::StatusOr<SituationJsonView> wrong = SituationViewOf("view=short");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("view: 'short'"), std::string::npos);
}

}  // namespace
}  // namespace sitrep
