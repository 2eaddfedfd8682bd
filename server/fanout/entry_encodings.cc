#include "server/fanout/entry_encodings.h"

#include <cstdint>
#include <cstring>
#include <memory>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wire_format_lite.h"

namespace sitrep {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

// What fan-out keeps in LogEntry::readers. The only ReaderSlot::Value in
// the program (see ReaderSlot), so the cast in EntryJson is safe.
class EntryEncodings final : public ReaderSlot::Value {
 public:
  explicit EntryEncodings(const v1::SituationUpdate& update) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;
    // A stored update always prints; an empty object would show the bug.
    if (!google::protobuf::util::MessageToJsonString(update, &json_, options)
             .ok()) {
      json_ = "{}";
    }
  }

  const std::string& json() const { return json_; }

 private:
  std::string json_;
};

}  // namespace

size_t UpdatesFieldSize(const LogEntry& entry) {
  const size_t size = entry.encoded.size();
  return 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(size)) +
         size;
}

uint8_t* WriteUpdatesField(const LogEntry& entry, uint8_t* out,
                           int field_number) {
  *out++ = static_cast<uint8_t>(WireFormatLite::MakeTag(
      field_number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(entry.encoded.size()), out);
  std::memcpy(out, entry.encoded.data(), entry.encoded.size());
  return out + entry.encoded.size();
}

void AppendUpdatesField(const LogEntry& entry, std::string* out,
                        int field_number) {
  // The entry's bytes are copied once, into the batch.
  const size_t at = out->size();
  out->resize(at + UpdatesFieldSize(entry));
  WriteUpdatesField(entry, reinterpret_cast<uint8_t*>(out->data()) + at,
                    field_number);
}

const std::string& EntryJson(const LogEntry& entry) {
  const ReaderSlot::Value& value = entry.readers.GetOrMake(
      [&entry]() -> std::unique_ptr<const ReaderSlot::Value> {
        return std::make_unique<EntryEncodings>(entry.update);
      });
  return static_cast<const EntryEncodings&>(value).json();
}

}  // namespace sitrep
