// Issue 22: CATEGORY_EXERCISE became STATUS_EXERCISE. A SQLite store of
// schema 4 holding exercises written the old way is upgraded in place when
// it opens (schema 5): the stored bytes of those updates and their
// incident's record say status EXERCISE with category OTHER; every other
// row keeps its bytes. A store read before its upgrade (a JetStream stream)
// reads the same through DecodeLogEntry.

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "server/log/append_rules.h"
#include "server/log/event_log.h"
#include "tests/support/event_log_test_util.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::IsOk;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
constexpr v1::Category kOldExercise = v1::CATEGORY_EXERCISE;
#pragma GCC diagnostic pop

v1::SituationUpdate Update(const std::string& text) {
  v1::SituationUpdate update;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &update));
  return update;
}

// Runs `sql` on the store's file with SQLite itself.
void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// sequence -> (category column, body) as stored.
std::map<int64_t, std::pair<int64_t, std::string>> Rows(const std::string& path) {
  std::map<int64_t, std::pair<int64_t, std::string>> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT sequence, category, body FROM updates",
                               -1, &select, nullptr),
            SQLITE_OK);
  while (sqlite3_step(select) == SQLITE_ROW) {
    rows[sqlite3_column_int64(select, 0)] = {
        sqlite3_column_int64(select, 1),
        std::string(static_cast<const char*>(sqlite3_column_blob(select, 2)),
                    sqlite3_column_bytes(select, 2))};
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  return rows;
}

class ExerciseStatusUpgradeTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> Open() {
    SqliteOptions options;
    options.data_dir = dir_.path();
    options.fsync = FsyncPolicy::kOff;
    absl::StatusOr<std::unique_ptr<EventLog>> log = OpenSqliteEventLog(options);
    EXPECT_THAT(log, IsOk());
    return log.ok() ? *std::move(log) : nullptr;
  }

  // A schema 4 store: appended with the old category (the log itself does
  // not validate), then marked as version 4.
  void WriteOldStore() {
    std::unique_ptr<EventLog> log = Open();
    ASSERT_NE(log, nullptr);
    for (v1::SituationUpdate update : {
             Update(R"pb(event_id: "a" publisher: "kp" mission: MISSION_KOSOVO_POLICE
                         role: ROLE_FIRST_RESPONDER severity: SEVERITY_EXTREME
                         incident_id: "ex-1" kind: KIND_NEW
                         headline: "EXERCISE: simulated riot")pb"),
             Update(R"pb(event_id: "b" publisher: "kp" mission: MISSION_KOSOVO_POLICE
                         role: ROLE_FIRST_RESPONDER severity: SEVERITY_SEVERE
                         category: CATEGORY_PUBLIC_ORDER incident_id: "real-1"
                         kind: KIND_NEW headline: "Crowd at the bridge")pb"),
             Update(R"pb(event_id: "c" publisher: "kp" mission: MISSION_KOSOVO_POLICE
                         role: ROLE_FIRST_RESPONDER severity: SEVERITY_EXTREME
                         incident_id: "ex-1" kind: KIND_UPDATE
                         headline: "Riot drill continues")pb"),
         }) {
      if (update.category() == v1::CATEGORY_UNSPECIFIED) update.set_category(kOldExercise);
      AppendRequest request;
      request.update = update;
      ASSERT_THAT(AppendOneAndWait(log.get(), request), IsOk());
    }
    log->Close();
    log.reset();
    Exec(path(), "UPDATE meta SET value = 4 WHERE key = 'schema_version'");
  }

  std::string path() const { return dir_.path() + "/sitrep.db"; }

  testing::TempDir dir_;
};

TEST_F(ExerciseStatusUpgradeTest, OldExercisesAreRewrittenInPlaceAndOthersKeepTheirBytes) {
  ASSERT_NO_FATAL_FAILURE(WriteOldStore());
  const auto before = Rows(path());
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(before.at(1).first, 10);

  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  const auto after = Rows(path());
  for (int64_t sequence : {1, 3}) {
    EXPECT_EQ(after.at(sequence).first, v1::CATEGORY_OTHER);
    v1::SituationUpdate stored;
    ASSERT_TRUE(stored.ParseFromString(after.at(sequence).second));
    EXPECT_EQ(stored.status(), v1::STATUS_EXERCISE) << sequence;
    EXPECT_EQ(stored.category(), v1::CATEGORY_OTHER) << sequence;
  }
  EXPECT_EQ(after.at(2), before.at(2));

  absl::StatusOr<std::optional<IncidentRecord>> record = log->LoadIncident("ex-1");
  ASSERT_THAT(record, IsOk());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->latest->update.status(), v1::STATUS_EXERCISE);
  EXPECT_EQ((*record)->state.category(), v1::CATEGORY_OTHER);
  absl::StatusOr<std::vector<LogEntryPtr>> read = log->Read({3, 3});
  ASSERT_THAT(read, IsOk());
  ASSERT_EQ(read->size(), 1u);
  ASSERT_NE(read->front()->previous, nullptr);
  EXPECT_EQ(read->front()->previous->status(), v1::STATUS_EXERCISE);
  EXPECT_EQ(read->front()->previous->category(), v1::CATEGORY_OTHER);
  log->Close();

  // Opening again finds version 5 and changes nothing more.
  log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Rows(path()), after);
}

TEST_F(ExerciseStatusUpgradeTest, AFollowUpThatSaysNoStatusStaysAnExercise) {
  std::unique_ptr<EventLog> log = Open();
  ASSERT_NE(log, nullptr);
  AppendRequest opening;
  opening.update = Update(R"pb(event_id: "a" publisher: "kp" mission: MISSION_KOSOVO_POLICE
                              role: ROLE_FIRST_RESPONDER severity: SEVERITY_EXTREME
                              category: CATEGORY_CIVIL_DISTURBANCE status: STATUS_EXERCISE
                              incident_id: "ex-1" kind: KIND_NEW headline: "drill")pb");
  ASSERT_THAT(AppendOneAndWait(log.get(), opening), IsOk());
  AppendRequest follow_up;
  follow_up.update = Update(R"pb(event_id: "b" publisher: "kp" mission: MISSION_KOSOVO_POLICE
                                role: ROLE_FIRST_RESPONDER severity: SEVERITY_EXTREME
                                category: CATEGORY_CIVIL_DISTURBANCE incident_id: "ex-1"
                                kind: KIND_UPDATE headline: "drill goes on")pb");
  absl::StatusOr<AppendResult> stored = AppendOneAndWait(log.get(), follow_up);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->entry->update.status(), v1::STATUS_EXERCISE);
  EXPECT_TRUE(stored->entry->update.status_carried());
  // A retry of the same request is a duplicate, not a different update.
  absl::StatusOr<AppendResult> retry = AppendOneAndWait(log.get(), follow_up);
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->duplicate);
  log->Close();
}

TEST(DecodeLogEntryTest, AnOldExerciseReadsAsTheExerciseStatus) {
  v1::SituationUpdate old = Update(R"pb(sequence: 4 headline: "drill")pb");
  old.set_category(kOldExercise);
  absl::StatusOr<LogEntryPtr> entry =
      DecodeLogEntry(old.SerializeAsString(), "an update");
  ASSERT_THAT(entry, IsOk());
  EXPECT_EQ((*entry)->update.status(), v1::STATUS_EXERCISE);
  EXPECT_EQ((*entry)->update.category(), v1::CATEGORY_OTHER);
  v1::SituationUpdate sent;
  ASSERT_TRUE(sent.ParseFromString((*entry)->encoded));
  EXPECT_EQ(sent.status(), v1::STATUS_EXERCISE);
}

}  // namespace
}  // namespace sitrep
