#include "server/situation/retention_sweeper.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/runtime/logging.h"

namespace sitrep {

absl::StatusOr<uint64_t> RetentionSweeper::RunNow() {
  RetentionPolicy policy = policy_;
  const absl::Time now = clock_->Now();
  StoreSnapshotBeforeRetention(now, &policy);
  absl::StatusOr<uint64_t> removed = log_->ApplyRetention(policy, now);
  if (!removed.ok()) {
    LogError("retention", "failed",
             {{"error", std::string(removed.status().message())}});
  } else if (*removed > 0) {
    LogInfo("retention", "removed updates",
            {{"count", absl::StrCat(*removed)},
             {"oldest", absl::StrCat(log_->Oldest())}});
  }
  return removed;
}

void RetentionSweeper::StoreSnapshotBeforeRetention(absl::Time now,
                                                    RetentionPolicy* policy) {
  absl::StatusOr<uint64_t> first_kept =
      FirstSequenceRetentionKeeps(*log_, *policy, now);
  absl::Status saved;
  if (!first_kept.ok()) {
    saved = first_kept.status();
  } else if (*first_kept <= log_->Oldest()) {
    return;  // Nothing to remove.
  } else {
    saved = snapshots_->SnapshotAt(*first_kept - 1, now);
    if (saved.ok()) {
      policy->first_kept_at_most = *first_kept;
      return;
    }
  }
  LogWarning("situation",
             "situation before the retention cut not stored; storing the "
             "current one",
             {{"error", std::string(saved.message())}});
  if (absl::Status current = snapshots_->SnapshotNow(); !current.ok()) {
    LogWarning("situation", "situation snapshot not stored",
               {{"error", std::string(current.message())}});
  }
}

}  // namespace sitrep
