#include "server/api/grpc_status.h"

#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace sitrep {
namespace {

using google::protobuf::internal::WireFormatLite;

// Debian 12 ships no compiled googleapis protos, so the two small messages
// of the error model are encoded by hand, field for field:
//   google.rpc.Status     { int32 code = 1; string message = 2;
//                           repeated google.protobuf.Any details = 3; }
//   google.protobuf.Any   { string type_url = 1; bytes value = 2; }
//   google.rpc.BadRequest { repeated FieldViolation field_violations = 1; }
//   FieldViolation        { string field = 1; string description = 2; }
std::string EncodeFieldViolation(absl::string_view field,
                                 absl::string_view description) {
  std::string out;
  google::protobuf::io::StringOutputStream raw(&out);
  google::protobuf::io::CodedOutputStream coded(&raw);
  WireFormatLite::WriteString(1, std::string(field), &coded);
  WireFormatLite::WriteString(2, std::string(description), &coded);
  coded.Trim();
  return out;
}

std::string EncodeStatusWithBadRequest(int code, absl::string_view message,
                                       absl::string_view field,
                                       absl::string_view description) {
  std::string violation = EncodeFieldViolation(field, description);
  std::string bad_request;
  {
    google::protobuf::io::StringOutputStream raw(&bad_request);
    google::protobuf::io::CodedOutputStream coded(&raw);
    WireFormatLite::WriteBytes(1, violation, &coded);
  }
  std::string any;
  {
    google::protobuf::io::StringOutputStream raw(&any);
    google::protobuf::io::CodedOutputStream coded(&raw);
    WireFormatLite::WriteString(
        1, "type.googleapis.com/google.rpc.BadRequest", &coded);
    WireFormatLite::WriteBytes(2, bad_request, &coded);
  }
  std::string status;
  {
    google::protobuf::io::StringOutputStream raw(&status);
    google::protobuf::io::CodedOutputStream coded(&raw);
    WireFormatLite::WriteInt32(1, code, &coded);
    WireFormatLite::WriteString(2, std::string(message), &coded);
    WireFormatLite::WriteBytes(3, any, &coded);
  }
  return status;
}

}  // namespace

std::string FieldOfMessage(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  absl::string_view field = message.substr(0, colon);
  for (char c : field) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                    c == '[' || c == ']' || c == '"' || c == '-' || c == '/';
    if (!ok) return "";
  }
  return std::string(field);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    const std::string field = FieldOfMessage(message);
    if (!field.empty()) {
      const absl::string_view description =
          absl::string_view(message).substr(field.size() + 2);
      return grpc::Status(code, message,
                          EncodeStatusWithBadRequest(static_cast<int>(code),
                                                     message, field,
                                                     description));
    }
  }
  return grpc::Status(code, message);
}

v1::ErrorStatus ToErrorStatus(const absl::Status& status) {
  v1::ErrorStatus error;
  error.set_code(static_cast<int>(status.code()));
  error.set_message(std::string(status.message()));
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    error.set_field(FieldOfMessage(status.message()));
  }
  return error;
}

}  // namespace sitrep
