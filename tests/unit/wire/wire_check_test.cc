#include "server/wire/wire_check.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/support/status_matchers.h"
#include "tests/support/wire_bytes.h"

namespace sitrep {
namespace {

using ::sitrep::testing::Field;
using ::sitrep::testing::IsOk;
using ::sitrep::testing::kLoneSurrogate;
using ::sitrep::testing::StatusIs;
using ::sitrep::testing::Tag;
using ::sitrep::testing::Varint;
using ::sitrep::testing::VarintField;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const google::protobuf::Descriptor& PublishRequestType() {
  return *v1::PublishRequest::descriptor();
}

// The message of the status, for StartsWith/HasSubstr.
std::string MessageOf(const absl::Status& status) {
  return std::string(status.message());
}

v1::PublishRequest ValidRequest() {
  v1::PublishRequest request;
  google::protobuf::TextFormat::ParseFromString(R"pb(
    update {
      event_id: "e-1"
      mission: MISSION_KFOR
      headline: "Road blocked"
      description: "Near the bridge"
      location { municipality: "Mitrovicë" point { latitude: 42.9 longitude: 20.8 } }
      labels { key: "unit" value: "kfor-1" }
      labels { key: "route" value: "r-7" }
    }
    expected_incident_version: 3
  )pb", &request);
  return request;
}

TEST(WireCheckTest, ValidRequestPasses) {
  EXPECT_THAT(CheckWireFormat(ValidRequest().SerializeAsString(),
                              PublishRequestType()),
              IsOk());
}

TEST(WireCheckTest, NamesAnInvalidHeadline) {
  const std::string update = Field(10, "Road \xC3 blocked");
  absl::Status status =
      CheckWireFormat(Field(1, update), PublishRequestType());
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               "update.headline: is not valid UTF-8 (a "
                               "truncated sequence at byte 5)"));
}

TEST(WireCheckTest, NamesALoneSurrogateInANestedField) {
  const std::string location =
      Field(1, absl::StrCat("Mitrovic", kLoneSurrogate));
  const std::string update = Field(10, "fine") + Field(12, location);
  absl::Status status =
      CheckWireFormat(Field(1, update), PublishRequestType());
  EXPECT_THAT(MessageOf(status),
              StartsWith("update.location.municipality: is not valid UTF-8 "
                         "(a UTF-16 surrogate at byte 8)"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(WireCheckTest, NamesTheBatchEntry) {
  const std::string good = Field(1, Field(10, "fine"));
  const std::string bad = Field(1, Field(11, absl::StrCat("x", kLoneSurrogate)));
  std::string request;
  for (int i = 0; i < 3; ++i) request += Field(3, good);
  request += Field(3, bad) + Field(3, good);
  EXPECT_THAT(MessageOf(CheckWireFormat(request, PublishRequestType())),
              StartsWith("batch[3].update.description: is not valid UTF-8"));
}

TEST(WireCheckTest, IndexesRepeatedStringsOfAFilter) {
  const std::string filter = Field(5, "Prishtinë") + VarintField(1, 1) +
                             Field(5, "Pej\xEB") + Field(5, "Gjilan");
  const std::string request = Field(1, filter);
  EXPECT_THAT(
      MessageOf(CheckWireFormat(request, *v1::SubscribeRequest::descriptor())),
      StartsWith("filter.municipalities[1]: is not valid UTF-8"));
  EXPECT_THAT(MessageOf(CheckWireFormat(
                  request, *v1::ListUpdatesRequest::descriptor())),
              StartsWith("filter.municipalities[1]: "));
  EXPECT_THAT(MessageOf(CheckWireFormat(
                  request, *v1::GetSituationRequest::descriptor())),
              StartsWith("filter.municipalities[1]: "));
}

TEST(WireCheckTest, NamesAMapValueByItsKeyAndAMapKeyByTheMap) {
  const std::string bad_value =
      Field(13, Field(1, "unit") + Field(2, kLoneSurrogate));
  EXPECT_THAT(MessageOf(CheckWireFormat(Field(1, bad_value),
                                        PublishRequestType())),
              StartsWith("update.labels[\"unit\"]: is not valid UTF-8"));
  // The value may come before the key.
  const std::string value_first =
      Field(13, Field(2, "\xFF") + Field(1, "route"));
  EXPECT_THAT(MessageOf(CheckWireFormat(Field(1, value_first),
                                        PublishRequestType())),
              StartsWith("update.labels[\"route\"]: is not valid UTF-8 (a "
                         "byte that never occurs in UTF-8 at byte 0)"));
  const std::string bad_key =
      Field(13, Field(1, absl::StrCat("u", kLoneSurrogate)) + Field(2, "x"));
  EXPECT_THAT(MessageOf(CheckWireFormat(Field(1, bad_key),
                                        PublishRequestType())),
              StartsWith("update.labels: a key is not valid UTF-8"));
}

TEST(WireCheckTest, ChecksPackedRuns) {
  // filter.missions packed: 1, 2, then a varint cut off.
  const std::string filter = Field(1, "\x01\x02\x83");
  EXPECT_THAT(MessageOf(CheckWireFormat(
                  Field(1, filter), *v1::SubscribeRequest::descriptor())),
              StartsWith("filter.missions: a packed varint is truncated"));
  EXPECT_THAT(CheckWireFormat(Field(1, Field(1, "\x01\x02\x03")),
                              *v1::SubscribeRequest::descriptor()),
              IsOk());
}

TEST(WireCheckTest, NamesTheFieldATruncationCutsOff) {
  const std::string update = Field(10, "Road blocked");
  const std::string request = Field(1, update);
  // Cut inside the headline's bytes: the outer length now overruns.
  EXPECT_THAT(MessageOf(CheckWireFormat(request.substr(0, request.size() - 3),
                                        PublishRequestType())),
              StartsWith("update: the message ends inside this field"));
  // A length that overruns its message, inside a well-framed update.
  const std::string short_inner = Tag(10, 2) + Varint(40) + "Road";
  EXPECT_THAT(MessageOf(CheckWireFormat(Field(1, short_inner),
                                        PublishRequestType())),
              StartsWith("update.headline: the message ends inside this "
                         "field (truncated)"));
  EXPECT_THAT(MessageOf(CheckWireFormat("\x0A", PublishRequestType())),
              StartsWith("update: the message ends inside this field"));
  EXPECT_THAT(MessageOf(CheckWireFormat("\x80", PublishRequestType())),
              StartsWith("request: the message ends inside a field tag"));
}

TEST(WireCheckTest, RefusesMalformedTags) {
  EXPECT_THAT(MessageOf(CheckWireFormat(Tag(5, 7) + "x", PublishRequestType())),
              StartsWith("request: field 5 has wire type 7"));
  EXPECT_THAT(MessageOf(CheckWireFormat(Tag(0, 0) + "\x01",
                                        PublishRequestType())),
              StartsWith("request: a field has the number 0"));
  EXPECT_THAT(MessageOf(CheckWireFormat(Tag(9, 4), PublishRequestType())),
              StartsWith("request: an end-group tag without its start"));
  EXPECT_THAT(
      MessageOf(CheckWireFormat(Tag(9, 0) + std::string(10, '\xFF') + "\x01",
                                PublishRequestType())),
      StartsWith("request: a varint is longer than 10 bytes"));
}

TEST(WireCheckTest, SkipsUnknownFieldsAndWrongWireTypesAsProtobufDoes) {
  // Field 2 (mission) as a string and 102 (publisher) as fixed64: unknown
  // to protobuf, even with bytes that are not UTF-8; an unknown group too.
  const std::string update = Field(10, "fine") + Field(2, "\xFF\xFE") +
                             Tag(102, 1) + "\x07kp-desk" + Tag(900, 3) +
                             Field(1, "\xFF") + Tag(900, 4);
  v1::PublishRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Field(1, update)));
  EXPECT_THAT(CheckWireFormat(Field(1, update), PublishRequestType()), IsOk());
  EXPECT_THAT(MessageOf(CheckWireFormat(Field(1, Tag(900, 3) + "\x08\x01"),
                                        PublishRequestType())),
              StartsWith("update: the message ends inside a group"));
}

TEST(WireCheckTest, RefusesNestingDeeperThanProtobuf) {
  std::string request = Field(1, Field(10, "deep"));
  for (int i = 0; i < 101; ++i) request = Field(3, request);
  v1::PublishRequest parsed;
  ASSERT_FALSE(parsed.ParseFromString(request));
  const std::string message =
      MessageOf(CheckWireFormat(request, PublishRequestType()));
  EXPECT_THAT(message, StartsWith("batch[0].batch[0]."));
  EXPECT_THAT(message, HasSubstr("nested deeper than 100 levels"));
}

// Packed fixed-width runs and proto2 strings, which sitrep's own messages
// do not have: a message built at run time.
TEST(WireCheckTest, FollowsFixedWidthPackingAndProto2Strings) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    name: "wire_check_test.proto"
    package: "test"
    syntax: "proto2"
    message_type {
      name: "Old"
      field { name: "text" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
      field {
        name: "values" number: 2 type: TYPE_FIXED32 label: LABEL_REPEATED
        options { packed: true }
      }
    }
  )pb", &file));
  google::protobuf::DescriptorPool pool;
  const google::protobuf::FileDescriptor* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  const google::protobuf::Descriptor& old = *built->message_type(0);
  EXPECT_THAT(CheckWireFormat(Field(1, "\xFF"), old), IsOk());
  EXPECT_THAT(CheckWireFormat(Field(2, "12345678"), old), IsOk());
  EXPECT_THAT(MessageOf(CheckWireFormat(Field(2, "1234567"), old)),
              StartsWith("values: packed values of 4 bytes each take 7"));
}

TEST(SplitTopLevelTest, SplitsAnUnparsableMessageIntoItsFields) {
  const std::string bad = Field(1, Field(10, kLoneSurrogate));
  const std::string request =
      Field(3, bad) + VarintField(2, 7) + Field(3, "ok");
  absl::StatusOr<std::vector<TopLevelField>> fields = SplitTopLevel(request);
  ASSERT_THAT(fields, IsOk());
  ASSERT_EQ(fields->size(), 3u);
  EXPECT_EQ((*fields)[0].number, 3);
  EXPECT_EQ((*fields)[0].wire_type, 2);
  EXPECT_EQ((*fields)[0].payload, bad);
  EXPECT_EQ((*fields)[1].number, 2);
  EXPECT_EQ((*fields)[1].wire_type, 0);
  EXPECT_EQ((*fields)[2].payload, "ok");
  EXPECT_THAT(SplitTopLevel(request.substr(0, request.size() - 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "request: "));
  EXPECT_THAT(SplitTopLevel(Tag(3, 7)),
              StatusIs(absl::StatusCode::kInvalidArgument, "request: "));
}

// Protobuf and the walk agree on which bytes are a message, over every cut
// and thousands of mutations of a request with every kind of field: when
// protobuf refuses bytes, the walk names a reason (and when it accepts
// them, the walk finds none).
TEST(WireCheckTest, AgreesWithProtobufOnCutsAndMutations) {
  v1::PublishRequest request = ValidRequest();
  *request.add_batch() = ValidRequest();
  request.mutable_batch(0)->mutable_update()->set_headline("Rruga e bllokuar ë");
  const std::string bytes = request.SerializeAsString();
  const std::string filter_bytes = [] {
    v1::SubscribeRequest subscribe;
    subscribe.mutable_filter()->add_missions(v1::MISSION_KFOR);
    subscribe.mutable_filter()->add_missions(v1::MISSION_EULEX);
    subscribe.mutable_filter()->add_municipalities("Pejë");
    subscribe.set_after_sequence(300);
    return subscribe.SerializeAsString();
  }();
  auto agree = [](const std::string& input,
                  const google::protobuf::Message& prototype) {
    std::unique_ptr<google::protobuf::Message> message(prototype.New());
    const bool parses = message->ParseFromString(input);
    const bool walks =
        CheckWireFormat(input, *prototype.GetDescriptor()).ok();
    return parses == walks;
  };
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_TRUE(agree(bytes.substr(0, cut), v1::PublishRequest::default_instance()))
        << "cut at " << cut;
  }
  std::mt19937 random(20261206);
  const std::string interesting = std::string("\x00\x01\x02\x07\x08\x0A\x0F\x7F\x80\xC3\xED\xA0\xFF", 13);
  int checked = 0;
  for (int round = 0; round < 20000; ++round) {
    const bool publish = round % 2 == 0;
    std::string input = publish ? bytes : filter_bytes;
    const int mutations = 1 + static_cast<int>(random() % 3);
    for (int m = 0; m < mutations; ++m) {
      const size_t at = random() % input.size();
      input[at] = random() % 2 == 0 ? interesting[random() % interesting.size()]
                                    : static_cast<char>(random());
    }
    const google::protobuf::Message& prototype =
        publish ? static_cast<const google::protobuf::Message&>(
                      v1::PublishRequest::default_instance())
                : v1::SubscribeRequest::default_instance();
    ASSERT_TRUE(agree(input, prototype))
        << "round " << round << ": "
        << CheckWireFormat(input, *prototype.GetDescriptor());
    ++checked;
  }
  EXPECT_EQ(checked, 20000);
}

}  // namespace
}  // namespace sitrep
