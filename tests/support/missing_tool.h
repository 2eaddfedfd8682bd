// A test whose tool (nats-server, prometheus, ...) is not installed skips,
// saying how to install it; under CI=true it fails instead, so that CI never
// mistakes a skipped category for a passing one (ctest exits 0 on skips).
#ifndef SITREP_TESTS_SUPPORT_MISSING_TOOL_H_
#define SITREP_TESTS_SUPPORT_MISSING_TOOL_H_

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace sitrep::testing {

// True under CI=true (or CI=1): a missing tool is a failure.
inline bool MissingToolFails() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string(ci) == "true" || std::string(ci) == "1");
}

}  // namespace sitrep::testing

// In a test body or SetUp(): skips (fails under CI=true) with `what`.
#define SITREP_MISSING_TOOL(what)                                       \
  do {                                                                  \
    if (::sitrep::testing::MissingToolFails()) {                        \
      FAIL() << what << " (CI=true: a missing tool fails the test)";    \
    }                                                                   \
    GTEST_SKIP() << what;                                               \
  } while (0)

#endif  // SITREP_TESTS_SUPPORT_MISSING_TOOL_H_
