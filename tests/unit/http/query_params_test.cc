#include "server/http/query_params.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sitrep/v1/situation_feed.pb.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

absl::Status Apply(absl::string_view query, google::protobuf::Message* message,
                   const std::vector<std::string>& ignored = {}) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  return ApplyQuery(*params, ignored, message);
}

TEST(ParseQueryTest, DecodesPercentAndPlusInOrder) {
  absl::StatusOr<std::vector<QueryParam>> params =
      ParseQuery("a=1&b=Mitrovica+North&c=%C3%87ak%20&flag&&d=");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_THAT(*params, ElementsAre(Pair("a", "1"), Pair("b", "Mitrovica North"),
                                   Pair("c", "Çak "), Pair("flag", ""),
                                   Pair("d", "")));
}

TEST(ParseQueryTest, BadEscapeIsInvalidArgument) {
  for (const char* query : {"a=%", "a=%4", "a=%G1", "%zz=1"}) {
    EXPECT_EQ(ParseQuery(query).status().code(),
              absl::StatusCode::kInvalidArgument)
        << query;
  }
}

TEST(ApplyQueryTest, FilterFieldsByProtoOrJsonName) {
  v1::ListUpdatesRequest request;
  ASSERT_THAT(Apply(
      "filter.missions=kfor&filter.missions=MISSION_EULEX&filter.missions=3"
      "&filter.minSeverity=severe&filter.municipalities=Zve%C3%A7an"
      "&filter.label_selector=source%3Dpatrol&filter.bounding_box.min_latitude="
      "42.5&page_size=20&descending=true&filter.kinds=request-support",
      &request), sitrep::testing::IsOk());
  EXPECT_EQ(request.filter().missions_size(), 3);
  EXPECT_EQ(request.filter().missions(0), v1::MISSION_KFOR);
  EXPECT_EQ(request.filter().missions(1), v1::MISSION_EULEX);
  EXPECT_EQ(request.filter().min_severity(), v1::SEVERITY_SEVERE);
  EXPECT_THAT(request.filter().municipalities(), ElementsAre("Zveçan"));
  EXPECT_EQ(request.filter().label_selector(), "source=patrol");
  EXPECT_DOUBLE_EQ(request.filter().bounding_box().min_latitude(), 42.5);
  EXPECT_EQ(request.page_size(), 20);
  EXPECT_TRUE(request.descending());
  EXPECT_THAT(request.filter().kinds(), ElementsAre(v1::KIND_REQUEST_SUPPORT));
}

// The CLI's aliases too (common/enum_names.h): one spelling rule for flags,
// JSON input and query parameters.
TEST(ApplyQueryTest, EnumsTakeTheFlagsAliases) {
  v1::ListUpdatesRequest request;
  ASSERT_THAT(Apply("filter.missions=kp&filter.roles=third&filter.kinds=ack"
                    "&filter.categories=border",
                    &request),
              sitrep::testing::IsOk());
  EXPECT_THAT(request.filter().missions(), ElementsAre(v1::MISSION_KOSOVO_POLICE));
  EXPECT_THAT(request.filter().roles(), ElementsAre(v1::ROLE_THIRD_RESPONDER));
  EXPECT_THAT(request.filter().kinds(), ElementsAre(v1::KIND_ACKNOWLEDGE));
  EXPECT_THAT(request.filter().categories(),
              ElementsAre(v1::CATEGORY_BORDER_CROSSING));
}

TEST(ApplyQueryTest, TimestampsAndDurations) {
  v1::SubscribeRequest subscribe;
  ASSERT_THAT(Apply("since_time=2026-11-28T10:00:00Z&heartbeat_interval=1m30s",
                  &subscribe), sitrep::testing::IsOk());
  EXPECT_EQ(subscribe.since_time().seconds(), 1795860000);
  EXPECT_EQ(subscribe.heartbeat_interval().seconds(), 90);
  v1::SubscribeRequest fraction;
  ASSERT_THAT(Apply("heartbeat_interval=1.5s", &fraction), sitrep::testing::IsOk());
  EXPECT_EQ(fraction.heartbeat_interval().seconds(), 1);
  EXPECT_EQ(fraction.heartbeat_interval().nanos(), 500000000);
}

TEST(ApplyQueryTest, ErrorsNameTheParameter) {
  struct Case {
    const char* query;
    const char* message;
  };
  for (const Case& c : {
           Case{"filter.missions=nato", "filter.missions: 'nato' is not a Mission"},
           Case{"colour=red", "colour: unknown parameter"},
           Case{"filter.colour=red", "filter.colour: unknown parameter"},
           Case{"page_size=1e3", "page_size: '1e3' is not an integer"},
           Case{"descending=maybe", "descending: 'maybe' is not true or false"},
           Case{"page_size=1&page_size=2", "page_size: given twice"},
           Case{"filter=x", "filter: a message field"},
           Case{"page_size.x=1", "'page_size' has no fields"},
           Case{"start_time=noon", "start_time: 'noon' is not an RFC 3339"},
           Case{"start_time=2026-01-01T00:00:00Z&page_size=1&page_size=1",
                "page_size: given twice"},
           Case{"filter.label_selector=%FF", "filter.label_selector: is not valid UTF-8"},
           // A lone surrogate, as a JavaScript string may hold one.
           Case{"filter.municipalities=Pej%C3%AB&filter.municipalities=x%ED%A0%80",
                "filter.municipalities: is not valid UTF-8 (a UTF-16 surrogate "
                "at byte 1)"},
       }) {
    v1::ListUpdatesRequest request;
    absl::Status status = Apply(c.query, &request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.query;
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.query;
  }
}

TEST(ApplyQueryTest, DurationsBeyondWhatProtobufHoldsAreRefused) {
  v1::SubscribeRequest subscribe;
  absl::Status status = Apply("heartbeat_interval=8888888881m30s", &subscribe);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("heartbeat_interval"));
}

TEST(ApplyQueryTest, OneStartOnly) {
  v1::SubscribeRequest subscribe;
  absl::Status status = Apply("from_now=true&after_sequence=4", &subscribe);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("only one of the 'start'"));
  v1::SubscribeRequest one;
  ASSERT_THAT(Apply("after_sequence=4", &one), sitrep::testing::IsOk());
  EXPECT_EQ(one.after_sequence(), 4u);
}

TEST(ApplyQueryTest, IgnoredParametersAreSkipped) {
  v1::SubscribeRequest subscribe;
  ASSERT_THAT(Apply("last_event_id=7&from_beginning=true", &subscribe,
                  {"last_event_id"}), sitrep::testing::IsOk());
  EXPECT_TRUE(subscribe.from_beginning());
}

}  // namespace
}  // namespace sitrep
