// The read side of the JetStream log: entries from the replica's cache of
// recent ones or from the stream, received_at lookups and incident records.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/log/append_rules.h"
#include "server/log/incident_thread.h"
#include "server/log/jetstream_log.h"

namespace sitrep {
namespace jetstream {

absl::StatusOr<LogEntryPtr> JetStreamEventLog::Get(uint64_t sequence) const {
  {
    absl::MutexLock lock(&mu_);
    if (sequence < index_.oldest() || sequence > index_.head()) {
      return absl::NotFoundError(absl::StrCat("sequence ", sequence,
                                              " is not retained"));
    }
    if (LogEntryPtr cached = index_.Cached(sequence)) return cached;
  }
  return Fetch(sequence);
}

absl::StatusOr<LogEntryPtr> JetStreamEventLog::Fetch(uint64_t sequence) const {
  natsMsg* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&raw, js_, options_.stream.c_str(), sequence,
                           nullptr, &code);
  if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) {
    return absl::NotFoundError(
        absl::StrCat("sequence ", sequence, " is not retained"));
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot read sequence ", sequence, " from stream '",
                     options_.stream, "'"),
        s, code));
  }
  MsgPtr msg(raw);
  return EntryFromMessage(msg.get(), sequence);
}

absl::StatusOr<std::vector<LogEntryPtr>> JetStreamEventLog::Read(
    const ReadRange& range) const {
  std::vector<LogEntryPtr> entries;
  uint64_t first, last;
  {
    absl::MutexLock lock(&mu_);
    first = std::max<uint64_t>({range.first, index_.oldest(), 1});
    last = std::min(range.last, index_.head());
  }
  if (range.limit == 0 || first > last) return entries;
  const uint64_t count = std::min<uint64_t>(last - first + 1, range.limit);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t sequence = range.descending ? last - i : first + i;
    absl::StatusOr<LogEntryPtr> entry = Get(sequence);
    if (absl::IsNotFound(entry.status())) {
      // Retention removed it meanwhile: the rest of an ascending read is
      // still there; a descending read has reached the oldest end.
      if (range.descending) break;
      continue;
    }
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

absl::StatusOr<uint64_t> JetStreamEventLog::FirstSequenceAtOrAfter(
    absl::Time time) const {
  absl::MutexLock lock(&mu_);
  if (time == absl::InfinitePast()) {
    return std::min(index_.oldest(), index_.head() + 1);
  }
  if (time == absl::InfiniteFuture()) return index_.head() + 1;
  return index_.FirstReceivedAtOrAfter(CeilMicros(time));
}

absl::StatusOr<std::optional<IncidentRecord>> JetStreamEventLog::LoadIncident(
    const std::string& incident_id) const {
  absl::MutexLock lock(&mu_);
  auto it = incidents_.find(incident_id);
  if (it == incidents_.end()) return std::optional<IncidentRecord>();
  return std::optional<IncidentRecord>(it->second);
}

absl::StatusOr<EventLog::OpenIncidents> JetStreamEventLog::LoadOpenIncidents()
    const {
  OpenIncidents result;
  {
    absl::MutexLock lock(&mu_);
    result.head = index_.head();
    for (const auto& [id, record] : incidents_) {
      if (!record.closed) result.incidents.push_back(record);
    }
  }
  SortByLatestSequence(&result.incidents);
  return result;
}

JetStreamIndexSizes JetStreamEventLog::IndexSizes() const {
  absl::MutexLock lock(&mu_);
  JetStreamIndexSizes sizes;
  sizes.retained = index_.retained_count();
  sizes.event_ids = index_.event_count();
  sizes.cached_entries = index_.cached_count();
  sizes.incidents = incidents_.size();
  return sizes;
}

}  // namespace jetstream

JetStreamIndexSizes JetStreamIndexSizesOf(const EventLog& log) {
  const auto* jetstream =
      dynamic_cast<const jetstream::JetStreamEventLog*>(&log);
  return jetstream != nullptr ? jetstream->IndexSizes()
                              : JetStreamIndexSizes();
}

}  // namespace sitrep
