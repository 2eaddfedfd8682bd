// StoreHealth and LogHealth (each backend's account of its store): a failed
// write or read makes the store unavailable until an operation of that kind
// succeeds; per-request answers of a working store (ALREADY_EXISTS,
// FAILED_PRECONDITION) and outcomes after Close() change nothing; the log's
// listener is told every change (OnHealthChanged), and a StoreHealth that
// follows it (the server's) says the same.
#include "server/log/store_health.h"

#include <atomic>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_health.h"

namespace sitrep {
namespace {

using Operation = StoreHealth::Operation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(StoreHealthTest, WritesAndReadsHealApart) {
  StoreHealth health;
  std::vector<bool> changes;
  health.SetListener([&](bool available) { changes.push_back(available); });
  EXPECT_TRUE(health.available());
  health.ReportSuccess(Operation::kRead);
  health.ReportFailure(Operation::kWrite, absl::UnavailableError("disk full"));
  EXPECT_FALSE(health.available());
  EXPECT_THAT(health.reason(), HasSubstr("disk full"));
  health.ReportFailure(Operation::kRead, absl::UnavailableError("I/O error"));
  // A read success does not heal a failed write.
  health.ReportSuccess(Operation::kRead);
  EXPECT_FALSE(health.available());
  health.ReportSuccess(Operation::kWrite);
  EXPECT_TRUE(health.available());
  EXPECT_EQ(health.reason(), "");
  EXPECT_THAT(changes, ElementsAre(false, true));
}

// The log's listener as the server's router is: it keeps a StoreHealth
// equal to the log's and records what it was told.
class HealthListener : public AppendListener {
 public:
  HealthListener() {
    mirror.SetListener([this](bool available) { changes.push_back(available); });
  }
  void OnAppended(const std::vector<LogEntryPtr>&,
                  const std::vector<IncidentRecordPtr>&) override {}
  void OnHealthChanged(const StoreHealth& health) override {
    told.push_back(health.available());
    mirror.Follow(health);
  }

  StoreHealth mirror;
  std::vector<bool> told;
  std::vector<bool> changes;
};

std::vector<absl::StatusOr<AppendResult>> Results(absl::Status status) {
  if (status.ok()) return {AppendResult{nullptr, false}};
  return {status};
}

class LogHealthTest : public ::testing::Test {
 protected:
  void SetUp() override { slot_.store(&listener_); }

  HealthListener listener_;
  std::atomic<AppendListener*> slot_{nullptr};
  LogHealth log_{&slot_};
};

TEST_F(LogHealthTest, StoreFailuresFlipHealthAndSuccessesHealIt) {
  // Answers of a working store.
  log_.ReportAppend(Results(absl::AlreadyExistsError("event_id reused")));
  log_.ReportAppend(Results(absl::FailedPreconditionError("incident closed")));
  EXPECT_TRUE(log_.health().available());
  log_.ReportRead(absl::InvalidArgumentError("bad range"));
  EXPECT_TRUE(log_.health().available());

  log_.ReportAppend(Results(absl::UnavailableError("disk I/O error")));
  EXPECT_FALSE(log_.health().available());
  EXPECT_THAT(log_.health().reason(), HasSubstr("disk I/O error"));
  EXPECT_FALSE(listener_.mirror.available());
  EXPECT_EQ(listener_.mirror.reason(), log_.health().reason());
  log_.ReportAppend(Results(absl::OkStatus()));
  EXPECT_TRUE(log_.health().available());
  EXPECT_TRUE(listener_.mirror.available());

  EXPECT_FALSE(
      log_.Read(absl::StatusOr<int>(absl::UnavailableError("database is locked")))
          .ok());
  EXPECT_FALSE(log_.health().available());
  log_.ReportRead(absl::OkStatus());
  EXPECT_TRUE(log_.health().available());
  EXPECT_THAT(listener_.told, ElementsAre(false, true, false, true));
  EXPECT_THAT(listener_.changes, ElementsAre(false, true, false, true));
}

TEST_F(LogHealthTest, LostConnectionIsAWriteFailureUntilItIsBack) {
  log_.ReportConnection(false, "nats://127.0.0.1:4222");
  EXPECT_FALSE(listener_.mirror.available());
  EXPECT_THAT(listener_.mirror.reason(),
              HasSubstr("lost the connection to NATS at nats://127.0.0.1:4222"));
  log_.ReportConnection(true, "nats://127.0.0.1:4222");
  EXPECT_TRUE(listener_.mirror.available());
}

TEST_F(LogHealthTest, RefusalsOfAClosedLogAreNotStoreFailures) {
  log_.Close();
  log_.ReportAppend(Results(absl::UnavailableError("the log is closed")));
  log_.ReportWrite(absl::UnavailableError("the log is closed"));
  EXPECT_TRUE(log_.health().available());
  EXPECT_THAT(listener_.told, ::testing::IsEmpty());
}

}  // namespace
}  // namespace sitrep
