#include "server/runtime/retry_delay.h"

#include <string>

#include "google/protobuf/duration.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/runtime/proto_time.h"

namespace sitrep {

using google::protobuf::internal::WireFormatLite;

// google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; } by
// hand: Debian 12 ships no compiled googleapis protos.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  const google::protobuf::Duration duration = ToProtoDuration(delay);
  std::string info;
  {
    google::protobuf::io::StringOutputStream raw(&info);
    google::protobuf::io::CodedOutputStream coded(&raw);
    WireFormatLite::WriteBytes(1, duration.SerializeAsString(), &coded);
  }
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(info));
  return status;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string bytes(*payload);
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  google::protobuf::Duration duration;
  if (in.ReadTag() != WireFormatLite::MakeTag(
                          1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED) ||
      !WireFormatLite::ReadMessage(&in, &duration)) {
    return std::nullopt;
  }
  return FromProtoDuration(duration);
}

}  // namespace sitrep
