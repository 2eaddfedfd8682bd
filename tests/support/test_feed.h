#ifndef SITREP_TESTS_SUPPORT_TEST_FEED_H_
#define SITREP_TESTS_SUPPORT_TEST_FEED_H_

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/fanout/feed.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_event_log.h"
#include "tests/support/manual_executor.h"

namespace sitrep::testing {

// A Feed over an in-memory log on a ManualExecutor, for tests of what the
// Feed wakes and in which order streams run. Header-only: the test links
// sitrep_fanout (sitrep_testing does not).
struct TestFeed {
  explicit TestFeed(Feed::Options options = {}) {
    clock.Set(absl::FromUnixSeconds(1'800'000'000));
    log = NewInMemoryEventLog(&clock);
    feed = std::make_unique<Feed>(log.get(), &executor, nullptr, nullptr,
                                  options);
    log->SetAppendListener(feed.get());
  }

  // Appends `update` as publisher "test" and waits until it is stored.
  void Append(v1::SituationUpdate update) {
    AppendRequest request;
    request.update = std::move(update);
    request.update.set_publisher("test");
    request.update.set_event_id(absl::StrCat("e", appended++));
    ASSERT_TRUE(AppendOneAndWait(log.get(), std::move(request)).ok());
  }

  FakeClock clock;
  ManualExecutor executor;
  std::unique_ptr<EventLog> log;
  std::unique_ptr<Feed> feed;
  int appended = 0;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_TEST_FEED_H_
