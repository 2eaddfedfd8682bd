#include "server/log/log_entry.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wire_format_lite.h"

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

const std::string& LogEntry::json() const {
  absl::call_once(json_once_, [this] {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;
    // A stored update always prints; an empty object would show the bug.
    if (!google::protobuf::util::MessageToJsonString(update, &json_, options)
             .ok()) {
      json_ = "{}";
    }
  });
  return json_;
}

LogEntryPtr MakeLogEntry(
    v1::SituationUpdate update,
    std::shared_ptr<const v1::SituationUpdate> previous) {
  std::shared_ptr<LogEntry> entry =
      NewEntry(std::move(update), std::move(previous));
  using google::protobuf::internal::WireFormatLite;
  const size_t size = entry->update.ByteSizeLong();
  // Sized once: growing the string as the stream writes would copy the
  // bytes several times, on the log's single writer thread.
  const size_t header =
      1 + google::protobuf::io::CodedOutputStream::VarintSize32(
              static_cast<uint32_t>(size));
  entry->wire.resize(header + size);
  {
    google::protobuf::io::ArrayOutputStream raw(
        entry->wire.data(), static_cast<int>(entry->wire.size()));
    google::protobuf::io::CodedOutputStream out(&raw);
    // Deterministic so that equal updates (labels are a map) encode equally.
    out.SetSerializationDeterministic(true);
    out.WriteTag(WireFormatLite::MakeTag(
        kUpdatesFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<uint32_t>(size));
    entry->update.SerializeWithCachedSizes(&out);
  }
  return entry;
}

LogEntryPtr MakeLogEntryFromEncoded(
    v1::SituationUpdate update, absl::string_view encoded,
    std::shared_ptr<const v1::SituationUpdate> previous) {
  std::shared_ptr<LogEntry> entry =
      NewEntry(std::move(update), std::move(previous));
  using google::protobuf::internal::WireFormatLite;
  entry->wire.reserve(encoded.size() + 6);
  {
    google::protobuf::io::StringOutputStream raw(&entry->wire);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.WriteTag(WireFormatLite::MakeTag(
        kUpdatesFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<uint32_t>(encoded.size()));
    out.WriteRaw(encoded.data(), static_cast<int>(encoded.size()));
  }
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
