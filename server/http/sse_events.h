#ifndef SITREP_SERVER_HTTP_SSE_EVENTS_H_
#define SITREP_SERVER_HTTP_SSE_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/fanout/subscriber_cursor.h"
#include "server/http/sse_frame_cache.h"
#include "server/log/log_entry.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

// The text/event-stream encoding of a subscription (docs/http.md): one
// event per update with `id:` = its sequence, so that a browser's
// EventSource resumes after a drop with Last-Event-ID = the cursor; markers
// as named events with `id:` = the cursor after them; snapshot updates
// without an id (they are not in sequence order).

// Appends one event. `data` must be one line (JSON without newlines).
void AppendSseEvent(absl::string_view event, std::optional<uint64_t> id,
                    absl::string_view data, std::string* out);

// The first event of a stream, after a `retry:` line: the log and the
// cursor the stream starts after, which is also its id unless
// `snapshot_start`: a browser that drops during a situation snapshot must
// reconnect without Last-Event-ID, so that it gets the snapshot again.
std::string SseHello(const std::string& log_id, uint64_t cursor,
                     uint64_t head_sequence, bool snapshot_start = false);

// `message` as events: update/snapshot per update, or one marker event
// (caught_up, snapshot_end, gap).
std::string SseEvents(const CursorMessage& message);

// The same events appended to `out`, each `update` event the frame of
// `frames` (shared with every stream that sends the entry) or, with null
// `frames`, made here.
void AppendSseEvents(const CursorMessage& message, SseFrameCache* frames,
                     SseChunk* out);

// The `update` event of one entry (what SseFrameCache keeps).
std::string SseUpdateEvent(const LogEntry& entry);

std::string SseHeartbeat(const v1::Heartbeat& heartbeat, uint64_t cursor);

// The last event of a stream that ends with an error (docs/http.md's error
// body).
std::string SseError(const absl::Status& status);

// The end of a stream that reached its maximum age: a comment saying so and
// the `retry:` after which EventSource reconnects (with Last-Event-ID).
std::string SseReconnect();

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SSE_EVENTS_H_
