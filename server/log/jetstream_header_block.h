#ifndef SITREP_SERVER_LOG_JETSTREAM_HEADER_BLOCK_H_
#define SITREP_SERVER_LOG_JETSTREAM_HEADER_BLOCK_H_

// A NATS message whose headers are written once as the block NATS sends on
// the wire, instead of through libnats' header map. Internal to server/log.
//
// Why: natsMsgHeader_Set keeps the headers in a hash map of its own, with a
// copy of every key and value, which natsConn_publish encodes into this
// very block for each publish and libnats' garbage collector thread frees
// key by key. For the writer's three or four headers per publish that was
// ~12,000 instructions of sitrepd's ~59,000 per ingested update
// (callgrind, docs/performance.md, h20-ingest3). libnats sends a message
// built from a header block as it is (the path it takes for a received
// message published again without its headers read), and reads it back
// through natsMsgHeader_Get when asked.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/log/jetstream_nats.h"

namespace sitrep {
namespace jetstream {

// Builds one message at a time: Start, Add each header, then MakeMessage.
// Keeps its buffer between messages. Thread-compatible.
class NatsHeaderBlock {
 public:
  // Starts a new block ("NATS/1.0\r\n").
  void Start();
  // REQUIRES: `key` is a header name (no ':', no space, not empty) and
  // `value` has no CR or LF (the values sitrep sends are digits, hex,
  // base64 and '.'): NATS reads a header line up to its CRLF.
  void Add(absl::string_view key, const absl::AlphaNum& value);
  // A message on `subject` (NUL-terminated) with the headers added since
  // Start and `body`. UNAVAILABLE when libnats cannot make it (no memory).
  absl::StatusOr<MsgPtr> MakeMessage(const char* subject,
                                     absl::string_view body);

 private:
  std::string buffer_;
};

}  // namespace jetstream
}  // namespace sitrep

#endif  // SITREP_SERVER_LOG_JETSTREAM_HEADER_BLOCK_H_
