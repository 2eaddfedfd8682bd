#include "server/wire/unknown_field_scan.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.pb.h"
#include "server/wire/wire_format.h"

namespace sitrep {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// Field numbers up to this are looked up in a vector, the rest in a map.
constexpr int kMaxDenseNumber = 1024;

struct MessageRule;

// What the parser of a message type does with one of its field numbers.
struct FieldRule {
  // Bit w set: wire type w is parsed as this field. 0: an unknown number.
  uint8_t wire_types = 0;
  // Kept as an unknown field for some values or encodings the table does
  // not follow (a group, a closed proto2 enum): present means "maybe".
  bool maybe_unknown = false;
  // A length-delimited payload is a message of this type (or a map entry).
  const MessageRule* message = nullptr;
};

struct MessageRule {
  // A map entry's parser keeps only its key and value and drops anything
  // else: only a message value (field 2) can hold unknown fields.
  bool map_entry = false;
  const MessageRule* map_value = nullptr;
  std::vector<FieldRule> dense;
  absl::flat_hash_map<uint64_t, FieldRule> sparse;

  const FieldRule* Find(uint64_t number) const {
    if (number < dense.size()) return &dense[number];
    auto it = sparse.find(number);
    return it == sparse.end() ? nullptr : &it->second;
  }
};

// The rules of every message type asked for and of the types inside them.
// A rule is complete before For() returns it and never changes or goes
// away after, so it is read without the lock.
class RuleRegistry {
 public:
  const MessageRule& For(const Descriptor& type) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    std::vector<const Descriptor*> to_fill;
    const MessageRule* rule = GetOrAddLocked(&type, &to_fill);
    // Types may contain themselves (PublishRequest.batch): each is added
    // once, then filled.
    while (!to_fill.empty()) {
      const Descriptor* next = to_fill.back();
      to_fill.pop_back();
      FillLocked(*next, &to_fill);
    }
    return *rule;
  }

 private:
  MessageRule* GetOrAddLocked(const Descriptor* type,
                              std::vector<const Descriptor*>* to_fill)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::unique_ptr<MessageRule>& rule = rules_[type];
    if (rule == nullptr) {
      rule = std::make_unique<MessageRule>();
      to_fill->push_back(type);
    }
    return rule.get();
  }

  void FillLocked(const Descriptor& type,
                  std::vector<const Descriptor*>* to_fill)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    MessageRule& rule = *rules_[&type];
    if (type.options().map_entry()) {
      rule.map_entry = true;
      const FieldDescriptor* value = type.map_value();
      if (value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        rule.map_value = GetOrAddLocked(value->message_type(), to_fill);
      }
      return;
    }
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& field = *type.field(i);
      FieldRule field_rule = RuleOfLocked(field, to_fill);
      const uint64_t number = static_cast<uint64_t>(field.number());
      if (number <= kMaxDenseNumber) {
        if (rule.dense.size() <= number) rule.dense.resize(number + 1);
        rule.dense[number] = field_rule;
      } else {
        rule.sparse[number] = field_rule;
      }
    }
  }

  FieldRule RuleOfLocked(const FieldDescriptor& field,
                         std::vector<const Descriptor*>* to_fill)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    FieldRule rule;
    switch (field.type()) {
      case FieldDescriptor::TYPE_GROUP:
        rule.wire_types = 1 << kStartGroup;
        rule.maybe_unknown = true;
        return rule;
      case FieldDescriptor::TYPE_MESSAGE:
        rule.wire_types = 1 << kLengthDelimited;
        rule.message = GetOrAddLocked(field.message_type(), to_fill);
        return rule;
      case FieldDescriptor::TYPE_STRING:
      case FieldDescriptor::TYPE_BYTES:
        rule.wire_types = 1 << kLengthDelimited;
        return rule;
      case FieldDescriptor::TYPE_FIXED64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_DOUBLE:
        rule.wire_types = 1 << kFixed64;
        break;
      case FieldDescriptor::TYPE_FIXED32:
      case FieldDescriptor::TYPE_SFIXED32:
      case FieldDescriptor::TYPE_FLOAT:
        rule.wire_types = 1 << kFixed32;
        break;
      case FieldDescriptor::TYPE_ENUM:
        // A proto2 enum is closed: a value it does not declare is kept as
        // an unknown field.
        rule.maybe_unknown =
            field.file()->syntax() != FileDescriptor::SYNTAX_PROTO3;
        rule.wire_types = 1 << kVarint;
        break;
      default:  // The other varint types.
        rule.wire_types = 1 << kVarint;
        break;
    }
    if (field.is_packable()) rule.wire_types |= 1 << kLengthDelimited;
    return rule;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, std::unique_ptr<MessageRule>> rules_
      ABSL_GUARDED_BY(mu_);
};

const MessageRule& RuleFor(const Descriptor& type) {
  // Requests of one method come one after the other on a thread: the last
  // type's rule is at hand without the registry's lock.
  thread_local const Descriptor* last_type = nullptr;
  thread_local const MessageRule* last_rule = nullptr;
  if (last_type != &type) {
    static RuleRegistry* const registry = new RuleRegistry();
    last_rule = &registry->For(type);
    last_type = &type;
  }
  return *last_rule;
}

inline bool ReadVarint(const char** p, const char* end, uint64_t* value) {
  // Tags and lengths of a request are mostly one byte.
  if (*p < end && static_cast<uint8_t>(**p) < 0x80) {
    *value = static_cast<uint8_t>(*(*p)++);
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(*(*p)++);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool SkipGroup(uint64_t number, const char** p, const char* end, int depth);

// Moves *p past the value of a field numbered `number` of `wire_type`
// (a group: up to its end tag); a length-delimited value's bytes are
// [*payload, *p). False when the bytes end inside the value or are not a
// value protobuf parses.
inline bool SkipValue(uint64_t number, uint32_t wire_type, const char** p,
                      const char* end, const char** payload, int depth) {
  uint64_t size = 0;
  switch (wire_type) {
    case kVarint:
      return ReadVarint(p, end, &size);
    case kFixed64:
      size = 8;
      break;
    case kFixed32:
      size = 4;
      break;
    case kLengthDelimited:
      if (!ReadVarint(p, end, &size)) return false;
      break;
    case kStartGroup:
      return SkipGroup(number, p, end, depth);
    default:
      return false;
  }
  if (size > static_cast<uint64_t>(end - *p)) return false;
  *payload = *p;
  *p += size;
  return true;
}

bool SkipGroup(uint64_t number, const char** p, const char* end, int depth) {
  if (depth > kMaxDepth) return false;
  while (*p < end) {
    uint64_t tag = 0;
    if (!ReadVarint(p, end, &tag)) return false;
    if ((tag & 7) == kEndGroup) return (tag >> 3) == number;
    const char* inner = nullptr;
    if (!SkipValue(tag >> 3, static_cast<uint32_t>(tag & 7), p, end, &inner,
                   depth + 1)) {
      return false;
    }
  }
  return false;
}

bool Scan(const char* p, const char* end, const MessageRule& rule, int depth) {
  if (depth > kMaxDepth) return true;
  while (p < end) {
    uint64_t tag = 0;
    if (!ReadVarint(&p, end, &tag)) return true;
    const uint32_t wire_type = static_cast<uint32_t>(tag & 7);
    const uint64_t number = tag >> 3;
    const char* payload = nullptr;
    if (!SkipValue(number, wire_type, &p, end, &payload, depth)) return true;
    if (rule.map_entry) {
      if (number == 2 && wire_type == kLengthDelimited &&
          rule.map_value != nullptr &&
          Scan(payload, p, *rule.map_value, depth + 1)) {
        return true;
      }
      continue;
    }
    const FieldRule* field = rule.Find(number);
    if (field == nullptr || (field->wire_types & (1u << wire_type)) == 0 ||
        field->maybe_unknown) {
      return true;
    }
    if (wire_type == kLengthDelimited && field->message != nullptr &&
        Scan(payload, p, *field->message, depth + 1)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool HasUnknownFieldsOnWire(absl::string_view bytes, const Descriptor& type) {
  return Scan(bytes.data(), bytes.data() + bytes.size(), RuleFor(type), 0);
}

}  // namespace sitrep
