#include "server/log/log_entry.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace sitrep {

LogEntryPtr MakeLogEntry(v1::SituationUpdate update) {
  auto entry = std::make_shared<LogEntry>();
  entry->update = std::move(update);
  using google::protobuf::internal::WireFormatLite;
  const size_t size = entry->update.ByteSizeLong();
  {
    google::protobuf::io::StringOutputStream raw(&entry->wire);
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

}  // namespace sitrep
