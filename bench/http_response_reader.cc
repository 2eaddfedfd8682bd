#include "bench/http_response_reader.h"

#include <string.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sitrep::bench {
namespace {

// Forgets bytes[0, *pos): at once when all is consumed, else in 64 KiB
// steps (no memmove per event).
void DropConsumed(std::string* bytes, size_t* pos) {
  if (*pos == bytes->size()) {
    bytes->clear();
    *pos = 0;
  } else if (*pos > 64 * 1024) {
    bytes->erase(0, *pos);
    *pos = 0;
  }
}

}  // namespace

bool HttpResponseReader::Parse(absl::string_view fresh, bool stream,
                               absl::FunctionRef<void(const Event&)> on_event) {
  std::string joined;
  absl::string_view src = fresh;
  if (!in_.empty()) {
    joined = std::move(in_);
    joined.append(fresh.data(), fresh.size());
    src = joined;
  }
  in_.clear();
  size_t used = 0;
  if (!headers_done_) {
    const size_t end = src.find("\r\n\r\n");
    if (end == absl::string_view::npos) {
      in_.assign(src.data(), src.size());
      return in_.size() < 64 * 1024;
    }
    if (!ParseHead(src.substr(0, end))) return false;
    headers_done_ = true;
    used = end + 4;
  }
  if (chunked_) {
    size_t chunks = 0;
    if (!ParseChunks(src.substr(used), &chunks)) return false;
    used += chunks;
  } else {
    body_.append(src.data() + used, src.size() - used);
    used = src.size();
    if (content_length_ >= 0 &&
        static_cast<int64_t>(body_.size()) >= content_length_) {
      complete_ = true;
    }
  }
  in_.assign(src.data() + used, src.size() - used);
  if (stream && status_ == 200) Events(on_event);
  return true;
}

bool HttpResponseReader::ParseHead(absl::string_view head) {
  const size_t line_end = head.find("\r\n");
  absl::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 ||
      !absl::SimpleAtoi(status_line.substr(9, 3), &status_)) {
    return false;
  }
  while (line_end != absl::string_view::npos) {
    head.remove_prefix(head.find("\r\n") + 2);
    const size_t next = head.find("\r\n");
    absl::string_view line = head.substr(0, next);
    const size_t colon = line.find(':');
    if (colon != absl::string_view::npos) {
      absl::string_view name = line.substr(0, colon);
      absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
      if (absl::EqualsIgnoreCase(name, "transfer-encoding") &&
          absl::StrContains(absl::AsciiStrToLower(value), "chunked")) {
        chunked_ = true;
      } else if (absl::EqualsIgnoreCase(name, "content-length")) {
        if (!absl::SimpleAtoi(value, &content_length_)) return false;
      }
    }
    if (next == absl::string_view::npos) break;
  }
  return true;
}

bool HttpResponseReader::ParseChunks(absl::string_view src, size_t* used) {
  size_t pos = 0;
  while (pos < src.size() && !complete_) {
    if (chunk_ == Chunk::kSize) {
      const size_t eol = src.find("\r\n", pos);
      if (eol == absl::string_view::npos) break;
      uint64_t size = 0;
      for (size_t i = pos; i < eol; ++i) {
        const char c = src[i];
        if (c == ';') break;  // chunk extensions
        const int digit = (c >= '0' && c <= '9')   ? c - '0'
                          : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                          : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                   : -1;
        if (digit < 0) return false;
        size = size * 16 + static_cast<uint64_t>(digit);
      }
      pos = eol + 2;
      if (size == 0) {
        complete_ = true;  // trailers are not read
        break;
      }
      chunk_left_ = size;
      chunk_ = Chunk::kData;
    } else if (chunk_ == Chunk::kData) {
      const size_t take = std::min<size_t>(chunk_left_, src.size() - pos);
      body_.append(src.data() + pos, take);
      pos += take;
      chunk_left_ -= take;
      if (chunk_left_ == 0) chunk_ = Chunk::kDataEnd;
    } else {
      if (src.size() - pos < 2) break;
      pos += 2;
      chunk_ = Chunk::kSize;
    }
  }
  *used = pos;
  return true;
}

void HttpResponseReader::Events(
    absl::FunctionRef<void(const Event&)> on_event) {
  // One pass, line by line (each byte looked at once, by memchr): finding
  // the blank line first and then splitting the block scanned every event
  // twice. An event not complete yet is parsed again on the next read.
  Event event;
  event.type = "message";
  int data_lines = 0;
  size_t pos = body_pos_;
  const char* const base = body_.data();
  for (;;) {
    const void* nl = memchr(base + pos, '\n', body_.size() - pos);
    if (nl == nullptr) break;
    const size_t eol = static_cast<size_t>(static_cast<const char*>(nl) - base);
    absl::string_view line(base + pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) {  // the end of an event
      if (data_lines > 0) on_event(event);
      body_pos_ = pos;
      event = Event();
      event.type = "message";
      data_lines = 0;
      continue;
    }
    if (line[0] == ':') continue;  // a comment
    const size_t colon = line.find(':');
    absl::string_view field = line.substr(0, colon);
    absl::string_view value =
        colon == absl::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "event") {
      event.type = value;
    } else if (field == "id") {
      event.id = value;
    } else if (field == "data") {
      if (++data_lines == 1) {
        event.data = value;
      } else {
        if (data_lines == 2) data_scratch_.assign(event.data.data(), event.data.size());
        absl::StrAppend(&data_scratch_, "\n", value);
        event.data = data_scratch_;
      }
    }
  }
  DropConsumed(&body_, &body_pos_);
}

void HttpResponseReader::Reset() {
  in_.clear();
  headers_done_ = false;
  status_ = 0;
  chunked_ = false;
  content_length_ = -1;
  chunk_ = Chunk::kSize;
  chunk_left_ = 0;
  complete_ = false;
  body_.clear();
  body_pos_ = 0;
}

}  // namespace sitrep::bench
