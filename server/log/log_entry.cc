#include "server/log/log_entry.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace sitrep {
namespace {

std::shared_ptr<LogEntry> NewEntry(
    v1::SituationUpdate update,
    std::shared_ptr<const v1::SituationUpdate> previous) {
  auto entry = std::make_shared<LogEntry>();
  entry->update = std::move(update);
  entry->previous = std::move(previous);
  entry->missions = MissionSet::Of(entry->update.mission());
  if (entry->previous != nullptr) {
    entry->missions |= MissionSet::Of(entry->previous->mission());
  }
  return entry;
}

}  // namespace

const ReaderSlot::Value& ReaderSlot::GetOrMake(
    absl::FunctionRef<std::unique_ptr<const Value>()> make) const {
  absl::call_once(once_, [this, make] { value_ = make(); });
  return *value_;
}

LogEntryPtr MakeLogEntry(
    v1::SituationUpdate update,
    std::shared_ptr<const v1::SituationUpdate> previous) {
  std::shared_ptr<LogEntry> entry =
      NewEntry(std::move(update), std::move(previous));
  // Sized once: growing the string as the stream writes would copy the
  // bytes several times, on the log's single writer thread.
  entry->encoded.resize(entry->update.ByteSizeLong());
  {
    google::protobuf::io::ArrayOutputStream raw(
        entry->encoded.data(), static_cast<int>(entry->encoded.size()));
    google::protobuf::io::CodedOutputStream out(&raw);
    // Deterministic so that equal updates (labels are a map) encode equally.
    out.SetSerializationDeterministic(true);
    entry->update.SerializeWithCachedSizes(&out);
  }
  return entry;
}

LogEntryPtr MakeLogEntryFromEncoded(
    v1::SituationUpdate update, absl::string_view encoded,
    std::shared_ptr<const v1::SituationUpdate> previous) {
  std::shared_ptr<LogEntry> entry =
      NewEntry(std::move(update), std::move(previous));
  entry->encoded.assign(encoded.data(), encoded.size());
  return entry;
}

std::shared_ptr<const v1::SituationUpdate> FilterView(
    const v1::SituationUpdate& update) {
  auto view = std::make_shared<v1::SituationUpdate>(update);
  view->clear_headline();
  view->clear_description();
  view->clear_event_id();
  view->clear_publisher();
  view->mutable_location()->clear_place();
  view->clear_instruction();
  view->clear_area();
  return view;
}

}  // namespace sitrep
