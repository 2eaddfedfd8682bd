#include "tests/support/sse_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sitrep::testing {

absl::StatusOr<std::unique_ptr<SseClient>> SseClient::Open(
    int port, const HttpCall& call, absl::Duration lifetime) {
  const absl::Time deadline = absl::Now() + lifetime;
  absl::StatusOr<int> fd = HttpOpen(port, call, deadline);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<SseClient> client(new SseClient(*fd, deadline));
  size_t head_end;
  while ((head_end = client->buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!client->Fill()) {
      return absl::UnavailableError("the stream ended before its headers");
    }
  }
  const std::string head = client->buffer_.substr(0, head_end);
  client->buffer_.erase(0, head_end + 4);
  const size_t line_end = head.find("\r\n");
  if (head.size() < 12 || !absl::StartsWith(head, "HTTP/") ||
      !absl::SimpleAtoi(head.substr(9, 3), &client->status_)) {
    return absl::UnavailableError("not an HTTP answer: " + head);
  }
  client->headers_ =
      line_end == std::string::npos ? "" : head.substr(line_end + 2);
  return client;
}

SseClient::~SseClient() { ::close(fd_); }

bool SseClient::Fill() {
  for (;;) {
    if (!WaitForSocket(fd_, POLLIN, deadline_)) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno != EAGAIN && errno != EINTR) return false;
  }
}

std::string SseClient::ReadBody() {
  while (Fill()) {
  }
  return std::exchange(buffer_, "");
}

std::optional<SseEvent> SseClient::Next() {
  for (;;) {
    size_t end;
    while ((end = buffer_.find("\n\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    const std::string block = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    SseEvent event;
    bool has_data = false;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (line.empty() || line[0] == ':') continue;  // A comment.
      const size_t colon = line.find(':');
      absl::string_view field = line.substr(0, colon);
      absl::string_view value =
          colon == absl::string_view::npos ? "" : line.substr(colon + 1);
      absl::ConsumePrefix(&value, " ");
      if (field == "event") {
        event.event = std::string(value);
      } else if (field == "id") {
        event.id = std::string(value);
      } else if (field == "data") {
        if (has_data) event.data.push_back('\n');
        event.data.append(value.data(), value.size());
        has_data = true;
      }
    }
    if (event.id.has_value()) last_event_id_ = *event.id;
    // A block of only `retry:` (or comments) is no event.
    if (!has_data) continue;
    if (event.event.empty()) event.event = "message";
    return event;
  }
}

std::optional<SseEvent> SseClient::ReadUntil(const std::string& name,
                                             std::vector<SseEvent>* updates) {
  while (std::optional<SseEvent> event = Next()) {
    if (event->event == name) return event;
    if (updates != nullptr && event->event == "update") {
      updates->push_back(*std::move(event));
    }
  }
  return std::nullopt;
}

std::vector<SseEvent> SseClient::ReadUpdates(size_t count) {
  std::vector<SseEvent> updates;
  while (updates.size() < count) {
    std::optional<SseEvent> event = Next();
    if (!event.has_value()) break;
    if (event->event == "update") updates.push_back(*std::move(event));
  }
  return updates;
}

}  // namespace sitrep::testing
