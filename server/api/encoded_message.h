#ifndef SITREP_SERVER_API_ENCODED_MESSAGE_H_
#define SITREP_SERVER_API_ENCODED_MESSAGE_H_

#include <utility>

#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/slice.h"
#include "grpcpp/support/status.h"

namespace sitrep {

// A response already encoded, written by a callback stream without the
// copy gRPC makes of a grpc::ByteBuffer message.
//
// Why: a ServerWriteReactor<grpc::ByteBuffer> hands gRPC a pointer to the
// buffer, and SerializationTraits<ByteBuffer>::Serialize copies it
// (grpc_byte_buffer_copy: a second grpc_byte_buffer, its slices
// referenced again), then destroys both, each destroy opening an ExecCtx:
// ~1.8k of the ~2.5k instructions per write the ByteBuffer costs, which at
// a low rate is once per delivery (issue 24, docs/performance.md). This
// type's traits move the buffer into gRPC's send op instead.
//
// Single use: the write takes the bytes (Serialize empties the message);
// Set the next message after OnWriteDone, as with any reactor write.
//
// Thread safety: none; touched by the thread that starts the write (and by
// gRPC's serialisation of that write, before OnWriteDone).
class EncodedMessage {
 public:
  EncodedMessage() = default;
  // One slice (referenced, not copied).
  void Set(const grpc::Slice& slice) { Set(grpc::ByteBuffer(&slice, 1)); }
  // Several slices (each referenced, not copied).
  void Set(const grpc::Slice* slices, size_t count) {
    Set(grpc::ByteBuffer(slices, count));
  }
  // By swapping: grpc::ByteBuffer has no move assignment, and its copy
  // assignment is the grpc_byte_buffer_copy this type exists to avoid.
  void Set(grpc::ByteBuffer buffer) { buffer_.Swap(&buffer); }

  // For SerializationTraits below: moves the bytes into `out`.
  void MoveTo(grpc::ByteBuffer* out) const { out->Swap(&buffer_); }

 private:
  // Mutable: gRPC serialises a `const M&`; the move is the point.
  mutable grpc::ByteBuffer buffer_;
};

}  // namespace sitrep

namespace grpc {

template <>
class SerializationTraits<sitrep::EncodedMessage, void> {
 public:
  static Status Serialize(const sitrep::EncodedMessage& message,
                          ByteBuffer* buffer, bool* own_buffer) {
    message.MoveTo(buffer);
    *own_buffer = true;
    return Status::OK;
  }
  // Responses only.
  static Status Deserialize(ByteBuffer* /*buffer*/,
                            sitrep::EncodedMessage* /*message*/) {
    return Status(StatusCode::INTERNAL, "EncodedMessage is write-only");
  }
};

}  // namespace grpc

#endif  // SITREP_SERVER_API_ENCODED_MESSAGE_H_
