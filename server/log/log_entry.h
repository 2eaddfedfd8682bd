#ifndef SITREP_SERVER_LOG_LOG_ENTRY_H_
#define SITREP_SERVER_LOG_LOG_ENTRY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/call_once.h"
#include "absl/strings/string_view.h"
#include "server/incident/mission_set.h"
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
  // For an incident update after the first: the incident's previous update,
  // reduced to the fields filters look at (see FilterView). A subscriber's
  // filter also lets an update through when this matched, so a filtered
  // view sees the update by which an incident leaves it (resolved by
  // another mission, de-escalated below its minimum severity). Null
  // otherwise. Never a chain: FilterView holds no previous of its own.
  std::shared_ptr<const v1::SituationUpdate> previous;
  // The update's mission and previous's: a reader whose filter follows
  // none of these missions can skip the entry unread.
  MissionSet missions;

  uint64_t sequence() const { return update.sequence(); }

  // The update in protobuf's JSON mapping, on one line: made by the first
  // Server-Sent Events stream that sends the entry, then shared like `wire`.
  // Thread-safe.
  const std::string& json() const;

 private:
  mutable absl::once_flag json_once_;
  mutable std::string json_;
};

using LogEntryPtr = std::shared_ptr<const LogEntry>;

// Encodes `update` (which must have its sequence set) once.
LogEntryPtr MakeLogEntry(
    v1::SituationUpdate update,
    std::shared_ptr<const v1::SituationUpdate> previous = nullptr);

// Like MakeLogEntry for an update read back from the store: `encoded` must
// be MakeLogEntry's encoding of `update` (EncodedUpdate), so `wire` is built
// from it without serialising again.
LogEntryPtr MakeLogEntryFromEncoded(
    v1::SituationUpdate update, absl::string_view encoded,
    std::shared_ptr<const v1::SituationUpdate> previous = nullptr);

// `update` without the fields no filter looks at (headline, description,
// place, event id, publisher): what LogEntry::previous keeps.
std::shared_ptr<const v1::SituationUpdate> FilterView(
    const v1::SituationUpdate& update);

// Field number of `updates` in SubscribeResponse and ListUpdatesResponse.
inline constexpr int kUpdatesFieldNumber = 1;

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_LOG_ENTRY_H_
