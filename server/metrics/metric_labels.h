#ifndef SITREP_SERVER_METRICS_METRIC_LABELS_H_
#define SITREP_SERVER_METRICS_METRIC_LABELS_H_

// The label values of sitrepd's metrics. Alert rules and dashboards are
// written against these strings, so they never change and every label has
// a small, fixed set of values: never a principal, an incident id or a peer.

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// sitrep_updates_published_total{result}.
enum class PublishOutcome { kStored, kDuplicate, kRejected };

// sitrep_requests_rejected_total{reason}: why sitrep refused a request or a
// call because of the request or its caller (never a server-side failure).
enum class RejectReason {
  kUnauthenticated,
  kPermissionDenied,
  kInvalidArgument,
  kRateLimited,
  kStreamQuota,
  // Not observable with gRPC 1.51 (see call_metrics_interceptor.h): 0.
  kMessageTooLarge,
  kOther,
};
inline constexpr int kRejectReasonCount = 7;

// sitrep_grpc_server_handled_total{method}.
enum class RpcMethod {
  kPublish,
  kPublishStream,
  kSubscribe,
  kListUpdates,
  kGetSituation,
  kGetIncident,
};
inline constexpr int kRpcMethodCount = 6;

// sitrep_subscribers{missions}: which missions a Subscribe stream follows.
enum class MissionsFollowed { kAll, kKfor, kEulex, kKosovoPolice, kSeveral };
inline constexpr int kMissionsFollowedCount = 5;

// Lowercase enum names without their prefix ("kfor", "kosovo_police",
// "first_responder", "minor"); "unknown" for UNSPECIFIED and for values
// this build does not know (a newer client's), so the set stays bounded.
absl::string_view MissionLabel(int mission);
absl::string_view RoleLabel(int role);
absl::string_view SeverityLabel(int severity);

absl::string_view PublishOutcomeLabel(PublishOutcome outcome);
absl::string_view RejectReasonLabel(RejectReason reason);
absl::string_view RpcMethodLabel(RpcMethod method);
absl::string_view MissionsFollowedLabel(MissionsFollowed missions);
// gRPC's code names ("OK", "INVALID_ARGUMENT"); "UNKNOWN" outside 0..16.
absl::string_view GrpcCodeLabel(int code);

// The method of a full gRPC method name ("/sitrep.v1.SituationFeed/Publish");
// nullopt for other services (health, reflection).
std::optional<RpcMethod> RpcMethodOfPath(absl::string_view path);

// From a mission mask (bit 1 << Mission; all bits: no restriction): all
// three missions -> kAll, one -> that mission, otherwise kSeveral.
MissionsFollowed MissionsFollowedOfMask(uint32_t mission_mask);

// Why a request refused with `code` counts as rejected: UNAUTHENTICATED,
// PERMISSION_DENIED and INVALID_ARGUMENT by name; ALREADY_EXISTS,
// FAILED_PRECONDITION and OUT_OF_RANGE (the request conflicts with the
// store's state) as kOther; RESOURCE_EXHAUSTED as `when_exhausted` (only the
// caller knows which limit it was). nullopt for OK and for the codes of
// server-side failures (UNAVAILABLE, INTERNAL, ...) and of calls the client
// ended (CANCELLED, DEADLINE_EXCEEDED): those are not the request's fault.
std::optional<RejectReason> RejectReasonOf(absl::StatusCode code,
                                           RejectReason when_exhausted);

}  // namespace sitrep

#endif  // SITREP_SERVER_METRICS_METRIC_LABELS_H_
