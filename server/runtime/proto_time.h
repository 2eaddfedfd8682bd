#ifndef SITREP_SERVER_RUNTIME_PROTO_TIME_H_
#define SITREP_SERVER_RUNTIME_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace sitrep {

// google.protobuf.Timestamp/Duration <-> absl (protobuf 3.21 has no
// IsTimestampValid).

inline bool IsValidTimestamp(const google::protobuf::Timestamp& t) {
  using google::protobuf::util::TimeUtil;
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 &&
         t.nanos() <= 999999999;
}

inline bool IsValidDuration(const google::protobuf::Duration& d) {
  using google::protobuf::util::TimeUtil;
  if (d.seconds() < TimeUtil::kDurationMinSeconds ||
      d.seconds() > TimeUtil::kDurationMaxSeconds) {
    return false;
  }
  if (d.nanos() < -999999999 || d.nanos() > 999999999) return false;
  return !(d.seconds() > 0 && d.nanos() < 0) &&
         !(d.seconds() < 0 && d.nanos() > 0);
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

inline google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  google::protobuf::Timestamp t;
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  t.set_seconds(seconds);
  t.set_nanos(static_cast<int32_t>(rest));
  return t;
}

inline absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// A finite, non-negative duration (seconds and nanos then share the sign).
inline google::protobuf::Duration ToProtoDuration(absl::Duration duration) {
  google::protobuf::Duration d;
  const int64_t seconds =
      absl::IDivDuration(duration, absl::Seconds(1), &duration);
  d.set_seconds(seconds);
  d.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration)));
  return d;
}

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_PROTO_TIME_H_
