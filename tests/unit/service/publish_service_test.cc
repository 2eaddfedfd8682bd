// PublishService (service/publish_service.h) over a real Publisher and the
// in-memory log: where `done` runs, the rate limit, and that a completion an
// executor drops still answers.
#include "server/service/publish_service.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/in_memory_event_log.h"
#include "tests/support/manual_executor.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

// A ManualExecutor the test can wait on: the store may call back on a
// writer thread of its own, so the completion is scheduled some time after
// Publish returns.
class AwaitableExecutor final : public Executor {
 public:
  void Schedule(absl::AnyInvocable<void()> task) override {
    inner.Schedule(std::move(task));
    absl::MutexLock lock(&mu_);
    ++scheduled_;
  }
  void ScheduleAfter(absl::Duration delay,
                     absl::AnyInvocable<void()> task) override {
    inner.ScheduleAfter(delay, std::move(task));
  }
  // Waits (at most 10 s) until `count` tasks were scheduled.
  bool AwaitScheduled(int count) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return scheduled_ >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
  }

  testing::ManualExecutor inner;

 private:
  absl::Mutex mu_;
  int scheduled_ ABSL_GUARDED_BY(mu_) = 0;
};

class PublishServiceTest : public ::testing::Test {
 protected:
  explicit PublishServiceTest(PublishRateLimiter::Options rate = {})
      : log_(NewInMemoryEventLog(&clock_)),
        publisher_(log_.get(), &clock_, ValidationLimits()),
        rate_(&clock_, rate),
        completions_(std::make_unique<AwaitableExecutor>()),
        service_(&publisher_, &rate_, {nullptr, completions_.get()}) {
    caller_.principal = AnonymousPrincipal();
    caller_.peer = "test";
  }

  // Publishes `count` patrol updates; the results land in results_.
  void Publish(int count) {
    std::vector<v1::PublishRequest> requests(count);
    for (int i = 0; i < count; ++i) {
      *requests[i].mutable_update() = testing::PatrolUpdate(v1::MISSION_KFOR);
      requests[i].mutable_update()->set_event_id(absl::StrCat("e", next_++));
    }
    service_.Publish(caller_, "Publish", std::move(requests), absl::Now(),
                     [this](PublishResults results) {
                       results_ = std::move(results);
                     });
  }

  FakeClock clock_;
  std::unique_ptr<EventLog> log_;
  Publisher publisher_;
  PublishRateLimiter rate_;
  std::unique_ptr<AwaitableExecutor> completions_;
  PublishService service_;
  CallIdentity caller_;
  std::optional<PublishResults> results_;
  int next_ = 0;
};

// @test The store calls back on its writer thread (here: inline, the
// in-memory log); `done` waits for the completion executor instead, where
// the transports' work (gRPC Finish/StartWrite) may run.
TEST_F(PublishServiceTest, DoneRunsOnTheCompletionExecutorNotTheStoresThread) {
  Publish(2);
  ASSERT_TRUE(completions_->AwaitScheduled(1)) << "done did not hop";
  EXPECT_FALSE(results_.has_value()) << "done ran on the store's thread";
  EXPECT_EQ(completions_->inner.RunReady(), 1);
  ASSERT_TRUE(results_.has_value());
  ASSERT_EQ(results_->size(), 2u);
  EXPECT_TRUE((*results_)[0].ok()) << (*results_)[0].status();
  EXPECT_EQ((*results_)[1]->entry->update.sequence(), 2u);
}

// @test A completion the executor drops (shut down) still runs: a stream
// waiting for its ack is never left hanging.
TEST_F(PublishServiceTest, ACompletionTheExecutorDropsStillRuns) {
  Publish(1);
  ASSERT_TRUE(completions_->AwaitScheduled(1));
  ASSERT_FALSE(results_.has_value());
  completions_.reset();  // drops the pending task unrun
  ASSERT_TRUE(results_.has_value());
  EXPECT_TRUE(results_->front().ok());
}

class RateLimitedPublishServiceTest : public PublishServiceTest {
 protected:
  RateLimitedPublishServiceTest() : PublishServiceTest({1, 1}) {}
};

// @test Requests over the caller's rate limit are answered
// RESOURCE_EXHAUSTED in their place; the others are stored.
TEST_F(RateLimitedPublishServiceTest, RequestsOverTheLimitAreRefusedInPlace) {
  Publish(3);
  ASSERT_TRUE(completions_->AwaitScheduled(1));
  completions_->inner.RunReady();
  ASSERT_TRUE(results_.has_value());
  ASSERT_EQ(results_->size(), 3u);
  EXPECT_TRUE((*results_)[0].ok());
  EXPECT_EQ((*results_)[1].status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ((*results_)[2].status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(log_->Head(), 1u);
}

}  // namespace
}  // namespace sitrep
