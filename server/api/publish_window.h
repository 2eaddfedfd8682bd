#ifndef SITREP_SERVER_API_PUBLISH_WINDOW_H_
#define SITREP_SERVER_API_PUBLISH_WINDOW_H_

#include <cstddef>

namespace sitrep {

// How much one PublishStream may have read and not yet answered: at most
// `max_requests` requests and `max_bytes` bytes of messages. The next
// message is read only while both are below their limit, so a stream holds
// at most one message past either (a message is read before its size is
// known).
//
// The request count lets group commit see many requests at once (a store
// with a long commit latency, such as JetStream, needs thousands in flight
// per stream to keep its pipeline full); the byte bound keeps a stream of
// large requests (a valid update is up to ~20 KB: 4,096 of them ~80 MiB)
// to a few MiB whatever the count.
//
//   PublishWindow window(4096, 4 << 20);
//   if (window.MayRead()) StartRead(...);
//   window.Add(requests, bytes);     // when a message was read
//   window.Remove(requests, bytes);  // when its acks were taken
//
// Not thread-safe: the reactor guards it with its mutex.
class PublishWindow {
 public:
  PublishWindow(size_t max_requests, size_t max_bytes)
      : max_requests_(max_requests < 1 ? 1 : max_requests),
        max_bytes_(max_bytes < 1 ? 1 : max_bytes) {}

  bool MayRead() const {
    return requests_ < max_requests_ && bytes_ < max_bytes_;
  }
  void Add(size_t requests, size_t bytes) {
    requests_ += requests;
    bytes_ += bytes;
  }
  void Remove(size_t requests, size_t bytes) {
    requests_ -= requests < requests_ ? requests : requests_;
    bytes_ -= bytes < bytes_ ? bytes : bytes_;
  }
  size_t requests() const { return requests_; }
  size_t bytes() const { return bytes_; }

 private:
  const size_t max_requests_;
  const size_t max_bytes_;
  size_t requests_ = 0;
  size_t bytes_ = 0;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_API_PUBLISH_WINDOW_H_
