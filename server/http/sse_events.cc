#include "server/http/sse_events.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "server/fanout/entry_encodings.h"
#include "server/http/json_body.h"

namespace sitrep {

void AppendSseEvent(absl::string_view event, std::optional<uint64_t> id,
                    absl::string_view data, std::string* out) {
  absl::StrAppend(out, "event: ", event, "\n");
  if (id.has_value()) absl::StrAppend(out, "id: ", *id, "\n");
  absl::StrAppend(out, "data: ", data, "\n\n");
}

std::string SseHello(const std::string& log_id, uint64_t cursor,
                     uint64_t head_sequence, bool snapshot_start) {
  // After a drop the browser waits `retry` milliseconds, then reconnects.
  std::string out = "retry: 2000\n\n";
  google::protobuf::Value id;
  id.set_string_value(log_id);
  // 64-bit integers as strings, as everywhere in the JSON mapping.
  AppendSseEvent("hello",
                 snapshot_start ? std::nullopt : std::optional<uint64_t>(cursor),
                 absl::StrCat("{\"logId\":", ToJson(id), ",\"cursor\":\"",
                              cursor, "\",\"headSequence\":\"",
                              head_sequence, "\"}"),
                 &out);
  return out;
}

std::string SseUpdateEvent(const LogEntry& entry) {
  std::string out;
  AppendSseEvent("update", entry.sequence(), EntryJson(entry), &out);
  return out;
}

std::string SseEvents(const CursorMessage& message) {
  SseChunk chunk;
  AppendSseEvents(message, /*frames=*/nullptr, &chunk);
  return chunk.Flatten();
}

void AppendSseEvents(const CursorMessage& message, SseFrameCache* frames,
                     SseChunk* chunk) {
  // The stream's own events, gathered until a shared frame comes between.
  std::string out;
  switch (message.type) {
    case CursorMessage::Type::kUpdates: {
      size_t next_left = 0;
      for (const LogEntryPtr& entry : message.updates) {
        if (message.snapshot) {
          AppendSseEvent("snapshot", std::nullopt, EntryJson(*entry), &out);
          continue;
        }
        if (next_left < message.left_view.size() &&
            message.left_view[next_left].sequence == entry->sequence()) {
          // Same id as an update: a resume after it skips it like one.
          google::protobuf::Value reason;
          reason.set_string_value(message.left_view[next_left].reason);
          AppendSseEvent("left_view", entry->sequence(),
                         absl::StrCat("{\"reason\":", ToJson(reason),
                                      ",\"update\":", EntryJson(*entry), "}"),
                         &out);
          ++next_left;
          continue;
        }
        if (frames == nullptr) {
          out += SseUpdateEvent(*entry);
          continue;
        }
        chunk->Add(std::exchange(out, std::string()));
        chunk->Add(frames->UpdateFrame(entry));
      }
      break;
    }
    case CursorMessage::Type::kCaughtUp: {
      v1::CaughtUp caught_up;
      caught_up.set_sequence(message.sequence);
      AppendSseEvent("caught_up", message.cursor, ToJson(caught_up), &out);
      break;
    }
    case CursorMessage::Type::kSnapshotEnd: {
      v1::SnapshotEnd end;
      end.set_sequence(message.sequence);
      AppendSseEvent("snapshot_end", message.cursor, ToJson(end), &out);
      break;
    }
    case CursorMessage::Type::kGap: {
      v1::Gap gap;
      gap.set_from_sequence(message.gap_from);
      gap.set_to_sequence(message.gap_to);
      AppendSseEvent("gap", message.cursor, ToJson(gap), &out);
      break;
    }
  }
  chunk->Add(std::move(out));
}

std::string SseHeartbeat(const v1::Heartbeat& heartbeat, uint64_t cursor) {
  std::string out;
  AppendSseEvent("heartbeat", cursor, ToJson(heartbeat), &out);
  return out;
}

std::string SseReconnect() {
  return ": the stream reached its maximum age; reconnect\nretry: 2000\n\n";
}

std::string SseError(const absl::Status& status) {
  std::string out;
  AppendSseEvent("error", std::nullopt, ErrorJson(status), &out);
  return out;
}

}  // namespace sitrep
