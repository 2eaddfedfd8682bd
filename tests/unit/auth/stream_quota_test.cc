#include "server/auth/stream_quota.h"

#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOkAndHolds;
using ::sitrep::testing::StatusIs;

TEST(StreamQuotaTest, CountsPerPrincipalAndReleasesOnDestruction) {
  StreamQuota quota(2);
  std::vector<StreamLease> leases;
  for (int i = 0; i < 2; ++i) {
    SITREP_ASSERT_OK_AND_ASSIGN(StreamLease lease, quota.Acquire("a"));
    leases.push_back(std::move(lease));
  }
  EXPECT_THAT(quota.Acquire("a"),
              StatusIs(absl::StatusCode::kResourceExhausted, ""));
  SITREP_EXPECT_OK(quota.Acquire("b").status());  // Released again at once.
  EXPECT_EQ(quota.open("b"), 0u);
  EXPECT_EQ(quota.open("a"), 2u);
  leases.pop_back();
  EXPECT_EQ(quota.open("a"), 1u);
  SITREP_EXPECT_OK(quota.Acquire("a").status());
}

TEST(StreamQuotaTest, MovedAndReleasedLeasesCountOnce) {
  StreamQuota quota(1);
  SITREP_ASSERT_OK_AND_ASSIGN(StreamLease lease, quota.Acquire("a"));
  StreamLease moved = std::move(lease);
  lease.Release();  // Moved-from: nothing.
  EXPECT_EQ(quota.open("a"), 1u);
  moved.Release();
  moved.Release();
  EXPECT_EQ(quota.open("a"), 0u);
}

TEST(StreamQuotaTest, ZeroMeansNoLimit) {
  StreamQuota quota(0);
  std::vector<StreamLease> leases;
  for (int i = 0; i < 1000; ++i) {
    SITREP_ASSERT_OK_AND_ASSIGN(StreamLease lease, quota.Acquire("a"));
    leases.push_back(std::move(lease));
  }
}

}  // namespace
}  // namespace sitrep
