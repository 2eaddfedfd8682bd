// A store written before the security chain was modelled (main at c88e78c,
// SQLite schema 3) opens in place: the same updates, and incidents
// re-derived by replaying their threads, with the history that broke the
// chain's rules flagged rather than rewritten. tests/data/legacy-store-c88e78c
// says how the fixture was made.

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::testing::ElementsAre;

// sequence -> stored body, read with SQLite itself.
std::map<uint64_t, std::string> StoredBodies(const std::string& path) {
  std::map<uint64_t, std::string> bodies;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT sequence, body FROM updates", -1,
                               &select, nullptr),
            SQLITE_OK);
  while (sqlite3_step(select) == SQLITE_ROW) {
    bodies[sqlite3_column_int64(select, 0)] = std::string(
        static_cast<const char*>(sqlite3_column_blob(select, 1)),
        sqlite3_column_bytes(select, 1));
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  return bodies;
}

class LegacyStoreUpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(SITREP_LEGACY_STORE,
                               dir_.path() + "/sitrep.db");
    before_ = StoredBodies(dir_.path() + "/sitrep.db");
    ASSERT_EQ(before_.size(), 11u);
  }

  std::unique_ptr<EventLog> Open() {
    SqliteOptions options;
    options.data_dir = dir_.path();
    options.fsync = FsyncPolicy::kOff;
    absl::StatusOr<std::unique_ptr<EventLog>> log = OpenSqliteEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }

  static std::map<std::string, IncidentRecord> Incidents(const EventLog& log) {
    std::map<std::string, IncidentRecord> by_id;
    for (const char* id : {"kp-2024-0117", "kp-2024-0200", "kp-2024-0300"}) {
      absl::StatusOr<std::optional<IncidentRecord>> record = log.LoadIncident(id);
      EXPECT_THAT(record, IsOk());
      if (record.ok() && record->has_value()) by_id[id] = **record;
    }
    return by_id;
  }

  testing::TempDir dir_;
  std::map<uint64_t, std::string> before_;
};

TEST_F(LegacyStoreUpgradeTest, ServesTheSameUpdates) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_id(), "91be7eeeb1063f5cab78649743f36dcd");
  EXPECT_EQ(log->Head(), 11u);
  absl::StatusOr<std::vector<LogEntryPtr>> read = log->Read({1, 11});
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->size(), 11u);
  for (const LogEntryPtr& entry : *read) {
    EXPECT_EQ(entry->update.SerializeAsString(), before_[entry->sequence()])
        << "sequence " << entry->sequence();
  }
}

TEST_F(LegacyStoreUpgradeTest, IncidentsAreReplayedByTheChainsRules) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  std::map<std::string, IncidentRecord> incidents = Incidents(*log);
  ASSERT_EQ(incidents.size(), 3u);

  // docs/cli.md's three publish examples: KP opens in Zveçan, asks EULEX,
  // EULEX acknowledges. The old store put the incident "Kosovo-wide" and on
  // the second tier.
  const v1::Incident& road = incidents["kp-2024-0117"].state;
  EXPECT_EQ(road.lead().tier(), v1::ROLE_FIRST_RESPONDER);
  EXPECT_EQ(road.location().municipality(), "zvecan");
  EXPECT_EQ(road.location().place(), "Rudare");
  ASSERT_EQ(road.support_requests_size(), 1);
  EXPECT_EQ(road.support_requests(0).to_tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(road.support_requests(0).state(),
            v1::SupportRequest::STATE_ACKNOWLEDGED);
  EXPECT_TRUE(road.exceptions().empty());

  // Out of turn: EULEX acknowledged nothing, KFOR took over unasked, "KFOR
  // second deescalate", then a Kosovo Police update while EULEX led.
  const v1::Incident& bridge = incidents["kp-2024-0200"].state;
  std::vector<std::string> rules;
  for (const v1::ChainExceptionRecord& exception : bridge.exceptions()) {
    EXPECT_TRUE(exception.before_rules());
    EXPECT_EQ(exception.reason(), "");
    rules.push_back(exception.rule());
  }
  EXPECT_THAT(rules, ElementsAre("acknowledge-open-request",
                                 "escalate-after-acknowledge",
                                 "deescalate-from-lead", "engaged-tiers-only"));
  EXPECT_EQ(bridge.lead().tier(), v1::ROLE_SECOND_RESPONDER);
  EXPECT_EQ(bridge.lead().mission(), v1::MISSION_EULEX);
  EXPECT_EQ(bridge.location().municipality(), "mitrovice-e-veriut");
  EXPECT_EQ(bridge.peak_severity(), v1::SEVERITY_EXTREME);

  EXPECT_TRUE(incidents["kp-2024-0300"].closed);
  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  EXPECT_EQ(open->incidents.size(), 2u);
  EXPECT_EQ(open->head, 11u);
}

TEST_F(LegacyStoreUpgradeTest, TheUpgradeIsStoredAndTheThreadGoesOn) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
  }
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  std::map<std::string, IncidentRecord> incidents = Incidents(*log);
  EXPECT_EQ(incidents["kp-2024-0200"].state.exceptions_size(), 4);
  EXPECT_FALSE(incidents["kp-2024-0200"].legacy);
  // In turn from here: EULEX (now leading) hands back to the Kosovo Police.
  AppendRequest back;
  back.update = incidents["kp-2024-0200"].latest->update;
  back.update.set_event_id("handback-1");
  back.update.set_publisher("eulex-ops");
  back.update.set_mission(v1::MISSION_EULEX);
  back.update.set_role(v1::ROLE_SECOND_RESPONDER);
  back.update.set_kind(v1::KIND_DEESCALATE);
  back.update.set_target_tier(v1::ROLE_FIRST_RESPONDER);
  absl::Notification done;
  absl::StatusOr<AppendResult> result;
  std::vector<AppendRequest> batch;
  batch.push_back(std::move(back));
  log->Append(std::move(batch),
              [&](std::vector<absl::StatusOr<AppendResult>> results) {
                result = std::move(results[0]);
                done.Notify();
              });
  done.WaitForNotification();
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->entry->update.incident_version(), 6u);
  absl::StatusOr<std::optional<IncidentRecord>> after =
      log->LoadIncident("kp-2024-0200");
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ((*after)->state.lead().tier(), v1::ROLE_FIRST_RESPONDER);
}

}  // namespace
}  // namespace sitrep
