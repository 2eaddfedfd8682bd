// The read side of the JetStream log: entries from the replica's cache of
// recent ones or from the stream, received_at lookups and incident records.

#include <algorithm>
#include <memory>
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

absl::StatusOr<std::vector<LogEntryPtr>> JetStreamEventLog::FetchRange(
    uint64_t first, uint64_t last) const {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = options_.stream.c_str();
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = first;
  options.Config.AckPolicy = js_AckNone;
  options.Config.MemoryStorage = true;
  // Gone by itself should this replica die before deleting it.
  options.Config.InactiveThreshold = absl::ToInt64Nanoseconds(absl::Minutes(1));
  const std::string subject = absl::StrCat(options_.subject_prefix, ".*.*.*");
  natsSubscription* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_PullSubscribe(&raw, js_, subject.c_str(), nullptr, nullptr,
                                  &options, &code);
  if (s != NATS_OK) {
    return absl::UnavailableError(NatsErrorText(
        absl::StrCat("cannot read sequences ", first, "-", last,
                     " from stream '", options_.stream, "'"),
        s, code));
  }
  std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> sub(
      raw, [](natsSubscription* p) {
        natsSubscription_Unsubscribe(p);  // deletes the consumer
        natsSubscription_Destroy(p);
      });
  std::vector<LogEntryPtr> entries;
  uint64_t next = first;
  while (next <= last) {
    natsMsgList list;
    jsFetchRequest request;
    jsFetchRequest_Init(&request);
    request.Batch =
        static_cast<int>(std::min<uint64_t>(last - next + 1, 4096));
    // What is stored now, without waiting for more: the range is below the
    // head, so only retention running meanwhile can make it fall short.
    request.NoWait = true;
    request.Expires = absl::ToInt64Nanoseconds(options_.request_timeout);
    if (natsSubscription_FetchRequest(&list, sub.get(), &request) != NATS_OK) {
      break;
    }
    absl::Status status;
    for (int i = 0; i < list.Count && status.ok(); ++i) {
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, list.Msgs[i]) != NATS_OK) continue;
      const uint64_t sequence = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
      next = sequence + 1;
      if (sequence > last) break;
      absl::StatusOr<LogEntryPtr> entry = EntryFromMessage(list.Msgs[i], sequence);
      if (entry.ok()) entries.push_back(*std::move(entry));
      status = entry.status();
    }
    const bool empty = list.Count == 0;
    natsMsgList_Destroy(&list);
    if (!status.ok()) return status;
    if (empty) break;
  }
  return entries;
}

absl::Status JetStreamEventLog::ReadAscending(
    uint64_t first, uint64_t last, std::vector<LogEntryPtr>* entries) const {
  // Fewer than this many entries to read from the stream: one stream get
  // each costs less than a consumer.
  constexpr uint64_t kBatchAtLeast = 16;
  uint64_t cached_first;
  {
    absl::MutexLock lock(&mu_);
    cached_first = index_.cached_first();
  }
  uint64_t sequence = first;
  if (first < cached_first && std::min(last + 1, cached_first) - first >=
                                  kBatchAtLeast) {
    absl::StatusOr<std::vector<LogEntryPtr>> fetched =
        FetchRange(first, std::min(last, cached_first - 1));
    if (!fetched.ok()) return fetched.status();
    for (LogEntryPtr& entry : *fetched) entries->push_back(std::move(entry));
    sequence = std::min(last + 1, cached_first);
  }
  for (; sequence <= last; ++sequence) {
    absl::StatusOr<LogEntryPtr> entry = Get(sequence);
    // Retention removed it meanwhile: the rest is still there.
    if (absl::IsNotFound(entry.status())) continue;
    if (!entry.ok()) return entry.status();
    entries->push_back(*std::move(entry));
  }
  return absl::OkStatus();
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
  if (!range.descending) {
    absl::Status status = ReadAscending(first, first + count - 1, &entries);
    health_.ReportRead(status);
    if (!status.ok()) return status;
    return entries;
  }
  absl::Status status = ReadAscending(last - count + 1, last, &entries);
  health_.ReportRead(status);
  if (!status.ok()) return status;
  // Retention removes from the oldest end: what a descending read gets is
  // the newest part, as one that stops at the first removed sequence.
  std::reverse(entries.begin(), entries.end());
  return entries;
}

absl::StatusOr<uint64_t> JetStreamEventLog::FirstSequenceAtOrAfter(
    absl::Time time) const {
  // From the replica's index, which follows the stream: its answer says
  // reads work (the server's store probe heals reads with it).
  health_.ReportRead(absl::OkStatus());
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
  return std::optional<IncidentRecord>(*it->second);
}

absl::StatusOr<EventLog::OpenIncidents> JetStreamEventLog::LoadOpenIncidents()
    const {
  OpenIncidents result;
  {
    absl::MutexLock lock(&mu_);
    result.head = index_.head();
    for (const auto& [id, record] : incidents_) {
      if (!record->closed) result.incidents.push_back(record);
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

JetStreamWriterCounts JetStreamWriterCountsOf(const EventLog& log) {
  const auto* jetstream =
      dynamic_cast<const jetstream::JetStreamEventLog*>(&log);
  return jetstream != nullptr ? jetstream->WriterCounts()
                              : JetStreamWriterCounts();
}

JetStreamIndexSizes JetStreamIndexSizesOf(const EventLog& log) {
  const auto* jetstream =
      dynamic_cast<const jetstream::JetStreamEventLog*>(&log);
  return jetstream != nullptr ? jetstream->IndexSizes()
                              : JetStreamIndexSizes();
}

}  // namespace sitrep
