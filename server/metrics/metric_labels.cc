#include "server/metrics/metric_labels.h"

#include <iterator>

#include "absl/strings/strip.h"

namespace sitrep {

absl::string_view MissionLabel(int mission) {
  switch (mission) {
    case 1:
      return "kfor";
    case 2:
      return "eulex";
    case 3:
      return "kosovo_police";
    default:
      return "unknown";
  }
}

absl::string_view RoleLabel(int role) {
  switch (role) {
    case 1:
      return "first_responder";
    case 2:
      return "second_responder";
    case 3:
      return "third_responder";
    case 4:
      return "support";
    case 5:
      return "liaison";
    default:
      return "unknown";
  }
}

absl::string_view SeverityLabel(int severity) {
  switch (severity) {
    case 2:
      return "minor";
    case 3:
      return "moderate";
    case 4:
      return "severe";
    case 5:
      return "extreme";
    default:  // SEVERITY_UNKNOWN, UNSPECIFIED and values of newer clients.
      return "unknown";
  }
}

absl::string_view PublishOutcomeLabel(PublishOutcome outcome) {
  switch (outcome) {
    case PublishOutcome::kStored:
      return "stored";
    case PublishOutcome::kDuplicate:
      return "duplicate";
    case PublishOutcome::kRejected:
      return "rejected";
  }
  return "rejected";
}

absl::string_view RejectReasonLabel(RejectReason reason) {
  switch (reason) {
    case RejectReason::kUnauthenticated:
      return "unauthenticated";
    case RejectReason::kPermissionDenied:
      return "permission_denied";
    case RejectReason::kInvalidArgument:
      return "invalid_argument";
    case RejectReason::kRateLimited:
      return "rate_limited";
    case RejectReason::kStreamQuota:
      return "stream_quota";
    case RejectReason::kMessageTooLarge:
      return "message_too_large";
    case RejectReason::kOther:
      return "other";
  }
  return "other";
}

absl::string_view RpcMethodLabel(RpcMethod method) {
  switch (method) {
    case RpcMethod::kPublish:
      return "Publish";
    case RpcMethod::kPublishStream:
      return "PublishStream";
    case RpcMethod::kSubscribe:
      return "Subscribe";
    case RpcMethod::kListUpdates:
      return "ListUpdates";
    case RpcMethod::kGetSituation:
      return "GetSituation";
    case RpcMethod::kGetIncident:
      return "GetIncident";
  }
  return "Publish";
}

absl::string_view MissionsFollowedLabel(MissionsFollowed missions) {
  switch (missions) {
    case MissionsFollowed::kAll:
      return "all";
    case MissionsFollowed::kKfor:
      return "kfor";
    case MissionsFollowed::kEulex:
      return "eulex";
    case MissionsFollowed::kKosovoPolice:
      return "kosovo_police";
    case MissionsFollowed::kSeveral:
      return "several";
  }
  return "several";
}

absl::string_view GrpcCodeLabel(int code) {
  static constexpr absl::string_view kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code < 0 || code >= static_cast<int>(std::size(kNames))) {
    return "UNKNOWN";
  }
  return kNames[code];
}

std::optional<RpcMethod> RpcMethodOfPath(absl::string_view path) {
  constexpr absl::string_view kPrefix = "/sitrep.v1.SituationFeed/";
  if (!absl::ConsumePrefix(&path, kPrefix)) return std::nullopt;
  for (RpcMethod method :
       {RpcMethod::kPublish, RpcMethod::kPublishStream, RpcMethod::kSubscribe,
        RpcMethod::kListUpdates, RpcMethod::kGetSituation,
        RpcMethod::kGetIncident}) {
    if (path == RpcMethodLabel(method)) return method;
  }
  return std::nullopt;
}

MissionsFollowed MissionsFollowedOfMask(uint32_t mission_mask) {
  const bool kfor = (mission_mask >> 1) & 1u;
  const bool eulex = (mission_mask >> 2) & 1u;
  const bool kosovo_police = (mission_mask >> 3) & 1u;
  const int count = kfor + eulex + kosovo_police;
  if (count == 3) return MissionsFollowed::kAll;
  if (count == 1) {
    return kfor    ? MissionsFollowed::kKfor
           : eulex ? MissionsFollowed::kEulex
                   : MissionsFollowed::kKosovoPolice;
  }
  return MissionsFollowed::kSeveral;
}

std::optional<RejectReason> RejectReasonOf(absl::StatusCode code,
                                           RejectReason when_exhausted) {
  switch (code) {
    case absl::StatusCode::kUnauthenticated:
      return RejectReason::kUnauthenticated;
    case absl::StatusCode::kPermissionDenied:
      return RejectReason::kPermissionDenied;
    case absl::StatusCode::kInvalidArgument:
      return RejectReason::kInvalidArgument;
    case absl::StatusCode::kResourceExhausted:
      return when_exhausted;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return RejectReason::kOther;
    default:
      return std::nullopt;
  }
}

}  // namespace sitrep
