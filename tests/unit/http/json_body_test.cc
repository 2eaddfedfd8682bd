#include "server/http/json_body.h"

#include "gtest/gtest.h"

namespace sitrep {
namespace {

TEST(JsonBodyTest, HttpStatusFollowsTheGrpcCode) {
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInternal), 500);
}

TEST(JsonBodyTest, ErrorBodyIsEscapedJson) {
  EXPECT_EQ(ErrorJson(absl::PermissionDeniedError("may not read \"EULEX\"\n")),
            "{\"code\":7,\"status\":\"PERMISSION_DENIED\",\"message\":"
            "\"may not read \\\"EULEX\\\"\\n\"}");
}

}  // namespace
}  // namespace sitrep
