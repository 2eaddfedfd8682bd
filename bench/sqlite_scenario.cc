// --scenario=sqlite, the raw reference for ingest: 1024-row transactions
// into the `updates` table shape of server/log/sqlite_event_log.cc; rows/s.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_common.h"
#include "bench/bench_flags.h"
#include "bench/bench_payload.h"
#include "bench/scenarios.h"
#include "tests/support/temp_dir.h"

namespace sitrep::bench {
namespace {

bool Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    Note("sqlite: %s: %s", sql, error ? error : "?");
    sqlite3_free(error);
    return false;
  }
  return true;
}

// The table and indexes of sitrep's log, and the statement that inserts
// one row into it.
sqlite3_stmt* CreateUpdatesTable(sqlite3* db) {
  // Same shape as server/log/sqlite_event_log.cc; synchronous=NORMAL in WAL
  // is what sitrepd's --fsync=batch uses.
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, "PRAGMA synchronous=NORMAL");
  Exec(db,
       "CREATE TABLE updates(sequence INTEGER PRIMARY KEY, publisher TEXT NOT "
       "NULL, event_id TEXT NOT NULL, received_at_us INTEGER NOT NULL, "
       "mission INTEGER NOT NULL, role INTEGER NOT NULL, severity INTEGER NOT "
       "NULL, category INTEGER NOT NULL, municipality TEXT NOT NULL, "
       "incident_id TEXT NOT NULL, body BLOB NOT NULL, UNIQUE(publisher, "
       "event_id));"
       "CREATE INDEX updates_by_received_at ON updates(received_at_us);"
       "CREATE INDEX updates_by_incident ON updates(incident_id);");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(
      db,
      "INSERT INTO updates(sequence, publisher, event_id, received_at_us, "
      "mission, role, severity, category, municipality, incident_id, body) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
      -1, &insert, nullptr);
  return insert;
}

// Row g: the payload as sitrep stores it.
void InsertRow(sqlite3* db, sqlite3_stmt* insert, PayloadMaker* payload,
               int64_t g) {
  v1::SituationUpdate update = payload->Make(g, NowNs()).update();
  update.set_sequence(static_cast<uint64_t>(g + 1));
  update.set_publisher("anonymous");
  update.mutable_location()->set_municipality("prishtine");
  const std::string body = update.SerializeAsString();
  sqlite3_bind_int64(insert, 1, g + 1);
  sqlite3_bind_text(insert, 2, "anonymous", -1, SQLITE_STATIC);
  sqlite3_bind_text(insert, 3, update.event_id().c_str(), -1,
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert, 4, absl::ToUnixMicros(absl::Now()));
  sqlite3_bind_int64(insert, 5, update.mission());
  sqlite3_bind_int64(insert, 6, update.role());
  sqlite3_bind_int64(insert, 7, update.severity());
  sqlite3_bind_int64(insert, 8, update.category());
  sqlite3_bind_text(insert, 9, "prishtine", -1, SQLITE_STATIC);
  sqlite3_bind_text(insert, 10, "", -1, SQLITE_STATIC);
  sqlite3_bind_blob(insert, 11, body.data(), static_cast<int>(body.size()),
                    SQLITE_TRANSIENT);
  if (sqlite3_step(insert) != SQLITE_DONE) {
    Note("sqlite insert: %s", sqlite3_errmsg(db));
  }
  sqlite3_reset(insert);
}

}  // namespace

void RunSqlite() {
  testing::TempDir dir;
  const std::string path = dir.path() + "/raw.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return;
  sqlite3_stmt* insert = CreateUpdatesTable(db);
  PayloadMaker payload(absl::StrCat("sql", getpid()));
  const int64_t rows = absl::GetFlag(FLAGS_sqlite_rows);
  const absl::Duration limit = absl::GetFlag(FLAGS_duration);
  const absl::Time t0 = absl::Now();
  int64_t g = 0;
  while (g < rows && absl::Now() - t0 < limit) {
    Exec(db, "BEGIN IMMEDIATE");
    for (int i = 0; i < 1024; ++i, ++g) InsertRow(db, insert, &payload, g);
    Exec(db, "COMMIT");
  }
  const double seconds = Seconds(absl::Now() - t0);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  Result("raw SQLite (reference)", "sqlite", "rows/s (1024-row tx)",
         static_cast<double>(g) / seconds);
}

}  // namespace sitrep::bench
