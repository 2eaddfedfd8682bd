#ifndef SITREP_SERVER_LOG_LOG_ENTRY_H_
#define SITREP_SERVER_LOG_LOG_ENTRY_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/call_once.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "server/incident/mission_set.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// A set-once place on a LogEntry where the log's readers keep what they
// derive from it (fan-out keeps the entry's reader encodings there:
// server/fanout/entry_encodings.h). The log never reads or sets it; it only
// carries it, so that what readers derive lives exactly as long as the
// entry they share.
//
// One owner type per program (today fan-out's EntryEncodings): the first
// GetOrMake's `make` decides the value, and its owner casts it back.
class ReaderSlot {
 public:
  class Value {
   public:
    virtual ~Value() = default;
  };

  ReaderSlot() = default;
  ReaderSlot(const ReaderSlot&) = delete;
  ReaderSlot& operator=(const ReaderSlot&) = delete;

  // The value: made by `make` on the first call, the same on every later
  // one. Thread-safe: concurrent first calls wait for one `make`; after
  // that a call is one acquire load.
  const Value& GetOrMake(
      absl::FunctionRef<std::unique_ptr<const Value>()> make) const;

 private:
  mutable absl::once_flag once_;
  mutable std::unique_ptr<const Value> value_;
};

// One stored update, immutable once made and shared (by LogEntryPtr) between
// the log's readers, the ring cache and every subscriber that sends it.
struct LogEntry {
  v1::SituationUpdate update;
  // The update's deterministic encoding: the bytes the store writes, made
  // once on append or taken as read back. Readers send it as it is
  // (server/fanout/entry_encodings.h), so nothing is serialised per reader.
  std::string encoded;
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
  // Readers' own, never the log's: see ReaderSlot.
  ReaderSlot readers;

  uint64_t sequence() const { return update.sequence(); }
};

using LogEntryPtr = std::shared_ptr<const LogEntry>;

// Encodes `update` (which must have its sequence set) once,
// deterministically, so that equal updates (labels are a map) encode alike.
LogEntryPtr MakeLogEntry(
    v1::SituationUpdate update,
    std::shared_ptr<const v1::SituationUpdate> previous = nullptr);

// Like MakeLogEntry for an update read back from the store: `encoded` must
// be MakeLogEntry's encoding of `update` (EncodedUpdate), and is kept
// without serialising again.
LogEntryPtr MakeLogEntryFromEncoded(
    v1::SituationUpdate update, absl::string_view encoded,
    std::shared_ptr<const v1::SituationUpdate> previous = nullptr);

// `update` without the fields no filter looks at (headline, description,
// place, event id, publisher): what LogEntry::previous keeps.
std::shared_ptr<const v1::SituationUpdate> FilterView(
    const v1::SituationUpdate& update);

}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_LOG_ENTRY_H_
