#ifndef SITREP_SERVER_STATE_GAUGES_H_
#define SITREP_SERVER_STATE_GAUGES_H_

#include <functional>
#include <string>
#include <vector>

#include "server/fanout/feed.h"
#include "server/log/event_log.h"
#include "server/log/store_health.h"
#include "server/metrics/metrics.h"
#include "server/situation/situation_index.h"
#include "server/runtime/clock.h"
#include "server/sinks/webhook_sink_status.h"

namespace sitrep {

class SubscriptionRegistry;

// What the state gauges are read from; all borrowed.
struct StateSources {
  const EventLog* log = nullptr;
  const StoreHealth* store = nullptr;
  // The store's files are <data_dir>/sitrep.db and its -wal.
  std::string data_dir;
  const Feed* feed = nullptr;
  const SituationIndex* situation = nullptr;
  const SubscriptionRegistry* subscriptions = nullptr;
  Clock* clock = nullptr;
  // The webhook sinks' status; null: none.
  std::function<std::vector<WebhookSinkStatus>()> webhooks;
};

// Sets the metrics that describe state rather than count events: the
// store's sequences, size and availability, subscribers by missions and the
// largest lag, open incidents, the age of each mission's last update, and
// the webhook sinks' lag and deliveries. Reading them at scrape time (every
// 15 s or so) costs less than tracking them on every append and stream
// change. Metrics::SetRefresh runs it.
void RefreshStateGauges(const StateSources& sources, Metrics& metrics);

}  // namespace sitrep

#endif  // SITREP_SERVER_STATE_GAUGES_H_
