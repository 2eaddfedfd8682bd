#include "server/query/list_updates.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

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

absl::StatusOr<size_t> PageSize(const v1::ListUpdatesRequest& request,
                                const ListLimits& limits) {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must not be negative (0 means ", limits.default_page_size,
        ")"));
  }
  return static_cast<size_t>(
      request.page_size() == 0
          ? limits.default_page_size
          : std::min(request.page_size(), limits.max_page_size));
}

// Narrows `range` to what the request's page token says is left.
absl::Status ResumeFromPageToken(const EventLog& log,
                                 const v1::ListUpdatesRequest& request,
                                 Range* range) {
  if (request.page_token().empty()) return absl::OkStatus();
  absl::StatusOr<PageToken> token = DecodePageToken(request, log.log_id());
  if (!token.ok()) return token.status();
  if (request.descending()) {
    range->last = std::min(range->last, token->next_sequence);
  } else {
    range->first = std::max(range->first, token->next_sequence);
  }
  return absl::OkStatus();
}

// Where a page's scan stands: [lo, hi] is what is not yet considered; the
// scan moves lo up, or (descending) hi down.
struct ScanPosition {
  uint64_t lo;
  uint64_t hi;
  bool descending;

  bool AtEnd() const { return descending ? (hi < lo || hi == 0) : lo > hi; }
  void Passed(uint64_t sequence) {
    if (descending) {
      hi = sequence - 1;
    } else {
      lo = sequence + 1;
    }
  }
  uint64_t next() const { return descending ? hi : lo; }
};

// Adds the matches in `range` to `response`, until the page is full (in
// updates or bytes), limits.max_scan rows were scanned, or the range ends.
// Returns the sequence the next page starts from, or nullopt when the range
// is exhausted (a page that filled up exactly at its end is the last one).
absl::StatusOr<std::optional<uint64_t>> FillPage(
    const EventLog& log, Range range, bool descending,
    const FilterMatcher& filter, size_t page_size, const ListLimits& limits,
    v1::ListUpdatesResponse* response) {
  size_t scanned = 0;
  size_t page_bytes = 0;
  auto full = [&] {
    return static_cast<size_t>(response->updates_size()) >= page_size ||
           page_bytes >= limits.max_page_bytes;
  };
  ScanPosition position{range.first, range.last, descending};
  bool exhausted = range.first > range.last;
  while (!exhausted && !full() && scanned < limits.max_scan) {
    ReadRange read;
    read.first = position.lo;
    read.last = position.hi;
    read.descending = descending;
    read.limit = std::min<size_t>(1000, limits.max_scan - scanned);
    absl::StatusOr<std::vector<LogEntryPtr>> entries = log.Read(read);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) return std::nullopt;
    for (const LogEntryPtr& entry : *entries) {
      ++scanned;
      position.Passed(entry->sequence());
      if (filter.Matches(entry->update)) {
        *response->add_updates() = entry->update;
        page_bytes += UpdatesFieldSize(*entry);
        if (full()) break;
      }
    }
    exhausted = position.AtEnd();
  }
  if (exhausted || position.AtEnd()) return std::nullopt;
  return position.next();
}

}  // namespace

absl::StatusOr<v1::ListUpdatesResponse> ListUpdates(
    const EventLog& log, const v1::ListUpdatesRequest& request,
    const FilterLimits& filter_limits, const ListLimits& limits,
    MissionSet readable_missions) {
  absl::StatusOr<size_t> page_size = PageSize(request, limits);
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<std::unique_ptr<const FilterMatcher>> filter =
      FilterMatcher::Compile(request.filter(), filter_limits, "filter",
                             readable_missions);
  if (!filter.ok()) return filter.status();
  absl::StatusOr<Range> range = RequestedRange(log, request);
  if (!range.ok()) return range.status();
  if (absl::Status s = ResumeFromPageToken(log, request, &*range); !s.ok()) {
    return s;
  }

  v1::ListUpdatesResponse response;
  response.set_head_sequence(log.Head());
  response.set_oldest_sequence(log.Oldest() <= log.Head() ? log.Oldest() : 0);
  response.set_log_id(log.log_id());
  absl::StatusOr<std::optional<uint64_t>> next =
      FillPage(log, *range, request.descending(), **filter, *page_size, limits,
               &response);
  if (!next.ok()) return next.status();
  if (next->has_value()) {
    PageToken token;
    token.descending = request.descending();
    token.next_sequence = **next;
    response.set_next_page_token(EncodePageToken(token, request, log.log_id()));
  }
  return response;
}

}  // namespace sitrep
