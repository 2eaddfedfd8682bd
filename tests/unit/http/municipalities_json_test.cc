#include "server/http/municipalities_json.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace sitrep {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

Struct Parsed() {
  Struct body;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(MunicipalitiesJson(), &body)
          .ok());
  return body;
}

const Struct* Find(const Struct& body, const std::string& id) {
  for (const Value& m : body.fields().at("municipalities").list_value().values()) {
    if (m.struct_value().fields().at("id").string_value() == id) {
      return &m.struct_value();
    }
  }
  return nullptr;
}

// The dashboard's map places an update without a point at its
// municipality's seat: every one of the 38 carries it.
TEST(MunicipalitiesJsonTest, EveryMunicipalityCarriesItsSeat) {
  const Struct body = Parsed();
  const auto& list = body.fields().at("municipalities").list_value();
  ASSERT_EQ(list.values_size(), 38);
  for (const Value& m : list.values()) {
    const auto& fields = m.struct_value().fields();
    ASSERT_TRUE(fields.contains("seat")) << fields.at("id").string_value();
    const auto& seat = fields.at("seat").struct_value().fields();
    EXPECT_FALSE(seat.at("name").string_value().empty());
    EXPECT_GT(seat.at("latitude").number_value(), 41.85);
    EXPECT_LT(seat.at("latitude").number_value(), 43.27);
    EXPECT_GT(seat.at("longitude").number_value(), 20.01);
    EXPECT_LT(seat.at("longitude").number_value(), 21.79);
  }
}

TEST(MunicipalitiesJsonTest, SeatIsTheDataFilesPoint) {
  const Struct body = Parsed();
  const Struct* zvecan = Find(body, "zvecan");
  ASSERT_NE(zvecan, nullptr);
  EXPECT_EQ(zvecan->fields().at("albanian").string_value(), "Zveçan");
  const auto& seat = zvecan->fields().at("seat").struct_value().fields();
  EXPECT_EQ(seat.at("name").string_value(), "Zvečan");
  EXPECT_DOUBLE_EQ(seat.at("latitude").number_value(), 42.9075);
  EXPECT_DOUBLE_EQ(seat.at("longitude").number_value(), 20.84028);
}

}  // namespace
}  // namespace sitrep
