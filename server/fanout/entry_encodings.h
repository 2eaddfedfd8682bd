#ifndef SITREP_SERVER_FANOUT_ENTRY_ENCODINGS_H_
#define SITREP_SERVER_FANOUT_ENTRY_ENCODINGS_H_

// The forms in which readers send a log entry, derived from what the log
// stores (LogEntry::encoded) so that nothing is serialised per subscriber:
//
//   std::string batch;
//   batch.reserve(size);                      // sum of UpdatesFieldSize()
//   for (const LogEntryPtr& entry : updates) AppendUpdatesField(*entry, &batch);
//   AppendSseEvent("update", entry->sequence(), EntryJson(*entry), &out);
//
// The protobuf form, field 1 of SubscribeResponse and ListUpdatesResponse
// (`repeated SituationUpdate updates = 1`), is the tag and the length
// written in front of the stored encoding: a repeated field on the wire is
// its elements one after another, so a batch is one append per entry, as
// when each entry kept those bytes whole, and nothing is kept for it.
//
// The JSON (Server-Sent Events, the CloudEvents sinks, the HTTP situation)
// is made at most once per entry, by the first reader that asks, and kept
// in the entry's reader slot (LogEntry::readers): in fan-out's hands, not
// the log's, and only on entries a JSON reader saw. Why the slot rather
// than a map from sequence to JSON: an entry is shared by LogEntryPtr
// between the ring, catch-up reads and the situation, so the slot lives
// exactly as long as the entry and costs no lookup and no global lock;
// after the first call it is one acquire load (absl::call_once).

#include <cstddef>
#include <cstdint>
#include <string>

#include "server/log/log_entry.h"

namespace sitrep {

// Field number of `updates` in SubscribeResponse and ListUpdatesResponse.
inline constexpr int kUpdatesFieldNumber = 1;

// The bytes AppendUpdatesField appends for `entry`: the tag, the length as
// a varint and the encoding. What batch limits count.
size_t UpdatesFieldSize(const LogEntry& entry);

// Appends `entry` as one element of the length-delimited field
// `field_number` (1 to 15: a one-byte tag) to `out`; by default field 1 of
// SubscribeResponse and ListUpdatesResponse. The same length for any
// field number: UpdatesFieldSize().
void AppendUpdatesField(const LogEntry& entry, std::string* out,
                        int field_number = kUpdatesFieldNumber);

// The same bytes written at `out` (UpdatesFieldSize() of room); returns
// the end of what it wrote.
uint8_t* WriteUpdatesField(const LogEntry& entry, uint8_t* out,
                           int field_number = kUpdatesFieldNumber);

// `entry`'s update in protobuf's JSON mapping, on one line. Made by the
// first caller and shared by every later one; thread-safe. Lives as long
// as the entry.
const std::string& EntryJson(const LogEntry& entry);

}  // namespace sitrep

#endif  // SITREP_SERVER_FANOUT_ENTRY_ENCODINGS_H_
