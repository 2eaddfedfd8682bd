#include "server/state_gauges.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "server/service/subscription_registry.h"
#include "server/log/sqlite_event_log.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

// The database file and its write-ahead log; a missing file counts 0.
uint64_t StoreSizeBytes(const std::string& data_dir) {
  uint64_t total = 0;
  const std::filesystem::path db =
      std::filesystem::path(data_dir) / kSqliteFileName;
  for (const std::filesystem::path& file :
       {db, std::filesystem::path(db.string() + "-wal")}) {
    std::error_code error;
    const uintmax_t size = std::filesystem::file_size(file, error);
    if (!error) total += size;
  }
  return total;
}

// The store's sequences, size, availability and (SQLite) WAL figures.
void RefreshStore(const StateSources& sources, Metrics& metrics) {
  Metrics::StoreState store;
  store.head = sources.log->Head();
  store.oldest = sources.log->Oldest();
  // Retained sequences are the dense range [oldest, head].
  store.updates = store.head >= store.oldest ? store.head - store.oldest + 1 : 0;
  store.size_bytes = StoreSizeBytes(sources.data_dir);
  store.serving = sources.store->available();
  if (std::optional<SqliteEventLogStats> sqlite =
          GetSqliteEventLogStats(*sources.log)) {
    std::error_code error;
    const uintmax_t wal = std::filesystem::file_size(
        std::filesystem::path(sources.data_dir) /
            (std::string(kSqliteFileName) + "-wal"),
        error);
    if (!error) store.wal_bytes = wal;
    store.wal_checkpoints[Metrics::kWalPassive] =
        sqlite->wal_checkpoints - sqlite->wal_restarts;
    store.wal_checkpoints[Metrics::kWalRestart] = sqlite->wal_restarts;
    store.wal_checkpoints[Metrics::kWalWriter] = sqlite->writer_wal_checkpoints;
    store.wal_checkpoint_time[Metrics::kWalPassive] = sqlite->wal_passive_time;
    store.wal_checkpoint_time[Metrics::kWalRestart] = sqlite->wal_restart_time;
    store.wal_checkpoint_time[Metrics::kWalWriter] =
        sqlite->writer_wal_checkpoint_time;
    store.writer_wal_wait = sqlite->writer_wal_wait;
  }
  metrics.SetStore(store);
}

// Subscribers by the missions they follow, and the largest lag.
void RefreshSubscribers(const StateSources& sources, Metrics& metrics) {
  const SubscriptionRegistry::Stats stats =
      sources.subscriptions->Collect(sources.feed->head());
  Metrics::SubscriberCounts by_missions{};
  for (const auto& [mask, count] : stats.by_mission_mask) {
    by_missions[static_cast<int>(MissionsFollowedOfMask(mask))] += count;
  }
  metrics.SetSubscribers(by_missions, stats.max_lag);
}

// Open incidents by mission, lead tier and severity, and their support
// requests that are not closed.
void RefreshIncidents(const StateSources& sources, absl::Time now, Metrics& metrics) {
  std::map<std::tuple<int, int, int>, uint64_t> incidents;
  Metrics::SupportRequestGauges requests;
  for (const SituationIndex::Shown& shown :
       sources.situation->Take(nullptr, now).incidents) {
    const IncidentRecordPtr& record = shown.record;
    const v1::SituationUpdate& latest = record->latest->update;
    ++incidents[{latest.mission(), record->state.lead().tier(), latest.severity()}];
    for (const v1::SupportRequest& request : record->state.support_requests()) {
      const int from = request.from_tier(), to = request.to_tier();
      if (request.state() == v1::SupportRequest::STATE_CLOSED || from < 1 ||
          to > 3 || from >= to) {
        continue;
      }
      const bool acknowledged =
          request.state() == v1::SupportRequest::STATE_ACKNOWLEDGED;
      ++requests.count[from][to][acknowledged ? 1 : 0];
      if (!acknowledged) {
        requests.oldest_wait[to] = std::max(
            requests.oldest_wait[to], now - FromProtoTime(request.requested_at()));
      }
    }
  }
  metrics.SetSupportRequests(requests);
  std::vector<Metrics::IncidentCount> counts;
  counts.reserve(incidents.size());
  for (const auto& [key, count] : incidents) {
    counts.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key),
                      count});
  }
  metrics.SetOpenIncidents(counts);
}

}  // namespace

void RefreshStateGauges(const StateSources& sources, Metrics& metrics) {
  RefreshStore(sources, metrics);
  RefreshSubscribers(sources, metrics);
  const absl::Time now = sources.clock->Now();
  RefreshIncidents(sources, now, metrics);
  for (const v1::MissionActivity& activity : sources.feed->MissionActivity()) {
    metrics.SetLastUpdateAge(activity.mission(),
                             now - FromProtoTime(activity.last_update_time()));
  }
  if (sources.webhooks) metrics.SetWebhookSinks(sources.webhooks());
}

}  // namespace sitrep
