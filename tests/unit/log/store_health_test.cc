// StoreHealth and ObserveEventLog: a failed write or read makes the store
// unavailable until an operation of that kind succeeds; per-request answers
// of a working store (ALREADY_EXISTS, FAILED_PRECONDITION) and outcomes
// after Close() change nothing; the listener sees every change.
#include "server/log/store_health.h"

#include <memory>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/observed_event_log.h"

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

// An EventLog whose operations answer what the test sets.
class ScriptedLog final : public EventLog {
 public:
  absl::Status append_status;  // For every request of a batch.
  absl::Status read_status;

  const std::string& log_id() const override { return id_; }
  void Append(std::vector<AppendRequest> batch, AppendCallback done) override {
    std::vector<absl::StatusOr<AppendResult>> results;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (append_status.ok()) {
        results.push_back(AppendResult{nullptr, false});
      } else {
        results.push_back(append_status);
      }
    }
    done(std::move(results));
  }
  absl::StatusOr<std::vector<LogEntryPtr>> Read(const ReadRange&) const override {
    if (!read_status.ok()) return read_status;
    return std::vector<LogEntryPtr>{};
  }
  uint64_t Head() const override { return 0; }
  uint64_t Oldest() const override { return 1; }
  absl::StatusOr<uint64_t> FirstSequenceAtOrAfter(absl::Time) const override {
    if (!read_status.ok()) return read_status;
    return 1;
  }
  absl::StatusOr<OpenIncidents> LoadOpenIncidents() const override {
    return OpenIncidents{};
  }
  absl::StatusOr<uint64_t> ApplyRetention(const RetentionPolicy&,
                                          absl::Time) override {
    return 0;
  }
  void SetAppendListener(AppendListener*) override {}
  void Close() override {}

 private:
  const std::string id_ = "scripted";
};

void AppendOne(EventLog& log) {
  std::vector<AppendRequest> batch(1);
  bool called = false;
  log.Append(std::move(batch),
             [&](std::vector<absl::StatusOr<AppendResult>>) { called = true; });
  EXPECT_TRUE(called);
}

TEST(ObservedEventLogTest, StoreFailuresFlipHealthAndSuccessesHealIt) {
  StoreHealth health;
  auto scripted = std::make_unique<ScriptedLog>();
  ScriptedLog* script = scripted.get();
  std::unique_ptr<EventLog> log = ObserveEventLog(std::move(scripted), &health);

  // Answers of a working store.
  script->append_status = absl::AlreadyExistsError("event_id reused");
  AppendOne(*log);
  script->append_status = absl::FailedPreconditionError("incident closed");
  AppendOne(*log);
  EXPECT_TRUE(health.available());
  script->read_status = absl::InvalidArgumentError("bad range");
  (void)log->Read(ReadRange());
  EXPECT_TRUE(health.available());

  script->append_status = absl::UnavailableError("disk I/O error");
  AppendOne(*log);
  EXPECT_FALSE(health.available());
  EXPECT_THAT(health.reason(), HasSubstr("disk I/O error"));
  script->append_status = absl::OkStatus();
  AppendOne(*log);
  EXPECT_TRUE(health.available());

  script->read_status = absl::UnavailableError("database is locked");
  (void)log->FirstSequenceAtOrAfter(absl::Now());
  EXPECT_FALSE(health.available());
  script->read_status = absl::OkStatus();
  (void)log->FirstSequenceAtOrAfter(absl::Now());
  EXPECT_TRUE(health.available());
}

TEST(ObservedEventLogTest, RefusalsOfAClosedLogAreNotStoreFailures) {
  StoreHealth health;
  auto scripted = std::make_unique<ScriptedLog>();
  ScriptedLog* script = scripted.get();
  std::unique_ptr<EventLog> log = ObserveEventLog(std::move(scripted), &health);
  log->Close();
  script->append_status = absl::UnavailableError("the log is closed");
  AppendOne(*log);
  EXPECT_TRUE(health.available());
}

}  // namespace
}  // namespace sitrep
