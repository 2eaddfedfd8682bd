#ifndef SITREP_TESTS_SECURITY_H2_CLIENT_H_
#define SITREP_TESTS_SECURITY_H2_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct nghttp2_session;

namespace sitrep::testing {

// One plaintext HTTP/2 connection to a gRPC server on 127.0.0.1 for attack
// tests (nghttp2, Debian's libnghttp2-dev): gRPC calls opened and reset
// through nghttp2, and raw frames written past it for what nghttp2 refuses
// to send (DATA beyond the peer's flow-control window). What the server
// answers is read through nghttp2, which records its RST_STREAM and GOAWAY
// error codes.
//
// Not thread-safe; every call is bounded by the deadline it takes.
class H2Client {
 public:
  H2Client() = default;
  ~H2Client();
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  // Connects and queues the client preface (sent by the next Send).
  absl::Status Open(int port);

  // Queues a gRPC call's HEADERS (POST `path`, no END_STREAM) whose body
  // nghttp2 never sends. Returns the stream id; negative when no new stream
  // may be opened (GOAWAY received).
  int32_t SubmitCall(const std::string& path);
  // Queues RST_STREAM(CANCEL) for `stream_id`.
  void SubmitReset(int32_t stream_id);
  // Serialises what was queued, to be written by the next Send (so that
  // several steps go out in one write). False on a session error.
  bool Serialise();
  // Serialises what was queued and writes it all out. False when the
  // server closed the connection or `deadline` passed.
  bool Send(absl::Time deadline);
  // Writes one DATA frame of `payload` (at most 16 KiB) on `stream_id`,
  // whatever the window. False as Send.
  bool SendRawData(int32_t stream_id, absl::string_view payload,
                   absl::Time deadline);
  // Reads what the server sent so far; false once it closed.
  bool Drain();

  // The error code of the server's RST_STREAM for `stream_id`, if any.
  std::optional<uint32_t> reset_error(int32_t stream_id) const;
  // The error code of the server's GOAWAY, if any.
  std::optional<uint32_t> goaway_error() const { return goaway_error_; }

 private:
  bool Flush(absl::Time deadline);

  int fd_ = -1;
  nghttp2_session* session_ = nullptr;
  std::string authority_;
  std::string out_;
  absl::flat_hash_map<int32_t, uint32_t> resets_;
  std::optional<uint32_t> goaway_error_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SECURITY_H2_CLIENT_H_
