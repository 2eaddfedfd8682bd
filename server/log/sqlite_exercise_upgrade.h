#ifndef SITREP_SERVER_LOG_SQLITE_EXERCISE_UPGRADE_H_
#define SITREP_SERVER_LOG_SQLITE_EXERCISE_UPGRADE_H_

#include "absl/status/status.h"
#include "server/log/sqlite_statement.h"

namespace sitrep {

// Schema 4 -> 5 of the SQLite log (issue 22): the deprecated
// CATEGORY_EXERCISE became status STATUS_EXERCISE with category
// CATEGORY_OTHER (update_status.h). Rewrites, inside the caller's open
// transaction, every stored update of that category (body and category
// column), the `previous` views of their incidents' updates, and the
// incident records (latest, opening, state) that carry it. Other rows are
// left byte for byte as they are. DecodeLogEntry upgrades the same way on
// read, so this is for the file's own sake (its category column, older
// readers' queries) and so that the stored bytes say what readers see.
//
// REQUIRES: the writer's connection with a transaction open.
absl::Status UpgradeExerciseRows(sqlite::Database* db);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_SQLITE_EXERCISE_UPGRADE_H_
