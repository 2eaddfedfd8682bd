#include "server/http/json_body.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "server/query/situation_encoding.h"

namespace sitrep {

std::string ToJson(const google::protobuf::Message& message) {
  // Our own messages always print; a failure would be a bug, not input.
  return ToJsonLine(message);
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorJson(const absl::Status& status) {
  // Values print as JSON strings, escaped; the fields keep their documented
  // order.
  google::protobuf::Value name;
  name.set_string_value(absl::StatusCodeToString(status.code()));
  google::protobuf::Value message;
  message.set_string_value(std::string(status.message()));
  return absl::StrCat("{\"code\":", static_cast<int>(status.code()),
                      ",\"status\":", ToJson(name),
                      ",\"message\":", ToJson(message), "}");
}

}  // namespace sitrep
