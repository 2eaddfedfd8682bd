#ifndef SITREP_SERVER_LOG_SQLITE_STATEMENT_H_
#define SITREP_SERVER_LOG_SQLITE_STATEMENT_H_

// Thin RAII wrappers over the SQLite C API for the SQLite event log. Internal
// to server/log: only .cc files include this header, so <sqlite3.h> stays out
// of every public header (sitrep_log links SQLite::SQLite3 PRIVATE).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep::sqlite {

// One connection. Opened in SQLite's multi-thread mode (SQLITE_OPEN_NOMUTEX):
//
// Thread safety: a Database and its Statements must be used by one thread at
// a time; the owner provides the exclusion.
class Database {
 public:
  // Opens (creating when `create`) the database file at `path`.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        bool create);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs one or more statements that return no rows of interest.
  absl::Status Exec(const char* sql);

  // A status for result code `rc` of `what`, naming the file and carrying
  // SQLite's message: FAILED_PRECONDITION when the file is not a usable
  // sitrep database, UNAVAILABLE otherwise (a retry or an operator may help).
  absl::Status Error(int rc, absl::string_view what) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* const db_;
  const std::string path_;
};

// A prepared statement, prepared once and reused (SQLITE_PREPARE_PERSISTENT).
// Reset() after every use so that a reader does not keep its snapshot open.
class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // REQUIRES: not prepared yet. `db` must outlive this statement.
  absl::Status Prepare(Database* db, const char* sql);

  // Parameter indexes start at 1, as in SQLite.
  void BindInt64(int index, int64_t value);
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);

  // Runs one step: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps a statement that returns no rows.
  absl::Status Run();
  // Resets the statement and clears its bindings.
  void Reset();

  bool ColumnIsNull(int index) const;
  int64_t ColumnInt64(int index) const;
  // Valid until the next Step() or Reset().
  absl::string_view ColumnBlob(int index) const;
  absl::string_view ColumnText(int index) const;

 private:
  Database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving a scope, whatever path leaves it.
class ScopedReset {
 public:
  explicit ScopedReset(Statement* statement) : statement_(statement) {}
  ~ScopedReset() { statement_->Reset(); }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  Statement* const statement_;
};

}  // namespace sitrep::sqlite

#endif  // SITREP_SERVER_LOG_SQLITE_STATEMENT_H_
