#include "server/log/sqlite_exercise_upgrade.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/incident/update_status.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace {

constexpr int kExercise = 10;  // CATEGORY_EXERCISE, deprecated

// Decodes `bytes` as T, upgrades it, and re-encodes it into *out when the
// upgrade changed something. DATA_LOSS when it does not decode.
template <typename T>
absl::StatusOr<bool> Upgraded(absl::string_view bytes, absl::string_view what,
                              std::string* out) {
  T message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("cannot decode ", what, " stored in the event log"));
  }
  if (!UpgradeExerciseCategory(&message)) return false;
  *out = message.SerializeAsString();
  return true;
}

// Runs `select` (its first column a key, then blob columns), upgrades the
// blobs, and runs `update` (?1 the key, ?2.. the blobs) for each changed row.
template <typename... Blob>
absl::Status RewriteRows(sqlite::Database* db, const char* select_sql,
                         const char* update_sql, absl::string_view what) {
  struct Row {
    std::string key;
    std::vector<std::string> blobs;
  };
  std::vector<Row> changed;
  sqlite::Statement select;
  if (absl::Status s = select.Prepare(db, select_sql); !s.ok()) return s;
  for (;;) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Row out;
    out.key = std::string(select.ColumnText(0));
    bool any = false;
    int column = 1;
    for (absl::StatusOr<bool> (*upgrade)(absl::string_view, absl::string_view,
                                         std::string*) :
         {&Upgraded<Blob>...}) {
      std::string blob;
      if (select.ColumnIsNull(column)) {
        out.blobs.push_back(std::string());
        ++column;
        continue;
      }
      const absl::string_view stored = select.ColumnBlob(column);
      absl::StatusOr<bool> did = upgrade(
          stored, absl::StrCat(what, " ", out.key), &blob);
      if (!did.ok()) return did.status();
      any = any || *did;
      out.blobs.push_back(*did ? std::move(blob) : std::string(stored));
      ++column;
    }
    if (any) changed.push_back(std::move(out));
  }
  select.Reset();
  sqlite::Statement update;
  if (absl::Status s = update.Prepare(db, update_sql); !s.ok()) return s;
  for (const Row& row : changed) {
    update.BindText(1, row.key);
    for (size_t i = 0; i < row.blobs.size(); ++i) {
      update.BindBlob(static_cast<int>(i) + 2, row.blobs[i]);
    }
    if (absl::Status s = update.Run(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status UpgradeExerciseRows(sqlite::Database* db) {
  // The updates of incidents that ever were exercises: their bodies, and
  // the previous views that may hold the old category. Stand-alone
  // exercise reports (no incident) are selected by category alone.
  const std::string exercise = absl::StrCat(kExercise);
  const std::string updates_select = absl::StrCat(
      "SELECT sequence, body, previous FROM updates WHERE category = ",
      exercise,
      " OR (previous IS NOT NULL AND incident_id IN (SELECT incident_id FROM "
      "updates WHERE category = ", exercise, " AND incident_id != ''))");
  absl::Status status = RewriteRows<v1::SituationUpdate, v1::SituationUpdate>(
      db, updates_select.c_str(),
      "UPDATE updates SET body = ?2, previous = nullif(?3, ''), category = "
      "(CASE category WHEN 10 THEN 11 ELSE category END) WHERE sequence = ?1",
      "update");
  if (!status.ok()) return status;
  // Incident records are few (one per incident): every one is looked at,
  // as retention may have removed the updates that would name it.
  return RewriteRows<v1::SituationUpdate, v1::SituationUpdate, v1::Incident>(
      db, "SELECT incident_id, latest, opening, state FROM incidents",
      "UPDATE incidents SET latest = ?2, opening = ?3, state = nullif(?4, '') "
      "WHERE incident_id = ?1",
      "incident");
}

}  // namespace sitrep
