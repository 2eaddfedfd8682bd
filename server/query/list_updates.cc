#include "server/query/list_updates.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "server/fanout/entry_encodings.h"
#include "server/query/page_token.h"
#include "server/runtime/proto_time.h"

namespace sitrep {
namespace {

// The inclusive sequence range the request asks for, clipped to what is
// retained. Empty when first > last.
struct Range {
  uint64_t first;
  uint64_t last;
};

absl::StatusOr<Range> RequestedRange(const EventLog& log,
                                     const v1::ListUpdatesRequest& request) {
  if (request.end_sequence() != 0 &&
      request.start_sequence() > request.end_sequence()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "start_sequence: ", request.start_sequence(),
        " is after end_sequence ", request.end_sequence()));
  }
  Range range{std::max<uint64_t>(request.start_sequence(), log.Oldest()),
              log.Head()};
  if (request.end_sequence() != 0) {
    range.last = std::min(range.last, request.end_sequence());
  }
  if (request.has_start_time()) {
    if (!IsValidTimestamp(request.start_time())) {
      return absl::InvalidArgumentError("start_time: not a valid timestamp");
    }
    absl::StatusOr<uint64_t> first =
        log.FirstSequenceAtOrAfter(FromProtoTime(request.start_time()));
    if (!first.ok()) return first.status();
    range.first = std::max(range.first, *first);
  }
  if (request.has_end_time()) {
    if (!IsValidTimestamp(request.end_time())) {
      return absl::InvalidArgumentError("end_time: not a valid timestamp");
    }
    if (request.has_start_time() &&
        FromProtoTime(request.end_time()) < FromProtoTime(request.start_time())) {
      return absl::InvalidArgumentError("end_time: is before start_time");
    }
    absl::StatusOr<uint64_t> end =
        log.FirstSequenceAtOrAfter(FromProtoTime(request.end_time()));
    if (!end.ok()) return end.status();
    range.last = std::min(range.last, *end - 1);
  }
  return range;
}

}  // namespace

absl::StatusOr<v1::ListUpdatesResponse> ListUpdates(
    const EventLog& log, const v1::ListUpdatesRequest& request,
    const FilterLimits& filter_limits, const ListLimits& limits,
    MissionSet readable_missions) {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must not be negative (0 means ", limits.default_page_size,
        ")"));
  }
  const size_t page_size = request.page_size() == 0
                               ? limits.default_page_size
                               : std::min(request.page_size(),
                                          limits.max_page_size);
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(request.filter(), filter_limits, "filter",
                             readable_missions);
  if (!filter.ok()) return filter.status();
  absl::StatusOr<Range> range = RequestedRange(log, request);
  if (!range.ok()) return range.status();
  const bool descending = request.descending();
  if (!request.page_token().empty()) {
    absl::StatusOr<PageToken> token = DecodePageToken(request, log.log_id());
    if (!token.ok()) return token.status();
    if (descending) {
      range->last = std::min(range->last, token->next_sequence);
    } else {
      range->first = std::max(range->first, token->next_sequence);
    }
  }

  v1::ListUpdatesResponse response;
  response.set_head_sequence(log.Head());
  response.set_oldest_sequence(log.Oldest() <= log.Head() ? log.Oldest() : 0);
  response.set_log_id(log.log_id());

  size_t scanned = 0;
  size_t page_bytes = 0;
  auto full = [&] {
    return static_cast<size_t>(response.updates_size()) >= page_size ||
           page_bytes >= limits.max_page_bytes;
  };
  // The next sequence not yet considered, in scan direction.
  uint64_t lo = range->first;
  uint64_t hi = range->last;
  bool exhausted = lo > hi;
  while (!exhausted && !full() && scanned < limits.max_scan) {
    ReadRange read;
    read.first = lo;
    read.last = hi;
    read.descending = descending;
    read.limit = std::min<size_t>(1000, limits.max_scan - scanned);
    absl::StatusOr<std::vector<LogEntryPtr>> entries = log.Read(read);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) {
      exhausted = true;
      break;
    }
    for (const LogEntryPtr& entry : *entries) {
      ++scanned;
      const uint64_t sequence = entry->sequence();
      if (descending) {
        hi = sequence - 1;
      } else {
        lo = sequence + 1;
      }
      if ((*filter)->Matches(entry->update)) {
        *response.add_updates() = entry->update;
        page_bytes += UpdatesFieldSize(*entry);
        if (full()) break;
      }
    }
    exhausted = descending ? (hi < lo || hi == 0) : lo > hi;
  }
  // A page that filled up exactly at the end of the range is the last one.
  exhausted = exhausted || (descending ? (hi < lo || hi == 0) : lo > hi);
  if (!exhausted) {
    PageToken next;
    next.descending = descending;
    next.next_sequence = descending ? hi : lo;
    response.set_next_page_token(EncodePageToken(next, request, log.log_id()));
  }
  return response;
}

}  // namespace sitrep
