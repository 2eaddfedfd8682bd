#include "server/wire/wire_check.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "server/wire/utf8.h"
#include "server/wire/wire_format.h"

namespace sitrep {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// Map keys longer than this, or with other characters than these, are left
// out of the path: it must stay one short token that FieldOfMessage takes.
constexpr size_t kMaxKeyInPath = 64;

// A position in bytes that are walked once, front to back.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : rest_(bytes) {}
  bool done() const { return rest_.empty(); }
  size_t left() const { return rest_.size(); }

  enum class Varint { kOk, kTruncated, kMalformed };
  // At most `max_bytes` bytes, as protobuf reads them: 10 for a value, 5 for
  // a tag (kept modulo 2^32) or a length.
  Varint ReadVarint(uint64_t* value, size_t max_bytes = 10) {
    uint64_t result = 0;
    for (size_t i = 0; i < max_bytes; ++i) {
      if (i == rest_.size()) return Varint::kTruncated;
      const auto byte = static_cast<unsigned char>(rest_[i]);
      result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) {
        rest_.remove_prefix(i + 1);
        *value = result;
        return Varint::kOk;
      }
    }
    return Varint::kMalformed;  // too many bytes
  }
  Varint ReadTag(uint64_t* tag) {
    const Varint read = ReadVarint(tag, 5);
    *tag &= UINT32_MAX;
    return read;
  }

  bool Take(size_t n, absl::string_view* out) {
    if (n > rest_.size()) return false;
    *out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

 private:
  absl::string_view rest_;
};

int WireTypeOf(const FieldDescriptor& field) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_DOUBLE:
      return kFixed64;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_FLOAT:
      return kFixed32;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return kLengthDelimited;
    case FieldDescriptor::TYPE_GROUP:
      return kStartGroup;
    default:
      return kVarint;
  }
}

// protobuf checks UTF-8 only in proto3 strings (and logs for proto2).
bool MustBeUtf8(const FieldDescriptor& field) {
  return field.type() == FieldDescriptor::TYPE_STRING &&
         field.file()->syntax() == FileDescriptor::SYNTAX_PROTO3;
}

bool PlainKey(absl::string_view key) {
  if (key.empty() || key.size() > kMaxKeyInPath) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                    c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// One walk. path_ names the field being walked, in the validator's form.
class Walker {
 public:
  // The fields of one message of `type` (null: unknown, skipped) up to the
  // end of `in`, or up to the end-group tag of field `group` (0: none).
  absl::Status Fields(Reader& in, const Descriptor* type, int depth,
                      int group) {
    absl::flat_hash_map<int, size_t> indexes;
    while (!in.done()) {
      uint64_t tag = 0;
      switch (in.ReadTag(&tag)) {
        case Reader::Varint::kOk:
          break;
        case Reader::Varint::kTruncated:
          return Problem("the message ends inside a field tag (truncated)");
        case Reader::Varint::kMalformed:
          return Problem("a field tag is longer than 5 bytes");
      }
      const int number = static_cast<int>(tag >> 3);
      const int wire = static_cast<int>(tag & 7);
      if (wire == kEndGroup) {
        if (group != 0 && number == group) return absl::OkStatus();
        return Problem("an end-group tag without its start");
      }
      if (number == 0) return Problem("a field has the number 0");
      if (wire > kFixed32) {
        return Problem(absl::StrCat("field ", number, " has wire type ", wire,
                                    ", which protobuf does not have"));
      }
      const FieldDescriptor* field =
          type == nullptr ? nullptr : type->FindFieldByNumber(number);
      // A known number with another wire type is an unknown field to
      // protobuf, except a packed repeated scalar.
      if (field != nullptr && wire != WireTypeOf(*field) &&
          !(wire == kLengthDelimited && field->is_packable())) {
        field = nullptr;
      }
      const size_t mark = path_.size();
      if (field != nullptr) {
        absl::StrAppend(&path_, path_.empty() ? "" : ".", field->name());
        // A packed run is one record: it gets no index.
        if (field->is_repeated() && !field->is_map() &&
            !(field->is_packable() && wire == kLengthDelimited)) {
          absl::StrAppend(&path_, "[", indexes[number]++, "]");
        }
      }
      absl::Status status = Value(in, field, number, wire, depth);
      path_.resize(mark);
      if (!status.ok()) return status;
    }
    if (group != 0) {
      return Problem("the message ends inside a group (truncated)");
    }
    return absl::OkStatus();
  }

  // Skips the value of a field the walk does not look into.
  absl::Status Skip(Reader& in, int number, int wire) {
    return Value(in, nullptr, number, wire, 0);
  }

  absl::Status Problem(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_.empty() ? "request" : path_, ": ", what));
  }

 private:
  // The value of one field after its tag; path_ names the field when it is
  // known.
  absl::Status Value(Reader& in, const FieldDescriptor* field, int number,
                     int wire, int depth) {
    absl::string_view bytes;
    switch (wire) {
      case kVarint: {
        uint64_t ignored;
        switch (in.ReadVarint(&ignored)) {
          case Reader::Varint::kOk:
            return absl::OkStatus();
          case Reader::Varint::kTruncated:
            return Truncated();
          case Reader::Varint::kMalformed:
            return Problem("a varint is longer than 10 bytes");
        }
        return absl::OkStatus();
      }
      case kFixed64:
        return in.Take(8, &bytes) ? absl::OkStatus() : Truncated();
      case kFixed32:
        return in.Take(4, &bytes) ? absl::OkStatus() : Truncated();
      case kStartGroup:
        if (depth >= kMaxDepth) return TooDeep();
        // Groups are not proto3; known or not, their fields are skipped.
        return Fields(in, nullptr, depth + 1, number);
      default:
        break;
    }
    uint64_t length = 0;
    switch (in.ReadVarint(&length, 5)) {
      case Reader::Varint::kOk:
        break;
      case Reader::Varint::kTruncated:
        return Truncated();
      case Reader::Varint::kMalformed:
        return Problem("a length is longer than 5 bytes");
    }
    if (length > INT32_MAX) return Problem("a length is 2 GiB or more");
    if (length > in.left() || !in.Take(length, &bytes)) return Truncated();
    if (field == nullptr) return absl::OkStatus();
    if (field->is_packable()) return Packed(*field, bytes);
    if (MustBeUtf8(*field)) return Text(bytes);
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) {
      return absl::OkStatus();
    }
    if (depth >= kMaxDepth) return TooDeep();
    Reader inner(bytes);
    if (field->is_map()) return MapEntry(inner, *field->message_type(), depth);
    return Fields(inner, field->message_type(), depth + 1, 0);
  }

  // One entry of a map field: errors in the value are named
  // `labels["key"]` when the key is plain text, errors in the key `labels`.
  absl::Status MapEntry(Reader& in, const Descriptor& entry, int depth) {
    const std::string field_path = path_;
    std::string entry_path = field_path;
    if (std::optional<std::string> key = KeyOf(in, entry)) {
      absl::StrAppend(&entry_path, "[", *key, "]");
    }
    const FieldDescriptor* key_field = entry.map_key();
    const FieldDescriptor* value_field = entry.map_value();
    absl::Status status = absl::OkStatus();
    while (!in.done() && status.ok()) {
      uint64_t tag = 0;
      if (in.ReadTag(&tag) != Reader::Varint::kOk || (tag >> 3) == 0 ||
          (tag & 7) > kFixed32 || (tag & 7) == kEndGroup) {
        path_ = entry_path;
        status = Problem("a map entry is malformed");
        break;
      }
      const int number = static_cast<int>(tag >> 3);
      const int wire = static_cast<int>(tag & 7);
      const FieldDescriptor* field = number == 1   ? key_field
                                     : number == 2 ? value_field
                                                   : nullptr;
      if (field != nullptr && wire != WireTypeOf(*field)) field = nullptr;
      if (field != nullptr && field == key_field) {
        path_ = field_path;
        status = Value(in, field, number, wire, depth + 1);
        if (!status.ok()) {
          status = absl::InvalidArgumentError(absl::StrCat(
              field_path, ": a key ",
              status.message().substr(field_path.size() + 2)));
        }
        continue;
      }
      path_ = entry_path;
      status = Value(in, field, number, wire, depth + 1);
    }
    path_ = field_path;
    return status;
  }

  // The entry's key as it goes in a path (`"unit"`, `7`), if it can.
  static std::optional<std::string> KeyOf(Reader in, const Descriptor& entry) {
    const FieldDescriptor* key_field = entry.map_key();
    std::optional<std::string> key;
    while (!in.done()) {
      uint64_t tag = 0;
      if (in.ReadTag(&tag) != Reader::Varint::kOk) return std::nullopt;
      const int wire = static_cast<int>(tag & 7);
      uint64_t value = 0;
      absl::string_view bytes;
      if (wire == kVarint) {
        if (in.ReadVarint(&value) != Reader::Varint::kOk) return std::nullopt;
      } else if (wire == kLengthDelimited) {
        if (in.ReadVarint(&value, 5) != Reader::Varint::kOk ||
            !in.Take(value, &bytes)) {
          return std::nullopt;
        }
      } else if (wire == kFixed64 || wire == kFixed32) {
        if (!in.Take(wire == kFixed64 ? 8 : 4, &bytes)) return std::nullopt;
      } else {
        return std::nullopt;
      }
      if ((tag >> 3) != 1 || wire != WireTypeOf(*key_field)) continue;
      if (key_field->type() == FieldDescriptor::TYPE_STRING) {
        key = PlainKey(bytes) ? std::optional<std::string>(
                                    absl::StrCat("\"", bytes, "\""))
                              : std::nullopt;
      } else if (wire == kVarint) {
        key = absl::StrCat(value);
      }
    }
    return key;
  }

  absl::Status Text(absl::string_view text) const {
    if (std::optional<Utf8Defect> defect = FindUtf8Defect(text)) {
      return Problem(absl::StrCat(
          "is not valid UTF-8 (", defect->what, " at byte ", defect->offset,
          "); send the text encoded as UTF-8 (a JavaScript string with a "
          "lone surrogate needs toWellFormed())"));
    }
    return absl::OkStatus();
  }

  absl::Status Packed(const FieldDescriptor& field,
                      absl::string_view bytes) const {
    const int wire = WireTypeOf(field);
    if (wire == kFixed32 || wire == kFixed64) {
      const size_t size = wire == kFixed32 ? 4 : 8;
      if (bytes.size() % size == 0) return absl::OkStatus();
      return Problem(absl::StrCat("packed values of ", size,
                                  " bytes each take ", bytes.size(),
                                  " bytes (truncated)"));
    }
    Reader in(bytes);
    while (!in.done()) {
      uint64_t ignored;
      if (in.ReadVarint(&ignored) != Reader::Varint::kOk) {
        return Problem("a packed varint is truncated or malformed");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Truncated() const {
    return Problem("the message ends inside this field (truncated)");
  }

  absl::Status TooDeep() const {
    return Problem(absl::StrCat("messages are nested deeper than ", kMaxDepth,
                                " levels"));
  }

  std::string path_;
};

}  // namespace

absl::Status CheckWireFormat(absl::string_view bytes,
                             const Descriptor& type) {
  Reader in(bytes);
  Walker walker;
  return walker.Fields(in, &type, 0, 0);
}

absl::StatusOr<std::vector<TopLevelField>> SplitTopLevel(
    absl::string_view bytes) {
  Reader in(bytes);
  Walker walker;
  std::vector<TopLevelField> fields;
  while (!in.done()) {
    uint64_t tag = 0;
    if (in.ReadTag(&tag) != Reader::Varint::kOk || (tag >> 3) == 0 ||
        (tag & 7) > kFixed32 || (tag & 7) == kEndGroup) {
      return walker.Problem("a field tag is malformed or truncated");
    }
    TopLevelField field{static_cast<int>(tag >> 3), static_cast<int>(tag & 7),
                        absl::string_view()};
    if (field.wire_type == kLengthDelimited) {
      uint64_t length = 0;
      if (in.ReadVarint(&length, 5) != Reader::Varint::kOk ||
          !in.Take(length, &field.payload)) {
        return walker.Problem(absl::StrCat(
            "field ", field.number, " ends after the message (truncated)"));
      }
    } else if (absl::Status skipped =
                   walker.Skip(in, field.number, field.wire_type);
               !skipped.ok()) {
      // Every field is skipped as unknown: only the framing counts.
      return skipped;
    }
    fields.push_back(field);
  }
  return fields;
}

}  // namespace sitrep
