#ifndef SITREP_TESTS_SUPPORT_SSE_CLIENT_H_
#define SITREP_TESTS_SUPPORT_SSE_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/http_get.h"

namespace sitrep::testing {

// One Server-Sent Event as an EventSource sees it.
struct SseEvent {
  std::string event;
  // The `id:` field, when the event had one.
  std::optional<std::string> id;
  std::string data;
};

// A GET of an event stream read event by event, as a browser's EventSource
// reads it. The whole stream has a deadline (`lifetime`), so a hang ends the
// stream and fails the test instead of blocking it.
class SseClient {
 public:
  // Connects and reads the answer's head. The status and headers say
  // whether the stream started (200) or was refused (body: the error).
  static absl::StatusOr<std::unique_ptr<SseClient>> Open(
      int port, const HttpCall& call,
      absl::Duration lifetime = absl::Seconds(30));
  ~SseClient();

  int status() const { return status_; }
  const std::string& headers() const { return headers_; }
  // A refused stream's body (read to its end).
  std::string ReadBody();

  // The next event, or nullopt when the stream ended (or the lifetime
  // passed). Comments and `retry:` lines are skipped.
  std::optional<SseEvent> Next();

  // Reads until an event named `event` arrives (returned), collecting the
  // `update` events before it into *updates (nullable).
  std::optional<SseEvent> ReadUntil(const std::string& event,
                                    std::vector<SseEvent>* updates = nullptr);
  // Reads `count` update events (fewer when the stream ends first).
  std::vector<SseEvent> ReadUpdates(size_t count);

  // The last `id:` seen, as EventSource keeps it for Last-Event-ID.
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  SseClient(int fd, absl::Time deadline) : fd_(fd), deadline_(deadline) {}
  // Reads more bytes into buffer_; false at the end of the stream.
  bool Fill();

  const int fd_;
  const absl::Time deadline_;
  std::string buffer_;
  int status_ = 0;
  std::string headers_;
  std::string last_event_id_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_SSE_CLIENT_H_
