#include "server/log/sqlite_statement.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sitrep::sqlite {

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat(
        "cannot open the event log database ", path, ": ", message,
        "; check that --data_dir is a writable directory"));
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db, path));
}

Database::~Database() { sqlite3_close_v2(db_); }

absl::Status Database::Exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return absl::OkStatus();
  sqlite3_free(message);
  return Error(rc, sql);
}

absl::Status Database::Error(int rc, absl::string_view what) const {
  std::string message = absl::StrCat(what, " on ", path_, ": ",
                                     sqlite3_errmsg(db_), " (", sqlite3_errstr(rc), ")");
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_SCHEMA:
      return absl::FailedPreconditionError(absl::StrCat(
          message, "; the file is not a usable sitrep database: move it away "
                   "or point --data_dir elsewhere"));
    default:
      return absl::UnavailableError(message);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

absl::Status Statement::Prepare(Database* db, const char* sql) {
  db_ = db;
  const int rc = sqlite3_prepare_v3(db->handle(), sql, -1,
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) return db->Error(rc, absl::StrCat("preparing '", sql, "'"));
  return absl::OkStatus();
}

void Statement::BindInt64(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
}

void Statement::BindText(int index, absl::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_STATIC);
}

void Statement::BindBlob(int index, absl::string_view value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_STATIC);
}

absl::StatusOr<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, absl::StrCat("running '", sqlite3_sql(stmt_), "'"));
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  sqlite3_reset(stmt_);
  return row.status();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

absl::string_view Statement::ColumnBlob(int index) const {
  const void* data = sqlite3_column_blob(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  return data == nullptr ? absl::string_view()
                         : absl::string_view(static_cast<const char*>(data), size);
}

absl::string_view Statement::ColumnText(int index) const {
  const unsigned char* data = sqlite3_column_text(stmt_, index);
  const int size = sqlite3_column_bytes(stmt_, index);
  return data == nullptr
             ? absl::string_view()
             : absl::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace sitrep::sqlite
