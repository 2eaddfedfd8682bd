#ifndef SITREP_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define SITREP_TESTS_SUPPORT_STATUS_MATCHERS_H_

// IsOk() and StatusIs(code, substring) for absl::Status and absl::StatusOr
// (Debian 12's abseil has no status_matchers.h).

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace sitrep::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P2(StatusIs, code, substring,
           absl::StrCat("has code ", absl::StatusCodeToString(code),
                        " and a message containing '",
                        std::string(substring), "'")) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         status.message().find(substring) != absl::string_view::npos;
}

// The value of an OK StatusOr matches `matcher`.
MATCHER_P(IsOkAndHolds, matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(matcher, *arg, result_listener);
}

#define SITREP_ASSERT_OK(expr) ASSERT_THAT((expr), ::sitrep::testing::IsOk())
#define SITREP_EXPECT_OK(expr) EXPECT_THAT((expr), ::sitrep::testing::IsOk())

// Declares `lhs` from the value of the StatusOr `rexpr`, or fails the test
// (returning from it) with the status.
#define SITREP_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  SITREP_ASSERT_OK_AND_ASSIGN_IMPL(             \
      SITREP_STATUS_CONCAT(status_or_, __LINE__), lhs, rexpr)
#define SITREP_ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                     \
  ASSERT_TRUE(statusor.ok()) << statusor.status();             \
  lhs = std::move(statusor).value()
#define SITREP_STATUS_CONCAT(a, b) SITREP_STATUS_CONCAT_INNER(a, b)
#define SITREP_STATUS_CONCAT_INNER(a, b) a##b

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_STATUS_MATCHERS_H_
