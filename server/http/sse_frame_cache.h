#ifndef SITREP_SERVER_HTTP_SSE_FRAME_CACHE_H_
#define SITREP_SERVER_HTTP_SSE_FRAME_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/log/log_entry.h"

namespace sitrep {

// Bytes of a text/event-stream, shared read-only between the streams that
// send them (a libevent reference or a writev iovec points into them).
using SseFrame = std::shared_ptr<const std::string>;

// The bytes of one write of a stream, in order: shared frames (the cache's)
// and the stream's own (markers, heartbeats, left_view events).
struct SseChunk {
  std::vector<SseFrame> frames;
  size_t bytes = 0;

  void Add(SseFrame frame) {
    if (frame->empty()) return;
    bytes += frame->size();
    frames.push_back(std::move(frame));
  }
  void Add(std::string text) {
    if (!text.empty()) Add(std::make_shared<const std::string>(std::move(text)));
  }
  bool empty() const { return bytes == 0; }
  std::string Flatten() const;
};

// The `update` event of an entry (sse_events.h) is the same bytes for every
// stream that sends it, as LogEntry::wire is for gRPC: this cache makes it
// once per entry and hands every stream the same frame, so that fanning an
// update out to N browsers costs N references, not N copies of ~600 bytes
// of JSON and its SSE lines (issue 24).
//
// Bound: `slots` frames at most, each at most `max_frame_bytes` (a larger
// frame is made per call and not kept). A slot holds the most recent entry
// whose sequence maps to it, so the hot set (the updates near the head that
// every live stream sends) stays while old ones give way. An evicted frame
// lives on only while a stream still holds it: a stream holds the frames of
// its one write in flight (sse_stream.h), so a slow reader pins one batch,
// not the cache's history.
//
// Thread safety: UpdateFrame may be called from any thread.
class SseFrameCache {
 public:
  struct Options {
    size_t slots = 4096;
    size_t max_frame_bytes = 16 * 1024;
  };
  // Makes the frame of an entry: `event: update`, its id and its JSON.
  using MakeFrame = std::function<std::string(const LogEntry&)>;

  SseFrameCache(Options options, MakeFrame make);
  SseFrameCache(const SseFrameCache&) = delete;
  SseFrameCache& operator=(const SseFrameCache&) = delete;

  // The frame of `entry`: the one made for it before if still cached,
  // else a new one (cached unless larger than max_frame_bytes).
  SseFrame UpdateFrame(const LogEntryPtr& entry);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    // Frames and their bytes held by the cache now (not by streams).
    size_t frames = 0;
    size_t bytes = 0;
  };
  Stats stats() const;

 private:
  // One per slot; a slot's lock is held to compare and copy pointers, and
  // while a missing frame is made (so that it is made once).
  struct Slot {
    mutable absl::Mutex mu;
    // Kept so that its address names it: no other entry takes its place
    // while it is here.
    LogEntryPtr entry ABSL_GUARDED_BY(mu);
    SseFrame frame ABSL_GUARDED_BY(mu);
    uint64_t hits ABSL_GUARDED_BY(mu) = 0;
    uint64_t misses ABSL_GUARDED_BY(mu) = 0;
  };

  const Options options_;
  const MakeFrame make_;
  const size_t slot_count_;
  const std::unique_ptr<Slot[]> slots_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SSE_FRAME_CACHE_H_
