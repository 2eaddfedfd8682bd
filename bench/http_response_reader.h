#ifndef SITREP_BENCH_HTTP_RESPONSE_READER_H_
#define SITREP_BENCH_HTTP_RESPONSE_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace sitrep::bench {

// The HTTP/1.1 response of one request as the SSE load generator reads it
// (bench/http_load.h): the status, Content-Length or chunked body, and for
// a text/event-stream its events, as the bytes arrive, split anywhere.
// Built to cost the generator little per event (issue 24: it must not be
// the bottleneck): a read's bytes are decoded where they lie, and each
// byte of the body is scanned once.
//
// Thread-compatible: one reader per connection, on its loop's thread.
class HttpResponseReader {
 public:
  struct Event {
    absl::string_view type;  // "message" when the event names none
    absl::string_view id;    // empty without an id line
    absl::string_view data;  // the data lines joined by '\n'
  };

  // Parses the bytes of one read (any split of the response). With
  // `stream`, the complete events of a 200 response go to `on_event` (views
  // valid only during the call) and the body keeps only an incomplete
  // one. False when the response is malformed.
  bool Parse(absl::string_view fresh, bool stream,
             absl::FunctionRef<void(const Event&)> on_event);
  // Ready for the next response on a kept-alive connection.
  void Reset();

  bool headers_done() const { return headers_done_; }
  // 0 until the status line arrived.
  int status() const { return status_; }
  // The whole body arrived (Content-Length reached or the last chunk).
  bool complete() const { return complete_; }
  // The decoded body: all of it, or a stream's unparsed rest.
  absl::string_view body() const { return body_; }

 private:
  // The status line and the headers this client reads (`head`: up to the
  // blank line); false when malformed.
  bool ParseHead(absl::string_view head);
  // Decodes the chunks of `src` into `body_`; `*used`: the bytes of `src`
  // consumed. False when malformed.
  bool ParseChunks(absl::string_view src, size_t* used);
  void Events(absl::FunctionRef<void(const Event&)> on_event);

  // The raw bytes a read left unparsed (a partial head or chunk-size line).
  std::string in_;
  bool headers_done_ = false;
  int status_ = 0;
  bool chunked_ = false;
  int64_t content_length_ = -1;
  enum class Chunk { kSize, kData, kDataEnd } chunk_ = Chunk::kSize;
  uint64_t chunk_left_ = 0;
  bool complete_ = false;
  // The decoded body from body_pos_ (streams consume it event by event).
  std::string body_;
  size_t body_pos_ = 0;
  std::string data_scratch_;  // data of an event with several data lines
};

}  // namespace sitrep::bench

#endif  // SITREP_BENCH_HTTP_RESPONSE_READER_H_
