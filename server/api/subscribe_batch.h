#ifndef SITREP_SERVER_API_SUBSCRIBE_BATCH_H_
#define SITREP_SERVER_API_SUBSCRIBE_BATCH_H_

#include <cstdint>
#include <string>

#include "grpcpp/support/slice.h"
#include "server/fanout/subscriber_cursor.h"

namespace sitrep {

// The SubscribeResponse of a batch of updates, written straight into one
// gRPC slice: each entry's stored encoding behind its tag and length
// (entry_encodings.h), the left_view marks, and the cursor, hand-encoded as
// protobuf would (proto3: an empty log_id or a zero sequence is left out),
// so the bytes are SerializeAsString's of the same message.
//
// Why not a SubscribeResponse for the cursor and a string handed over
// (ToByteBuffer): a live stream at a low rate writes one update per batch,
// and the message, its Cursor, the log id's copy, the serialised string,
// the batch string, its holder and the slice's refcount were seven
// allocations per delivery, more work than the batch's bytes (issue 24).
// Now it is one (the slice).
//
// Thread safety: immutable after construction; Encode from any thread.
class SubscribeBatchEncoder {
 public:
  explicit SubscribeBatchEncoder(const std::string& log_id);

  // `message` must be of type kUpdates. The slice goes to the stream's
  // EncodedMessage (encoded_message.h).
  grpc::Slice Encode(const CursorMessage& message) const;

  const std::string& log_id() const { return log_id_; }

 private:
  // Bytes of Cursor's body for `sequence`.
  size_t CursorBodySize(uint64_t sequence) const;

  const std::string log_id_;
  // Cursor.log_id as a field (tag, length, bytes); empty for an empty id.
  const std::string log_id_field_;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_API_SUBSCRIBE_BATCH_H_
