#ifndef SITREP_SERVER_LOG_LOG_EVENT_ROUTER_H_
#define SITREP_SERVER_LOG_LOG_EVENT_ROUTER_H_

// Example (the server's wiring):
//
//   LogEventRouter router(&feed, &store_health);
//   log->SetAppendListener(&router);
//
// The server's one listener of its log (a log keeps one): appends and
// retention go to `readers` (the Feed, which tells the situation first),
// and the log's health events keep `health`, the server's view of its store
// for /readyz, gRPC health and the metrics, equal to the log's own
// (StoreHealth::Follow) before `readers` hears them too.
//
// Thread safety: as AppendListener's calls; both arguments are borrowed and
// must outlive the router.

#include <cstdint>
#include <vector>

#include "server/log/event_log.h"
#include "server/log/store_health.h"

namespace sitrep {

class LogEventRouter final : public AppendListener {
 public:
  LogEventRouter(AppendListener* readers, StoreHealth* health)
      : readers_(readers), health_(health) {}

  void OnAppended(const std::vector<LogEntryPtr>& entries,
                  const std::vector<IncidentRecordPtr>& incidents) override {
    readers_->OnAppended(entries, incidents);
  }
  void OnRetained(uint64_t oldest) override { readers_->OnRetained(oldest); }
  void OnHealthChanged(const StoreHealth& health) override {
    health_->Follow(health);
    readers_->OnHealthChanged(health);
  }

 private:
  AppendListener* const readers_;
  StoreHealth* const health_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_LOG_EVENT_ROUTER_H_
