// What `sitrep report` asks the server for: the situation as of the
// window's start and end, and every update between their sequences.
#ifndef SITREP_CLIENT_SHIFT_COLLECTOR_H_
#define SITREP_CLIENT_SHIFT_COLLECTOR_H_

#include <optional>

#include "absl/time/time.h"
#include "client/feed_client.h"
#include "client/handover_report.h"
#include "grpcpp/grpcpp.h"
#include "sitrep/v1/filter.pb.h"

namespace sitrep::cli {

// Fills `*shift` (from, to, start, end, updates) for the window [from, to]
// (`to` unset: up to the live situation now) and `filter`. The first failed
// call's status otherwise; `*what` (if non-null) then names that call.
grpc::Status CollectShift(FeedClient& client, const sitrep::v1::Filter& filter,
                          absl::Time from, std::optional<absl::Time> to,
                          ShiftData* shift, std::string* what = nullptr);

}  // namespace sitrep::cli

#endif  // SITREP_CLIENT_SHIFT_COLLECTOR_H_
