// The ceiling server's browser fan-out (issue 24): the strongest bare
// Server-Sent Events writer this machine runs, so that sitrepd's SSE path is
// measured against what one loopback write per event per connection costs
// whatever the server, not only against NATS core (whose subscribers share
// 8 connections: docs/performance.md, h24-sse).
//
// GET /v1/stream?filter.missions=<1|2|3> over HTTP/1.1: sitrepd's headers,
// a chunked text/event-stream with its hello, caught_up and update frames.
// Nothing stored, validated or authorised, no heartbeats. Each update is
// printed as JSON once (protobuf's printer, as sitrepd prints it), by the
// first loop that sends it, into one frame. The connections are spread over `threads` epoll loops; a loop
// writes each of its connections everything of its mission that arrived
// since its last round in one send() (so a write carries more events as the
// rate grows, as sitrepd's do); a connection whose socket is full keeps the
// rest and waits for EPOLLOUT.
//
//   std::string error;
//   auto hub = SseHub::Listen("127.0.0.1:0", /*threads=*/2, &error);
//   int port = hub->port();
//   hub->Publish(&update);  // stamps, sequences and fans out
//
// Thread safety: Publish from any thread (publish_mu_ orders publishes, so
// every loop sees them in sequence order). Each loop owns its connections:
// only its thread touches them. A loop's queues are guarded by its mu.
#ifndef SITREP_BENCH_SSE_HUB_H_
#define SITREP_BENCH_SSE_HUB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep::bench::ceiling {

class SseHub {
 public:
  // Listens on `address` (host:port, port 0: any) with `threads` loops;
  // null with *error set when it cannot.
  static std::unique_ptr<SseHub> Listen(const std::string& address,
                                        int threads, std::string* error);
  // Stops and joins the loops, closes every connection.
  ~SseHub();
  SseHub(const SseHub&) = delete;
  SseHub& operator=(const SseHub&) = delete;

  int port() const { return port_; }

  // Assigns the next sequence, stamps the update as sitrepd does
  // (StampAsSitrepd) and queues its frame on every loop. Returns the
  // sequence.
  uint64_t Publish(v1::SituationUpdate* update);

  struct Loop;  // bench/sse_hub.cc

 private:
  SseHub(int listen_fd, int port);

  const int listen_fd_;
  const int port_;
  std::vector<std::unique_ptr<Loop>> loops_;  // fixed after Listen
  absl::Mutex publish_mu_;
  uint64_t head_ ABSL_GUARDED_BY(publish_mu_) = 0;
};

}  // namespace sitrep::bench::ceiling

#endif  // SITREP_BENCH_SSE_HUB_H_
