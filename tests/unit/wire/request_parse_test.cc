#include "server/wire/request_parse.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
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
using ::sitrep::testing::VarintField;

v1::PublishRequest KforUpdate() {
  v1::PublishRequest request;
  google::protobuf::TextFormat::ParseFromString(R"pb(
    update {
      mission: MISSION_KFOR
      headline: "Patrol"
      location { municipality: "Zubin Potok" }
      labels { key: "unit" value: "kfor-1" }
    }
  )pb", &request);
  return request;
}

// What a hostile publisher appends to an update: fields numbered like the
// server-set ones and `mission`, with another wire type, so that protobuf
// keeps them as unknown fields while protobufjs reads them as the real
// ones (the last occurrence wins there, whatever its wire type).
std::string SpoofingFields() {
  return Tag(2, 5) + std::string("\x03\x78\x80\x01", 4) +  // mission = 3 (KP)
         Tag(102, 1) + "\x07kp-desk" +                     // publisher
         Tag(100, 1) + std::string("\x07\x7A\x05zzzzz", 8) +  // sequence 7
         Tag(101, 1) + std::string("\x07\x08\x01\x7A\x03zzz", 8) +  // received_at
         Tag(103, 5) + std::string("\x09\x78\x80\x01", 4);  // incident_version
}

TEST(ParseRequestTest, ParsesAValidRequest) {
  const v1::PublishRequest sent = KforUpdate();
  v1::PublishRequest parsed;
  ASSERT_THAT(ParseRequest(sent.SerializeAsString(), &parsed), IsOk());
  EXPECT_EQ(parsed.SerializeAsString(), sent.SerializeAsString());
}

TEST(ParseRequestTest, DropsUnknownFieldsAtEveryDepth) {
  const std::string update =
      KforUpdate().update().SerializeAsString() + SpoofingFields();
  const std::string location_with_unknown =
      Field(12, Field(1, "Zubin Potok") + VarintField(77, 1));
  std::string request = Field(1, update + location_with_unknown) +
                        Field(3, Field(1, update)) + VarintField(99, 5);
  v1::PublishRequest parsed;
  ASSERT_THAT(ParseRequest(request, &parsed), IsOk());
  EXPECT_TRUE(parsed.GetReflection()->GetUnknownFields(parsed).empty());
  EXPECT_TRUE(parsed.update().GetReflection()
                  ->GetUnknownFields(parsed.update())
                  .empty());
  EXPECT_TRUE(parsed.update().location().GetReflection()
                  ->GetUnknownFields(parsed.update().location())
                  .empty());
  EXPECT_TRUE(parsed.batch(0).update().GetReflection()
                  ->GetUnknownFields(parsed.batch(0).update())
                  .empty());
  // What would be stored is exactly the known fields.
  v1::PublishRequest expected = KforUpdate();
  *expected.add_batch() = KforUpdate();
  EXPECT_EQ(parsed.SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(parsed.update().mission(), v1::MISSION_KFOR);
}

TEST(ParseRequestTest, ALargeUnknownFieldIsNotKept) {
  const std::string update = KforUpdate().update().SerializeAsString() +
                             Field(5000, std::string(1 << 20, 'x'));
  v1::PublishRequest parsed;
  ASSERT_THAT(ParseRequest(Field(1, update), &parsed), IsOk());
  EXPECT_LT(parsed.ByteSizeLong(), 100u);
  EXPECT_LT(parsed.SpaceUsedLong(), 4096u);
}

TEST(ParseRequestTest, InvalidBytesNameTheFieldAndClearTheMessage) {
  v1::PublishRequest parsed = KforUpdate();
  const std::string request =
      Field(1, Field(12, Field(1, absl::StrCat("Zve", kLoneSurrogate, "an"))));
  EXPECT_THAT(ParseRequest(request, &parsed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update.location.municipality: is not valid UTF-8 (a "
                       "UTF-16 surrogate at byte 3)"));
  EXPECT_EQ(parsed.ByteSizeLong(), 0u);
}

// Counts protobuf's log lines while alive.
class ProtobufLogCounter {
 public:
  ProtobufLogCounter() { previous_ = google::protobuf::SetLogHandler(&Count); }
  ~ProtobufLogCounter() { google::protobuf::SetLogHandler(previous_); }
  static int lines() { return lines_; }

 private:
  static void Count(google::protobuf::LogLevel, const char*, int,
                    const std::string&) {
    ++lines_;
  }
  static inline int lines_ = 0;
  google::protobuf::LogHandler* previous_;
};

TEST(ParseRequestTest, RefusedStringsWriteNoLogLine) {
  ProtobufLogCounter counter;
  v1::PublishRequest parsed;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(
        ParseRequest(Field(1, Field(10, kLoneSurrogate)), &parsed).ok());
  }
  EXPECT_EQ(ProtobufLogCounter::lines(), 0);
  // Protobuf itself would have written one per refusal.
  EXPECT_FALSE(parsed.ParseFromString(Field(1, Field(10, kLoneSurrogate))));
  EXPECT_EQ(ProtobufLogCounter::lines(), 1);
}

TEST(ParseRequestTest, RefusesTruncatedBytes) {
  const std::string bytes = KforUpdate().SerializeAsString();
  v1::PublishRequest parsed;
  EXPECT_THAT(ParseRequest(bytes.substr(0, bytes.size() - 2), &parsed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "update: the message ends inside this field"));
}

}  // namespace
}  // namespace sitrep
