#include "server/api/raw_messages.h"

#include <utility>
#include <vector>

#include "server/wire/request_parse.h"

namespace sitrep {

bool CopyBytes(const grpc::ByteBuffer& buffer, std::string* bytes) {
  bytes->clear();
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  size_t size = 0;
  for (const grpc::Slice& slice : slices) size += slice.size();
  bytes->reserve(size);
  for (const grpc::Slice& slice : slices) {
    bytes->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return true;
}

absl::Status ParseRawRequest(const grpc::ByteBuffer& buffer,
                             google::protobuf::Message* request) {
  std::string bytes;
  if (!CopyBytes(buffer, &bytes)) {
    return absl::InternalError("could not read the request's bytes");
  }
  return ParseRequest(bytes, request);
}

grpc::ByteBuffer ToByteBuffer(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(
      owned->data(), owned->size(),
      [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::ByteBuffer SerializeToByteBuffer(
    const google::protobuf::Message& message) {
  return ToByteBuffer(message.SerializeAsString());
}

}  // namespace sitrep
