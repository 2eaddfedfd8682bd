#ifndef SITREP_SERVER_LOG_LOG_ENTRY_H_
#define SITREP_SERVER_LOG_LOG_ENTRY_H_

#include <memory>
#include <string>

#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// One stored update, immutable once made and shared (by LogEntryPtr) between
// the log's readers, the ring cache and every subscriber that sends it.
//
// `wire` is the update encoded once as field 1 of SubscribeResponse and
// ListUpdatesResponse (`repeated SituationUpdate updates = 1`): the tag, the
// length and the message bytes. A batch for a subscriber is the
// concatenation of its entries' `wire`s, so nothing is serialised per
// subscriber.
struct LogEntry {
  v1::SituationUpdate update;
  std::string wire;

  uint64_t sequence() const { return update.sequence(); }
};

using LogEntryPtr = std::shared_ptr<const LogEntry>;

// Encodes `update` (which must have its sequence set) once.
LogEntryPtr MakeLogEntry(v1::SituationUpdate update);

// Field number of `updates` in SubscribeResponse and ListUpdatesResponse.
inline constexpr int kUpdatesFieldNumber = 1;

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_LOG_ENTRY_H_
