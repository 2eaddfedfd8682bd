// What only the SQLite log promises: it survives a restart, commits
// concurrent appends together, and says clearly when its directory is wrong.

#include "server/log/sqlite_event_log.h"

#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/event_log.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/fake_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;
using ::sitrep::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

AppendRequest Report(const std::string& event_id) {
  AppendRequest request;
  v1::SituationUpdate& u = request.update;
  u.set_publisher("eulex-ops");
  u.set_event_id(event_id);
  u.set_mission(v1::MISSION_EULEX);
  u.set_role(v1::ROLE_SECOND_RESPONDER);
  u.set_severity(v1::SEVERITY_MINOR);
  u.set_category(v1::CATEGORY_BORDER_CROSSING);
  u.set_headline("Crossing point Jarinje open, light traffic");
  u.mutable_location()->set_municipality("leposaviq");
  return request;
}

AppendRequest Incident(const std::string& event_id, const std::string& id,
                       v1::Kind kind) {
  AppendRequest request = Report(event_id);
  request.update.set_incident_id(id);
  request.update.set_kind(kind);
  // These tests are about storage: a chain exception lets any mission act
  // on the thread (the chain's rules have tests of their own).
  request.update.mutable_chain_exception()->set_reason("storage test");
  return request;
}

class SqliteEventLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> Open(FsyncPolicy fsync = FsyncPolicy::kOff) {
    SqliteOptions options;
    options.data_dir = dir_.path() + "/data";  // Created by the log.
    options.fsync = fsync;
    options.clock = &clock_;
    absl::StatusOr<std::unique_ptr<EventLog>> log = OpenSqliteEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }

  std::string DatabasePath() const {
    return dir_.path() + "/data/" + kSqliteFileName;
  }

  FakeClock clock_;
  testing::TempDir dir_;
};
// Lower-case suite name so that ctest -R log selects these tests.
using sqlite_event_log = SqliteEventLogTest;

TEST_F(sqlite_event_log, ReopenKeepsLogIdHeadIncidentsAndDedupe) {
  std::string log_id;
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    log_id = log->log_id();
    ASSERT_THAT(AppendOneAndWait(log.get(), Report("a")), IsOk());
    ASSERT_THAT(AppendOneAndWait(log.get(), Incident("n", "INC-1", v1::KIND_NEW)),
                IsOk());
    ASSERT_THAT(AppendOneAndWait(log.get(), Incident("x", "INC-2", v1::KIND_NEW)),
                IsOk());
    ASSERT_THAT(
        AppendOneAndWait(log.get(), Incident("y", "INC-2", v1::KIND_CANCEL)),
        IsOk());
  }
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_id(), log_id);
  EXPECT_EQ(log->Head(), 4u);
  EXPECT_EQ(log->Oldest(), 1u);

  absl::StatusOr<AppendResult> again = AppendOneAndWait(log.get(), Report("a"));
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->entry->sequence(), 1u);

  absl::StatusOr<EventLog::OpenIncidents> open = log->LoadOpenIncidents();
  ASSERT_THAT(open, IsOk());
  EXPECT_EQ(open->head, 4u);
  ASSERT_EQ(open->incidents.size(), 1u);
  EXPECT_EQ(open->incidents[0]->incident_id, "INC-1");

  absl::StatusOr<AppendResult> update =
      AppendOneAndWait(log.get(), Incident("u", "INC-1", v1::KIND_UPDATE));
  ASSERT_THAT(update, IsOk());
  EXPECT_EQ(update->entry->sequence(), 5u);
  EXPECT_EQ(update->entry->update.incident_version(), 2u);
  EXPECT_THAT(AppendOneAndWait(log.get(), Incident("z", "INC-2", v1::KIND_UPDATE)),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is closed"));
}

TEST_F(sqlite_event_log, ReopenAfterRetentionOfEverythingContinuesTheSequence) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 3; ++i) {
      ASSERT_THAT(AppendOneAndWait(log.get(), Report(absl::StrCat(i))), IsOk());
    }
    clock_.Advance(absl::Hours(2));
    RetentionPolicy policy;
    policy.max_age = absl::Hours(1);
    ASSERT_THAT(log->ApplyRetention(policy, clock_.Now()), IsOk());
    ASSERT_EQ(log->Oldest(), 4u);
  }
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Head(), 3u);
  EXPECT_EQ(log->Oldest(), 4u);
  // received_at does not go back below what the old log had handed out.
  clock_.Advance(-absl::Hours(5));
  absl::StatusOr<AppendResult> next = AppendOneAndWait(log.get(), Report("n"));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->entry->sequence(), 4u);
  EXPECT_EQ(next->entry->update.received_at().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Hours(3)));
}

TEST_F(sqlite_event_log, AnIncidentUpdateKeepsItsPreviousUpdateForFiltersAcrossReopen) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_THAT(AppendOneAndWait(log.get(), Incident("n", "INC-1", v1::KIND_NEW)),
                IsOk());
    absl::StatusOr<AppendResult> update =
        AppendOneAndWait(log.get(), Incident("u", "INC-1", v1::KIND_UPDATE));
    ASSERT_THAT(update, IsOk());
    ASSERT_NE(update->entry->previous, nullptr);
    EXPECT_EQ(update->entry->previous->kind(), v1::KIND_NEW);
    EXPECT_TRUE(update->entry->previous->headline().empty())
        << "only what filters read is kept";
  }
  std::unique_ptr<EventLog> log = Open();
  absl::StatusOr<std::vector<LogEntryPtr>> entries = log->Read(ReadRange{});
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0]->previous, nullptr) << "KIND_NEW has no previous";
  ASSERT_NE((*entries)[1]->previous, nullptr);
  EXPECT_EQ((*entries)[1]->previous->kind(), v1::KIND_NEW);
  EXPECT_EQ((*entries)[1]->previous->incident_id(), "INC-1");
}

// A stand-alone report of `mission`.
AppendRequest ReportOf(const std::string& event_id, v1::Mission mission) {
  AppendRequest request = Report(event_id);
  request.update.set_mission(mission);
  return request;
}

std::vector<uint64_t> SequencesOf(const std::vector<LogEntryPtr>& entries) {
  std::vector<uint64_t> sequences;
  for (const LogEntryPtr& entry : entries) sequences.push_back(entry->sequence());
  return sequences;
}

constexpr MissionSet kKforOnly = MissionSet::Of(v1::MISSION_KFOR);

// 1 EULEX, 2 KFOR, 3 EULEX, 4 EULEX opens INC-1, 5 KFOR takes INC-1 over,
// 6 EULEX takes it back (its previous is KFOR's), 7 EULEX.
void AppendMixedMissions(EventLog* log) {
  ASSERT_THAT(AppendOneAndWait(log, ReportOf("1", v1::MISSION_EULEX)), IsOk());
  ASSERT_THAT(AppendOneAndWait(log, ReportOf("2", v1::MISSION_KFOR)), IsOk());
  ASSERT_THAT(AppendOneAndWait(log, ReportOf("3", v1::MISSION_EULEX)), IsOk());
  ASSERT_THAT(AppendOneAndWait(log, Incident("4", "INC-1", v1::KIND_NEW)), IsOk());
  AppendRequest kfor = Incident("5", "INC-1", v1::KIND_UPDATE);
  kfor.update.set_mission(v1::MISSION_KFOR);
  ASSERT_THAT(AppendOneAndWait(log, kfor), IsOk());
  ASSERT_THAT(AppendOneAndWait(log, Incident("6", "INC-1", v1::KIND_UPDATE)), IsOk());
  ASSERT_THAT(AppendOneAndWait(log, ReportOf("7", v1::MISSION_EULEX)), IsOk());
}

TEST_F(sqlite_event_log, ReadForMissionsLeavesOutWhatTheMissionsCannotMatch) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NO_FATAL_FAILURE(AppendMixedMissions(log.get()));

  absl::StatusOr<EventLog::MissionRead> read =
      log->ReadForMissions(ReadRange{.first = 1}, kKforOnly);
  ASSERT_THAT(read, IsOk());
  // 1: the first of the range, always; 2, 5: KFOR; 6: its previous is KFOR's.
  EXPECT_THAT(SequencesOf(read->entries), ElementsAre(1, 2, 5, 6));
  EXPECT_EQ(read->scanned_through, 7u);
  // The entries are whole: they keep the stored encoding.
  const LogEntry& kfor = *read->entries[1];
  EXPECT_EQ(kfor.update.event_id(), "2");
  EXPECT_EQ(kfor.encoded, kfor.update.SerializeAsString());

  // A limit ends the scan at the last entry returned.
  read = log->ReadForMissions(ReadRange{.first = 3, .limit = 2}, kKforOnly);
  ASSERT_THAT(read, IsOk());
  EXPECT_THAT(SequencesOf(read->entries), ElementsAre(3, 5));
  EXPECT_EQ(read->scanned_through, 5u);

  // Every mission: a plain read.
  read = log->ReadForMissions(ReadRange{.first = 6}, MissionSet::All());
  ASSERT_THAT(read, IsOk());
  EXPECT_THAT(SequencesOf(read->entries), ElementsAre(6, 7));
  EXPECT_EQ(read->scanned_through, 7u);

  // Past the head: nothing read.
  read = log->ReadForMissions(ReadRange{.first = 8}, kKforOnly);
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(read->entries.empty());
  EXPECT_EQ(read->scanned_through, 7u);
}

TEST_F(sqlite_event_log, ReadForMissionsReturnsTheFirstRetainedAfterRetention) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NO_FATAL_FAILURE(AppendMixedMissions(log.get()));
  ASSERT_THAT(RetainFrom(log.get(), 3), IsOk());
  absl::StatusOr<EventLog::MissionRead> read =
      log->ReadForMissions(ReadRange{.first = 1}, kKforOnly);
  ASSERT_THAT(read, IsOk());
  EXPECT_THAT(SequencesOf(read->entries), ElementsAre(3, 5, 6));
}

// A store written by schema version 2 has no previous_mission: it is
// upgraded in place, and its incident updates are never left out.
TEST_F(sqlite_event_log, AVersion2StoreIsUpgradedAndReadsItsIncidentsWhole) {
  {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NO_FATAL_FAILURE(AppendMixedMissions(log.get()));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(DatabasePath().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE updates DROP COLUMN previous_mission;"
                         "UPDATE meta SET value = 2 WHERE key = 'schema_version'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  absl::StatusOr<EventLog::MissionRead> read =
      log->ReadForMissions(ReadRange{.first = 2}, kKforOnly);
  ASSERT_THAT(read, IsOk());
  // 5 and 6 have a previous update but no previous_mission: kept.
  EXPECT_THAT(SequencesOf(read->entries), ElementsAre(2, 5, 6));
  // New rows get previous_mission again.
  AppendRequest kfor = Incident("8", "INC-1", v1::KIND_UPDATE);
  ASSERT_THAT(AppendOneAndWait(log.get(), kfor), IsOk());
  read = log->ReadForMissions(ReadRange{.first = 7}, kKforOnly);
  ASSERT_THAT(read, IsOk());
  EXPECT_THAT(SequencesOf(read->entries), ElementsAre(7));
  EXPECT_EQ(read->scanned_through, 8u);
}

TEST_F(sqlite_event_log, DatabaseIsInWalModeWithTheDocumentedTables) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_THAT(AppendOneAndWait(log.get(), Report("a")), IsOk());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(DatabasePath().c_str(), &db, SQLITE_OPEN_READONLY,
                            nullptr),
            SQLITE_OK);
  auto text = [db](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(text("SELECT value FROM meta WHERE key = 'log_id'"), log->log_id());
  EXPECT_EQ(text("SELECT value FROM meta WHERE key = 'schema_version'"), "5");
  EXPECT_EQ(text("SELECT count(*) FROM pragma_table_info('incidents') "
                 "WHERE name = 'state'"),
            "1");
  EXPECT_EQ(text("SELECT municipality FROM updates WHERE sequence = 1"),
            "leposaviq");
  EXPECT_EQ(text("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                 "name IN ('updates_by_received_at', 'updates_by_incident')"),
            "2");
  sqlite3_close(db);
}

TEST_F(sqlite_event_log, StoreFailureFailsTheWholeTransactionAndChangesNothing) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_THAT(AppendOneAndWait(log.get(), Report("a")), IsOk());
  // Inject a failure into the second insert of the next transaction.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(DatabasePath().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER fail BEFORE INSERT ON updates "
                         "WHEN NEW.event_id = 'boom' BEGIN "
                         "SELECT RAISE(ABORT, 'injected failure'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  std::vector<AppendRequest> batch;
  batch.push_back(Incident("n", "INC-1", v1::KIND_NEW));
  batch.push_back(Report("boom"));
  std::vector<absl::StatusOr<AppendResult>> results =
      AppendAndWait(log.get(), std::move(batch));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_THAT(results[0], StatusIs(absl::StatusCode::kUnavailable, "injected failure"));
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kUnavailable, "injected failure"));
  EXPECT_EQ(log->Head(), 1u);

  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER fail", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  // The incident was not opened (nor cached): NEW works, at the next sequence.
  absl::StatusOr<AppendResult> opened =
      AppendOneAndWait(log.get(), Incident("n", "INC-1", v1::KIND_NEW));
  ASSERT_THAT(opened, IsOk());
  EXPECT_FALSE(opened->duplicate);
  EXPECT_EQ(opened->entry->sequence(), 2u);
  EXPECT_EQ(opened->entry->update.incident_version(), 1u);
}

// Appends `per_thread` single-request Appends from each of `threads` threads
// without waiting in between; returns the sequences, in callback order.
std::vector<uint64_t> AppendConcurrently(EventLog* log, int threads,
                                         int per_thread) {
  absl::BlockingCounter remaining(threads * per_thread);
  absl::Mutex mu;
  std::vector<uint64_t> sequences;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::vector<AppendRequest> batch;
        batch.push_back(Report(absl::StrCat("t", t, "-", i)));
        log->Append(std::move(batch),
                    [&](std::vector<absl::StatusOr<AppendResult>> results) {
                      {
                        absl::MutexLock lock(&mu);
                        sequences.push_back(
                            results.size() == 1 && results[0].ok()
                                ? results[0]->entry->sequence()
                                : 0);
                      }
                      remaining.DecrementCount();
                    });
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  remaining.Wait();
  absl::MutexLock lock(&mu);
  return sequences;
}

TEST_F(sqlite_event_log, ConcurrentAppendsAreDenseAndGroupCommitted) {
  std::unique_ptr<EventLog> log = Open(FsyncPolicy::kBatch);
  ASSERT_NE(log, nullptr);
  std::vector<uint64_t> sequences = AppendConcurrently(log.get(), 8, 1000);
  ASSERT_EQ(sequences.size(), 8000u);
  // Callbacks ran in commit order, so the sequences arrive sorted.
  EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()));
  std::sort(sequences.begin(), sequences.end());
  for (uint64_t i = 0; i < 8000; ++i) ASSERT_EQ(sequences[i], i + 1);
  EXPECT_EQ(log->Head(), 8000u);
  std::optional<SqliteEventLogStats> stats = GetSqliteEventLogStats(*log);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->appended, 8000u);
  EXPECT_LT(stats->transactions, 8000u / 4) << "no group commit";
  std::printf("[ figures  ] 8 threads x 1,000 appends: %llu transactions\n",
              static_cast<unsigned long long>(stats->transactions));
}

TEST_F(sqlite_event_log, CloseCompletesAcceptedAppends) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  constexpr int kAppends = 500;
  absl::BlockingCounter remaining(kAppends);
  std::atomic<int> ok{0};
  for (int i = 0; i < kAppends; ++i) {
    std::vector<AppendRequest> batch;
    batch.push_back(Report(absl::StrCat(i)));
    log->Append(std::move(batch),
                [&](std::vector<absl::StatusOr<AppendResult>> results) {
                  if (results[0].ok()) ok.fetch_add(1);
                  remaining.DecrementCount();
                });
  }
  log->Close();
  remaining.Wait();
  EXPECT_EQ(ok.load(), kAppends);
  EXPECT_EQ(log->Head(), static_cast<uint64_t>(kAppends));
}

TEST_F(sqlite_event_log, ReportsThroughput) {
  // A figure, not a pass/fail: 20,000 appends from 8 threads, fsync=batch.
  clock_.Set(absl::Now());
  std::unique_ptr<EventLog> log = Open(FsyncPolicy::kBatch);
  ASSERT_NE(log, nullptr);
  // CPU time too: on a shared machine the wall time depends on the load.
  auto cpu = [] {
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return absl::DurationFromTimeval(usage.ru_utime) +
           absl::DurationFromTimeval(usage.ru_stime);
  };
  const absl::Duration cpu_start = cpu();
  const absl::Time start = absl::Now();
  std::vector<uint64_t> sequences = AppendConcurrently(log.get(), 8, 2500);
  const absl::Duration elapsed = absl::Now() - start;
  const absl::Duration cpu_used = cpu() - cpu_start;
  ASSERT_EQ(sequences.size(), 20000u);
  EXPECT_EQ(log->Head(), 20000u);
  std::optional<SqliteEventLogStats> stats = GetSqliteEventLogStats(*log);
  std::printf(
      "[ figures  ] fsync=batch: 20,000 appends from 8 threads in %.3f s = "
      "%.0f appends/s, %llu transactions; %.3f s CPU = %.0f appends per "
      "CPU-second\n",
      absl::ToDoubleSeconds(elapsed), 20000 / absl::ToDoubleSeconds(elapsed),
      static_cast<unsigned long long>(stats->transactions),
      absl::ToDoubleSeconds(cpu_used), 20000 / absl::ToDoubleSeconds(cpu_used));
}

TEST_F(sqlite_event_log, ParseFsyncPolicyAcceptsTheThreePoliciesInAnyCase) {
  EXPECT_EQ(*ParseFsyncPolicy("always"), FsyncPolicy::kAlways);
  EXPECT_EQ(*ParseFsyncPolicy("Batch"), FsyncPolicy::kBatch);
  EXPECT_EQ(*ParseFsyncPolicy("OFF"), FsyncPolicy::kOff);
  EXPECT_THAT(ParseFsyncPolicy("sometimes"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--fsync: 'sometimes' is not one of always, batch, off"));
  EXPECT_THAT(ParseFsyncPolicy(""),
              StatusIs(absl::StatusCode::kInvalidArgument, "--fsync"));
}

TEST_F(sqlite_event_log, AFileThatIsNotADatabaseIsAClearError) {
  std::filesystem::create_directories(dir_.path() + "/data");
  std::ofstream(DatabasePath()) << std::string(8192, 'x');
  SqliteOptions options;
  options.data_dir = dir_.path() + "/data";
  absl::StatusOr<std::unique_ptr<EventLog>> log = OpenSqliteEventLog(options);
  EXPECT_THAT(log, StatusIs(absl::StatusCode::kFailedPrecondition,
                            "not a usable sitrep database"));
  EXPECT_THAT(log.status().message(), HasSubstr(DatabasePath()));
}

TEST_F(sqlite_event_log, ADataDirThatCannotBeMadeIsAClearError) {
  const std::string file = dir_.path() + "/plain-file";
  std::ofstream(file) << "not a directory";
  SqliteOptions options;
  options.data_dir = file + "/data";
  EXPECT_THAT(OpenSqliteEventLog(options),
              StatusIs(absl::StatusCode::kUnavailable,
                       "cannot create the data directory '" + file + "/data'"));
}

TEST_F(sqlite_event_log, StatsAreOnlyForTheSqliteLog) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  ASSERT_THAT(AppendOneAndWait(log.get(), Report("a")), IsOk());
  std::optional<SqliteEventLogStats> stats = GetSqliteEventLogStats(*log);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->transactions, 1u);
  EXPECT_EQ(stats->appended, 1u);
}

}  // namespace
}  // namespace sitrep
