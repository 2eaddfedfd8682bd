// The wire scan answers "did the parse keep an unknown field?" exactly as
// protobuf's parser decides it: the cases ParseRequest is there for, then
// thousands of generated messages of every request type (and of
// google.protobuf.Struct, whose maps have message values) with stray
// fields at every depth, inside map entries and map values, with packed
// and unpacked runs, groups and invalid UTF-8, each checked against what
// protobuf itself kept.
#include "server/wire/unknown_field_scan.h"

#include <map>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "server/wire/request_parse.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/support/wire_bytes.h"

namespace sitrep {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::sitrep::testing::Field;
using ::sitrep::testing::Tag;
using ::sitrep::testing::Varint;
using ::sitrep::testing::VarintField;

std::unique_ptr<Message> NewMessage(const Descriptor& type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
}

// What protobuf kept: a message holds unknown fields (at any depth) when
// dropping them changes its encoding.
bool ProtobufKeptUnknownFields(const Message& parsed) {
  std::unique_ptr<Message> dropped(parsed.New());
  dropped->CopyFrom(parsed);
  dropped->DiscardUnknownFields();
  return dropped->ByteSizeLong() != parsed.ByteSizeLong();
}

// Map entries in key order: two equal messages, equal bytes.
std::string Deterministic(const Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

bool Scan(const std::string& bytes, const Descriptor& type) {
  return HasUnknownFieldsOnWire(bytes, type);
}

const Descriptor& Update() { return *v1::SituationUpdate::descriptor(); }
const Descriptor& Request() { return *v1::PublishRequest::descriptor(); }

TEST(HasUnknownFieldsOnWireTest, AValidRequestHasNone) {
  v1::PublishRequest request;
  request.mutable_update()->set_headline("Patrol");
  (*request.mutable_update()->mutable_labels())["unit"] = "kfor-1";
  request.mutable_update()->add_response_types(v1::RESPONSE_TYPE_AVOID);
  *request.add_batch() = request;
  EXPECT_FALSE(Scan(request.SerializeAsString(), Request()));
  EXPECT_FALSE(Scan("", Request()));
}

TEST(HasUnknownFieldsOnWireTest, AnUnknownNumberAtEveryDepth) {
  EXPECT_TRUE(Scan(VarintField(99, 1), Request()));
  EXPECT_TRUE(Scan(Field(1, VarintField(99, 1)), Request()));
  EXPECT_TRUE(Scan(Field(1, Field(12, VarintField(77, 1))), Request()));
  EXPECT_TRUE(Scan(Field(3, Field(1, Field(12, Field(5000, "x")))), Request()));
  EXPECT_TRUE(Scan(Field(3, Field(3, Field(1, Tag(40, 3) + Tag(40, 4)))),
                   Request()));
}

TEST(HasUnknownFieldsOnWireTest, AKnownNumberWithAnotherWireType) {
  // mission (an enum) as fixed32, headline (a string) as a varint,
  // location (a message) as fixed64: each kept as an unknown field.
  EXPECT_TRUE(Scan(Tag(2, 5) + std::string(4, '\x03'), Update()));
  EXPECT_TRUE(Scan(VarintField(10, 7), Update()));
  EXPECT_TRUE(Scan(Tag(12, 1) + std::string(8, '\0'), Update()));
  // A singular enum sent as a packed run is not the field either.
  EXPECT_TRUE(Scan(Field(2, Varint(1) + Varint(2)), Update()));
}

TEST(HasUnknownFieldsOnWireTest, PackedAndUnpackedRunsAreTheField) {
  EXPECT_FALSE(Scan(Field(19, Varint(1) + Varint(2)), Update()));
  EXPECT_FALSE(Scan(VarintField(19, 1) + VarintField(19, 2), Update()));
  // An open enum keeps values it does not declare as values.
  EXPECT_FALSE(Scan(VarintField(19, 9999) + VarintField(2, 4242), Update()));
  EXPECT_TRUE(Scan(Tag(19, 5) + std::string(4, '\x01'), Update()));
}

TEST(HasUnknownFieldsOnWireTest, MapEntriesKeepOnlyKeyAndValue) {
  // In a labels entry: an unknown number, the key as a varint, a group.
  // The parser drops them all.
  const std::string entry =
      Field(1, "unit") + Field(2, "kfor-1") + VarintField(9, 1);
  EXPECT_FALSE(Scan(Field(13, entry), Update()));
  EXPECT_FALSE(Scan(Field(13, VarintField(1, 5) + Field(2, "x")), Update()));
  EXPECT_FALSE(Scan(Field(13, Field(1, "k") + Tag(18, 3) + VarintField(2, 1) +
                                  Tag(18, 4)),
                    Update()));
  // google.protobuf.Struct: map<string, Value>. Inside the value it counts.
  const Descriptor& structure = *google::protobuf::Struct::descriptor();
  const std::string value = Field(3, "text");
  EXPECT_FALSE(Scan(Field(1, Field(1, "k") + Field(2, value)), structure));
  EXPECT_FALSE(Scan(Field(1, Field(1, "k") + Field(2, value) +
                                 VarintField(3, 1)),
                    structure));
  EXPECT_TRUE(Scan(Field(1, Field(1, "k") + Field(2, value + VarintField(9, 1))),
                   structure));
}

TEST(HasUnknownFieldsOnWireTest, AReplacedMemberTakesItsUnknownFieldsAlong) {
  // Area's polygon with an unknown field, then its circle: the parser
  // clears the polygon, unknown field and all. The scan does not follow
  // oneofs and answers true: ParseRequest then discards what is not there.
  const std::string area = Field(3, Field(1, VarintField(77, 1))) +
                           Field(2, "");
  const std::string update = Field(23, area);
  v1::SituationUpdate parsed;
  ASSERT_TRUE(parsed.ParseFromString(update));
  EXPECT_FALSE(ProtobufKeptUnknownFields(parsed));
  EXPECT_TRUE(Scan(update, Update()));
  v1::PublishRequest edge;
  ASSERT_TRUE(ParseRequest(Field(1, update), &edge).ok());
  EXPECT_TRUE(edge.update().area().has_circle());
  // The same for a map value whose key comes again.
  const Descriptor& structure = *google::protobuf::Struct::descriptor();
  const std::string first =
      Field(1, Field(1, "k") + Field(2, Field(3, "a") + VarintField(9, 1)));
  const std::string again = Field(1, Field(1, "k") + Field(2, Field(3, "b")));
  google::protobuf::Struct replaced;
  ASSERT_TRUE(replaced.ParseFromString(first + again));
  EXPECT_FALSE(ProtobufKeptUnknownFields(replaced));
  EXPECT_EQ(replaced.fields().at("k").string_value(), "b");
  EXPECT_TRUE(Scan(first + again, structure));
}

TEST(HasUnknownFieldsOnWireTest, BytesProtobufRefusesAnswerTrue) {
  EXPECT_TRUE(Scan(Field(1, "abc").substr(0, 3), Request()));
  EXPECT_TRUE(Scan("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", Request()));
  std::string deep = VarintField(99, 1);
  for (int i = 0; i < 120; ++i) deep = Field(3, deep);
  EXPECT_TRUE(Scan(deep, Request()));
}

// Random messages of a type, valid on the wire, with stray fields.
class WireFuzzer {
 public:
  explicit WireFuzzer(uint64_t seed) : rng_(seed) {}

  // At most one member of each oneof: a later member would clear an
  // earlier one with its unknown fields (AReplacedMemberTakesItsUnknownFieldsAlong).
  std::string Message(const Descriptor& type, int depth) {
    std::string out;
    std::map<const google::protobuf::OneofDescriptor*, const FieldDescriptor*>
        members;
    const int fields = type.field_count() == 0 ? 0 : Below(7);
    for (int i = 0; i < fields; ++i) {
      if (Below(14) == 0) out += Stray(type, depth);
      const FieldDescriptor* field = type.field(Below(type.field_count()));
      if (field->containing_oneof() != nullptr) {
        field = members.emplace(field->containing_oneof(), field).first->second;
      }
      out += Value(*field, depth);
    }
    if (Below(14) == 0) out += Stray(type, depth);
    return out;
  }

 private:
  int Below(int n) { return static_cast<int>(rng_() % n); }

  std::string Text() {
    std::string text(Below(6), 'a');
    for (char& c : text) c = static_cast<char>('a' + Below(26));
    // Now and then not UTF-8: protobuf refuses the whole message.
    if (Below(400) == 0) text += "\xC0\x80";
    return text;
  }

  std::string Scalar(const FieldDescriptor& field) {
    switch (field.type()) {
      case FieldDescriptor::TYPE_FIXED64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_DOUBLE:
        return std::string(8, static_cast<char>(Below(256)));
      case FieldDescriptor::TYPE_FIXED32:
      case FieldDescriptor::TYPE_SFIXED32:
      case FieldDescriptor::TYPE_FLOAT:
        return std::string(4, static_cast<char>(Below(256)));
      default:
        return Varint(rng_() >> Below(64));
    }
  }

  int ScalarWireType(const FieldDescriptor& field) {
    switch (field.type()) {
      case FieldDescriptor::TYPE_FIXED64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_DOUBLE:
        return 1;
      case FieldDescriptor::TYPE_FIXED32:
      case FieldDescriptor::TYPE_SFIXED32:
      case FieldDescriptor::TYPE_FLOAT:
        return 5;
      default:
        return 0;
    }
  }

  // One occurrence of `field`, as a valid encoder could write it.
  std::string Value(const FieldDescriptor& field, int depth) {
    const int number = field.number();
    switch (field.type()) {
      case FieldDescriptor::TYPE_STRING:
        return Field(number, Text());
      case FieldDescriptor::TYPE_BYTES:
        return Field(number, std::string(Below(4), '\xff'));
      case FieldDescriptor::TYPE_MESSAGE:
        if (depth >= 5) return Field(number, "");
        if (field.is_map()) return Field(number, MapEntry(field, depth + 1));
        return Field(number, Message(*field.message_type(), depth + 1));
      default:
        break;
    }
    if (field.is_packable() && Below(2) == 0) {
      std::string run;
      for (int i = Below(4); i >= 0; --i) run += Scalar(field);
      return Field(number, run);
    }
    return Tag(number, ScalarWireType(field)) + Scalar(field);
  }

  // A map entry with a key of its own: a later entry with the same key
  // would replace an earlier one's value with its unknown fields
  // (AReplacedMemberTakesItsUnknownFieldsAlong).
  std::string MapEntry(const FieldDescriptor& map, int depth) {
    const Descriptor& entry = *map.message_type();
    std::string out;
    if (entry.map_key()->type() == FieldDescriptor::TYPE_STRING) {
      out = Field(1, absl::StrCat("k", ++keys_));
    } else {
      out = Tag(1, ScalarWireType(*entry.map_key())) + Scalar(*entry.map_key());
    }
    if (Below(6) == 0) out += Stray(entry, depth);
    if (Below(8) != 0) out += Value(*entry.map_value(), depth);
    if (Below(6) == 0) out += Stray(entry, depth);
    return out;
  }

  // A field the type does not declare, or a declared number with a wire
  // type its parser does not take.
  std::string Stray(const Descriptor& type, int depth) {
    int number = 1 + Below(40);
    if (Below(4) == 0) number = 1000 + Below(100000);
    const FieldDescriptor* field = type.FindFieldByNumber(number);
    const int wire_types[] = {0, 1, 2, 3, 5};
    int wire_type = wire_types[Below(5)];
    if (field == nullptr) {
      // An unknown number: any wire type.
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING ||
               field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (wire_type == 2) wire_type = 0;
    } else if (field->is_packable()) {
      // A repeated number takes its own wire type and packed runs.
      if (wire_type == 2 || wire_type == ScalarWireType(*field)) {
        wire_type = ScalarWireType(*field) == 0 ? 5 : 0;
      }
    } else if (wire_type == ScalarWireType(*field)) {
      wire_type = 2;  // A packed run of a singular field.
    }
    switch (wire_type) {
      case 0:
        return Tag(number, 0) + Varint(rng_());
      case 1:
        return Tag(number, 1) + std::string(8, 'x');
      case 5:
        return Tag(number, 5) + std::string(4, 'x');
      case 3: {
        std::string inner = depth < 5 ? Message(type, depth + 1) : "";
        return Tag(number, 3) + inner + Tag(number, 4);
      }
      default:
        return Field(number, Below(2) == 0 ? Text()
                                           : Message(type, depth + 1));
    }
  }

  std::mt19937_64 rng_;
  int keys_ = 0;
};

TEST(HasUnknownFieldsOnWireTest, AgreesWithProtobufOnGeneratedMessages) {
  google::protobuf::LogSilencer quiet;  // Refused UTF-8 would log a line.
  const Descriptor* types[] = {
      v1::PublishRequest::descriptor(),
      v1::SubscribeRequest::descriptor(),
      v1::ListUpdatesRequest::descriptor(),
      v1::GetSituationRequest::descriptor(),
      v1::GetIncidentRequest::descriptor(),
      google::protobuf::Struct::descriptor(),
  };
  for (const Descriptor* type : types) {
    WireFuzzer fuzzer(std::hash<std::string>()(type->full_name()));
    int kept = 0, none = 0, refused = 0;
    for (int i = 0; i < 3000; ++i) {
      const std::string bytes = fuzzer.Message(*type, 0);
      std::unique_ptr<Message> parsed = NewMessage(*type);
      if (!parsed->ParseFromString(bytes)) {
        ++refused;
        std::unique_ptr<Message> edge = NewMessage(*type);
        EXPECT_FALSE(ParseRequest(bytes, edge.get()).ok());
        continue;
      }
      const bool expected = ProtobufKeptUnknownFields(*parsed);
      const bool scanned = Scan(bytes, *type);
      // Never "none" where protobuf kept one: that field would be stored.
      ASSERT_TRUE(scanned || !expected)
          << type->full_name() << " message " << i << ", bytes "
          << absl::CHexEscape(bytes);
      // Nor "kept" where protobuf kept none (which would only cost a
      // DiscardUnknownFields): the fuzzer replaces no oneof member and no
      // map value.
      EXPECT_EQ(scanned, expected)
          << type->full_name() << " message " << i << ", bytes "
          << absl::CHexEscape(bytes);
      ++(expected ? kept : none);
      // And the edge stores exactly the known fields.
      std::unique_ptr<Message> edge = NewMessage(*type);
      ASSERT_TRUE(ParseRequest(bytes, edge.get()).ok());
      EXPECT_FALSE(ProtobufKeptUnknownFields(*edge));
      parsed->DiscardUnknownFields();
      EXPECT_EQ(Deterministic(*edge), Deterministic(*parsed));
    }
    // Both answers (and refusals) were exercised, many times.
    EXPECT_GT(kept, 300) << type->full_name();
    EXPECT_GT(none, 300) << type->full_name();
    EXPECT_GT(refused, 0) << type->full_name();
  }
}

}  // namespace
}  // namespace sitrep
