// LogEventRouter, the server's one listener of its log: the server's
// StoreHealth (what /readyz, gRPC health and sitrep_store_serving read)
// follows the log's, including a failure from before the router was
// attached (the server attaches it in StartFeed, after opening the store):
// NOT_SERVING from the start, not from the store's next change.
#include "server/log/log_event_router.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/store_health.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/in_memory_event_log.h"
#include "tests/support/updates.h"

namespace sitrep {
namespace {

using ::testing::HasSubstr;

// The Feed's place: hears what the router passes on.
class Readers : public AppendListener {
 public:
  void OnAppended(const std::vector<LogEntryPtr>&,
                  const std::vector<IncidentRecordPtr>&) override {}
  void OnHealthChanged(const StoreHealth& health) override {
    told.push_back(health.available());
  }
  std::vector<bool> told;
};

AppendRequest Report(const char* event_id) {
  AppendRequest request;
  request.update = testing::NewIncident(event_id);
  request.update.set_publisher("test");
  request.update.set_event_id(event_id);
  return request;
}

TEST(LogEventRouterTest, TheServerSeesAStoreThatFailedBeforeTheRouterCame) {
  std::unique_ptr<EventLog> log = NewInMemoryEventLog();
  SetInMemoryAppendFailure(log.get(), absl::UnavailableError("disk full"));
  EXPECT_FALSE(AppendOneAndWait(log.get(), Report("a")).ok());

  StoreHealth server_health;
  std::vector<bool> serving;
  server_health.SetListener([&](bool available) { serving.push_back(available); });
  Readers readers;
  LogEventRouter router(&readers, &server_health);
  log->SetAppendListener(&router);
  EXPECT_FALSE(server_health.available());
  EXPECT_THAT(server_health.reason(), HasSubstr("disk full"));
  EXPECT_THAT(serving, ::testing::ElementsAre(false));
  EXPECT_THAT(readers.told, ::testing::ElementsAre(false));

  SetInMemoryAppendFailure(log.get(), absl::OkStatus());
  EXPECT_TRUE(AppendOneAndWait(log.get(), Report("b")).ok());
  EXPECT_TRUE(server_health.available());
  EXPECT_THAT(serving, ::testing::ElementsAre(false, true));
  log->SetAppendListener(nullptr);
  log->Close();
}

}  // namespace
}  // namespace sitrep
