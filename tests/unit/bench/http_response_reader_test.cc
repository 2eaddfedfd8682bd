#include "bench/http_response_reader.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sitrep::bench {
namespace {

// What a stream's events read as, one string per event.
struct Read {
  bool ok = true;
  std::vector<std::string> events;
};

// Feeds `response` in pieces of `piece` bytes (the last one shorter), as
// reads that split it anywhere would.
Read Feed(HttpResponseReader* reader, const std::string& response,
          size_t piece, bool stream = true) {
  Read read;
  for (size_t at = 0; at < response.size() && read.ok; at += piece) {
    read.ok = reader->Parse(
        absl::string_view(response).substr(at, piece), stream,
        [&](const HttpResponseReader::Event& e) {
          read.events.push_back(absl::StrCat(e.type, "|", e.id, "|", e.data));
        });
  }
  return read;
}

// The gateway's framing: chunked, one chunk per write, each holding events.
std::string Chunk(const std::string& bytes) {
  char size[32];
  snprintf(size, sizeof(size), "%zx\r\n", bytes.size());
  return absl::StrCat(size, bytes, "\r\n");
}

const char kHead[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

TEST(HttpResponseReaderTest, EventsAreTheSameWhereverTheReadsSplit) {
  const std::string response = absl::StrCat(
      kHead, Chunk("retry: 2000\n\nevent: hello\ndata: {\"a\":1}\n\n"),
      Chunk("event: update\nid: 7\ndata: {\"mission\":\"MISSION_KFOR\"}\n\n"
            "event: update\nid: 8\n"),
      Chunk("data: {\"b\":\"1:2\"}\n\n: a comment\n\n"),
      Chunk("data: first\ndata: second\n\n"));
  const std::vector<std::string> want = {
      "hello||{\"a\":1}", "update|7|{\"mission\":\"MISSION_KFOR\"}",
      "update|8|{\"b\":\"1:2\"}", "message||first\nsecond"};
  for (size_t piece = 1; piece <= response.size(); ++piece) {
    HttpResponseReader reader;
    const Read read = Feed(&reader, response, piece);
    ASSERT_TRUE(read.ok) << "piece " << piece;
    EXPECT_EQ(read.events, want) << "piece " << piece;
    EXPECT_EQ(reader.status(), 200);
    EXPECT_FALSE(reader.complete());
    EXPECT_TRUE(reader.body().empty()) << "piece " << piece;
  }
}

TEST(HttpResponseReaderTest, TheLastChunkCompletesAStream) {
  HttpResponseReader reader;
  const Read read = Feed(
      &reader, absl::StrCat(kHead, Chunk("event: gap\ndata: {}\n\n"), "0\r\n\r\n"),
      5);
  ASSERT_TRUE(read.ok);
  EXPECT_EQ(read.events, std::vector<std::string>{"gap||{}"});
  EXPECT_TRUE(reader.complete());
}

TEST(HttpResponseReaderTest, ABodyByContentLengthIsKeptWhole) {
  const std::string response =
      "HTTP/1.1 404 Not Found\r\nContent-Length: 11\r\n\r\n{\"e\":\"no\"}\n";
  for (size_t piece : {1u, 7u, 100u}) {
    HttpResponseReader reader;
    const Read read = Feed(&reader, response, piece, /*stream=*/false);
    ASSERT_TRUE(read.ok);
    EXPECT_TRUE(read.events.empty());
    EXPECT_EQ(reader.status(), 404);
    EXPECT_TRUE(reader.complete());
    EXPECT_EQ(reader.body(), "{\"e\":\"no\"}\n");
    reader.Reset();
    EXPECT_FALSE(reader.headers_done());
    EXPECT_TRUE(reader.body().empty());
  }
}

TEST(HttpResponseReaderTest, MalformedResponsesAreRefused) {
  HttpResponseReader bad_status;
  EXPECT_FALSE(Feed(&bad_status, "HTTP/1.1 2x0 OK\r\n\r\n", 64).ok);
  HttpResponseReader bad_chunk;
  EXPECT_FALSE(Feed(&bad_chunk, absl::StrCat(kHead, "zz\r\nabc\r\n"), 64).ok);
  HttpResponseReader endless_head;
  EXPECT_FALSE(
      Feed(&endless_head, std::string(70 * 1024, 'x'), 16 * 1024).ok);
}

}  // namespace
}  // namespace sitrep::bench
