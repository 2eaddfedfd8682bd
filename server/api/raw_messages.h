#ifndef SITREP_SERVER_API_RAW_MESSAGES_H_
#define SITREP_SERVER_API_RAW_MESSAGES_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace sitrep {

// Every SituationFeed method is a raw (ByteBuffer) method, so that requests
// go through the parse step at the edge (server/wire/request_parse.h) and
// not through gRPC's deserialisation, which answers bytes protobuf refuses
// with UNIMPLEMENTED and an empty message, and keeps unknown fields.

// Parses a request: INVALID_ARGUMENT naming the field when it does not
// parse; unknown fields dropped.
absl::Status ParseRawRequest(const grpc::ByteBuffer& bytes,
                             google::protobuf::Message* request);

// The request's bytes in one piece (a copy when gRPC holds several slices).
// False when gRPC could not hand them out.
bool CopyBytes(const grpc::ByteBuffer& buffer, std::string* bytes);

// Hands a string's bytes to gRPC without a copy; gRPC frees it.
grpc::ByteBuffer ToByteBuffer(std::string bytes);

// A response message's encoding.
grpc::ByteBuffer SerializeToByteBuffer(const google::protobuf::Message& message);

}  // namespace sitrep

#endif  // SITREP_SERVER_API_RAW_MESSAGES_H_
