#include "server/api/grpc_status.h"

#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sitrep {
namespace {

using google::protobuf::io::CodedInputStream;

// Reads the length-delimited field `number` of a message (the first one).
std::string Field(const std::string& message, int number) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(message.data()),
                      static_cast<int>(message.size()));
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    const int field = static_cast<int>(tag >> 3);
    if ((tag & 7) == 2) {
      uint32_t length = 0;
      std::string value;
      in.ReadVarint32(&length);
      in.ReadString(&value, static_cast<int>(length));
      if (field == number) return value;
    } else {
      uint64_t ignored;
      in.ReadVarint64(&ignored);
    }
  }
  return "";
}

TEST(GrpcStatusTest, CodesMapOneToOne) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::AlreadyExistsError("x")).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::OutOfRangeError("x")).error_message(), "x");
}

TEST(GrpcStatusTest, FieldIsTheLeadingPathOfTheMessage) {
  EXPECT_EQ(FieldOfMessage("update.headline: is required"), "update.headline");
  EXPECT_EQ(FieldOfMessage("update.labels[\"k\"]: too long"),
            "update.labels[\"k\"]");
  EXPECT_EQ(FieldOfMessage("the server is shutting down: retry"), "");
  EXPECT_EQ(FieldOfMessage("no colon here"), "");
}

TEST(GrpcStatusTest, InvalidArgumentCarriesABadRequestNamingTheField) {
  grpc::Status status = ToGrpcStatus(
      absl::InvalidArgumentError("update.headline: is required"));
  // google.rpc.Status{code=3, message, details=[Any{BadRequest}]}
  const std::string& details = status.error_details();
  ASSERT_FALSE(details.empty());
  EXPECT_EQ(Field(details, 2), "update.headline: is required");
  const std::string any = Field(details, 3);
  EXPECT_EQ(Field(any, 1), "type.googleapis.com/google.rpc.BadRequest");
  const std::string violation = Field(Field(any, 2), 1);
  EXPECT_EQ(Field(violation, 1), "update.headline");
  EXPECT_EQ(Field(violation, 2), "is required");
}

TEST(GrpcStatusTest, OtherErrorsCarryNoDetails) {
  EXPECT_TRUE(ToGrpcStatus(absl::AlreadyExistsError("update.event_id: used"))
                  .error_details()
                  .empty());
}

TEST(GrpcStatusTest, ErrorStatusForAStreamNamesTheField) {
  v1::ErrorStatus error =
      ToErrorStatus(absl::InvalidArgumentError("update.kind: bad"));
  EXPECT_EQ(error.code(), 3);
  EXPECT_EQ(error.field(), "update.kind");
  EXPECT_EQ(error.message(), "update.kind: bad");
}

}  // namespace
}  // namespace sitrep
