#include "server/api/grpc_status.h"

#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/runtime/proto_time.h"
#include "server/runtime/retry_delay.h"

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
// (google.rpc.RetryInfo comes already encoded in the status's payload, see
// server/runtime/retry_delay.h.)
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

std::string EncodeBadRequest(absl::string_view field,
                             absl::string_view description) {
  std::string bad_request;
  google::protobuf::io::StringOutputStream raw(&bad_request);
  google::protobuf::io::CodedOutputStream coded(&raw);
  WireFormatLite::WriteBytes(1, EncodeFieldViolation(field, description),
                             &coded);
  coded.Trim();
  return bad_request;
}

struct Detail {
  std::string type_url;
  std::string value;
};

std::string EncodeStatus(int code, absl::string_view message,
                         const std::vector<Detail>& details) {
  std::string status;
  google::protobuf::io::StringOutputStream raw(&status);
  google::protobuf::io::CodedOutputStream coded(&raw);
  WireFormatLite::WriteInt32(1, code, &coded);
  WireFormatLite::WriteString(2, std::string(message), &coded);
  for (const Detail& detail : details) {
    std::string any;
    {
      google::protobuf::io::StringOutputStream any_raw(&any);
      google::protobuf::io::CodedOutputStream any_coded(&any_raw);
      WireFormatLite::WriteString(1, detail.type_url, &any_coded);
      WireFormatLite::WriteBytes(2, detail.value, &any_coded);
    }
    WireFormatLite::WriteBytes(3, any, &coded);
  }
  coded.Trim();
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
  std::vector<Detail> details;
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    const std::string field = FieldOfMessage(message);
    if (!field.empty()) {
      const absl::string_view description =
          absl::string_view(message).substr(field.size() + 2);
      details.push_back({"type.googleapis.com/google.rpc.BadRequest",
                         EncodeBadRequest(field, description)});
    }
  }
  if (absl::optional<absl::Cord> retry = status.GetPayload(kRetryInfoTypeUrl)) {
    details.push_back({kRetryInfoTypeUrl, std::string(*retry)});
  }
  if (details.empty()) return grpc::Status(code, message);
  return grpc::Status(code, message,
                      EncodeStatus(static_cast<int>(code), message, details));
}

v1::ErrorStatus ToErrorStatus(const absl::Status& status) {
  v1::ErrorStatus error;
  error.set_code(static_cast<int>(status.code()));
  error.set_message(std::string(status.message()));
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    error.set_field(FieldOfMessage(status.message()));
  }
  if (std::optional<absl::Duration> delay = RetryDelayOf(status)) {
    *error.mutable_retry_delay() = ToProtoDuration(*delay);
  }
  return error;
}

}  // namespace sitrep
