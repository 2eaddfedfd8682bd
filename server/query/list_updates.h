#ifndef SITREP_SERVER_QUERY_LIST_UPDATES_H_
#define SITREP_SERVER_QUERY_LIST_UPDATES_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "server/filter/filter_matcher.h"
#include "server/log/event_log.h"
#include "sitrep/v1/situation_feed.pb.h"

namespace sitrep {

struct ListLimits {
  int default_page_size = 100;
  int max_page_size = 1000;
  // Rows scanned per page at most: a narrow filter over a long range
  // returns a short (even empty) page with a next_page_token rather than
  // scanning the whole store in one call.
  size_t max_scan = 20000;
  // Encoded bytes per page at most (M-6): a page of large updates ends
  // early with a next_page_token (it always holds at least one update), so
  // one call cannot make the server build and send hundreds of MB.
  size_t max_page_bytes = 4 << 20;
};

// One page of ListUpdates: the retained updates in the request's sequence
// and time ranges that match its filter, in sequence order (or reversed).
// Only updates of `readable_missions` (the caller's read rights) are
// returned, whatever the filter says.
// Errors: INVALID_ARGUMENT naming the field (filter, ranges, page_size,
// page_token); UNAVAILABLE when the store cannot be read.
// Thread safety: as safe as `log`'s reads (i.e. fully).
absl::StatusOr<v1::ListUpdatesResponse> ListUpdates(
    const EventLog& log, const v1::ListUpdatesRequest& request,
    const FilterLimits& filter_limits, const ListLimits& limits = {},
    MissionSet readable_missions = MissionSet::All());

}  // namespace sitrep

#endif  // SITREP_SERVER_QUERY_LIST_UPDATES_H_
