// ListUpdates against a real sitrepd: paging (every matching update exactly
// once, in either order), filters, sequence and time ranges, and the
// INVALID_ARGUMENT cases (page token, page size, filter), each naming the
// field to fix.
#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/feed_calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_server.h"
#include "tests/support/updates.h"

namespace sitrep::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::StartsWith;

constexpr int kUpdates = 30;

const v1::Mission kMissions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                 v1::MISSION_KOSOVO_POLICE};
const v1::Severity kSeverities[] = {v1::SEVERITY_MINOR, v1::SEVERITY_MODERATE,
                                    v1::SEVERITY_SEVERE, v1::SEVERITY_EXTREME};

// Update i (sequence i + 1) of the data set: missions, severities,
// municipalities and labels cycle with different periods so that every
// filter selects an irregular subset.
v1::SituationUpdate DataSetUpdate(int i) {
  v1::SituationUpdate update =
      PatrolUpdate(kMissions[i % 3], absl::StrCat("update ", i));
  update.set_severity(kSeverities[i % 4]);
  update.mutable_location()->set_municipality(i % 2 == 0 ? "Mitrovicë"
                                                         : "Prizren");
  if (i % 5 == 0) {
    (*update.mutable_labels())["route"] = "R7";
  } else if (i % 5 == 1) {
    (*update.mutable_labels())["route"] = "R1";
  }  // else: no route label
  return update;
}

class ListUpdatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kUpdates; ++i) {
      ASSERT_EQ(MustPublish(*stub_, DataSetUpdate(i)),
                static_cast<uint64_t>(i + 1));
    }
  }

  // The sequences of the data set whose update satisfies `pred`.
  static std::vector<uint64_t> Expected(
      const std::function<bool(const v1::SituationUpdate&)>& pred) {
    std::vector<uint64_t> sequences;
    for (int i = 0; i < kUpdates; ++i) {
      if (pred(DataSetUpdate(i))) sequences.push_back(i + 1);
    }
    return sequences;
  }

  std::vector<uint64_t> ListedSequences(const v1::ListUpdatesRequest& request) {
    absl::StatusOr<std::vector<v1::SituationUpdate>> updates =
        ListAll(*stub_, request);
    EXPECT_THAT(updates, IsOk());
    return updates.ok() ? Sequences(*updates) : std::vector<uint64_t>();
  }

  TestServer server_;
  std::unique_ptr<v1::SituationFeed::Stub> stub_ = server_.NewStub();
};

TEST_F(ListUpdatesTest, PagesConcatenateToEveryUpdateExactlyOnceInOrder) {
  v1::ListUpdatesRequest request;
  request.set_page_size(7);
  absl::StatusOr<std::vector<v1::ListUpdatesResponse>> pages =
      ListAllPages(*stub_, request);
  ASSERT_THAT(pages, IsOk());
  std::vector<uint64_t> sequences;
  for (const v1::ListUpdatesResponse& page : *pages) {
    EXPECT_THAT(page.updates_size(), Le(7));
    EXPECT_EQ(page.head_sequence(), static_cast<uint64_t>(kUpdates));
    EXPECT_EQ(page.oldest_sequence(), 1u);
    EXPECT_EQ(page.log_id(), server_.server().log_id());
    for (const v1::SituationUpdate& update : page.updates()) {
      sequences.push_back(update.sequence());
    }
  }
  EXPECT_THAT(sequences, ElementsAreArray(SequenceRange(1, kUpdates)));
  EXPECT_THAT(pages->size(), Le(5u)) << "30 updates in pages of 7";
  // The updates are the stored ones, server fields and all.
  absl::StatusOr<v1::ListUpdatesResponse> first = ListUpdates(*stub_, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_GT(first->updates_size(), 0);
  EXPECT_EQ(first->updates(0).headline(), "update 0");
  EXPECT_EQ(first->updates(0).publisher(), "anonymous");
  EXPECT_EQ(first->updates(0).location().municipality(), "mitrovice");
  EXPECT_TRUE(first->updates(0).has_received_at());
}

TEST_F(ListUpdatesTest, DescendingPagesGoNewestFirst) {
  v1::ListUpdatesRequest request;
  request.set_page_size(8);
  request.set_descending(true);
  std::vector<uint64_t> expected = SequenceRange(1, kUpdates);
  std::reverse(expected.begin(), expected.end());
  EXPECT_THAT(ListedSequences(request), ElementsAreArray(expected));
}

TEST_F(ListUpdatesTest, PageSizeMayChangeBetweenPages) {
  v1::ListUpdatesRequest request;
  request.set_page_size(4);
  absl::StatusOr<v1::ListUpdatesResponse> first = ListUpdates(*stub_, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  request.set_page_size(100);
  absl::StatusOr<v1::ListUpdatesResponse> rest = ListUpdates(*stub_, request);
  ASSERT_THAT(rest, IsOk());
  EXPECT_THAT(Sequences({rest->updates().begin(), rest->updates().end()}),
              ElementsAreArray(SequenceRange(5, kUpdates)));
  EXPECT_THAT(rest->next_page_token(), IsEmpty());
}

TEST_F(ListUpdatesTest, PageThatEndsAtTheHeadIsTheLastOne) {
  v1::ListUpdatesRequest request;
  request.set_page_size(kUpdates);
  absl::StatusOr<v1::ListUpdatesResponse> page = ListUpdates(*stub_, request);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->updates_size(), kUpdates);
  EXPECT_THAT(page->next_page_token(), IsEmpty());
}

struct FilterCase {
  std::string name;
  std::string filter;  // text proto of sitrep.v1.Filter
  std::function<bool(const v1::SituationUpdate&)> expected;
};

void PrintTo(const FilterCase& c, std::ostream* os) { *os << c.name; }

class ListUpdatesFilterTest
    : public ListUpdatesTest,
      public ::testing::WithParamInterface<FilterCase> {};

TEST_P(ListUpdatesFilterTest, ListsExactlyTheMatchingUpdatesAcrossPages) {
  const FilterCase& c = GetParam();
  const std::vector<uint64_t> expected = Expected(c.expected);
  ASSERT_FALSE(expected.empty()) << "a case that selects nothing tests little";
  for (bool descending : {false, true}) {
    SCOPED_TRACE(descending ? "descending" : "ascending");
    v1::ListUpdatesRequest request;
    *request.mutable_filter() = FilterFromText(c.filter);
    request.set_page_size(3);
    request.set_descending(descending);
    std::vector<uint64_t> want = expected;
    if (descending) std::reverse(want.begin(), want.end());
    EXPECT_THAT(ListedSequences(request), ElementsAreArray(want));
  }
}

bool InMitrovica(const v1::SituationUpdate& u) {
  return u.location().municipality() == "Mitrovicë";
}
const std::string* Route(const v1::SituationUpdate& u) {
  auto it = u.labels().find("route");
  return it == u.labels().end() ? nullptr : &it->second;
}

INSTANTIATE_TEST_SUITE_P(
    Filters, ListUpdatesFilterTest,
    ::testing::Values(
        FilterCase{"Empty", "", [](const auto&) { return true; }},
        FilterCase{"Mission", R"pb(missions: MISSION_EULEX)pb",
                   [](const auto& u) {
                     return u.mission() == v1::MISSION_EULEX;
                   }},
        FilterCase{"AnyOfTwoMissions",
                   R"pb(missions: MISSION_KFOR missions: MISSION_KOSOVO_POLICE)pb",
                   [](const auto& u) {
                     return u.mission() != v1::MISSION_EULEX;
                   }},
        FilterCase{"MinSeverity", R"pb(min_severity: SEVERITY_SEVERE)pb",
                   [](const auto& u) {
                     return u.severity() >= v1::SEVERITY_SEVERE;
                   }},
        FilterCase{"MunicipalityInAlbanian",
                   R"pb(municipalities: "Mitrovicë")pb", InMitrovica},
        FilterCase{"MunicipalityInEnglish", R"pb(municipalities: "Mitrovica")pb",
                   InMitrovica},
        FilterCase{"MunicipalityInSerbian",
                   R"pb(municipalities: "Kosovska Mitrovica")pb", InMitrovica},
        FilterCase{"MunicipalityInCyrillic",
                   R"pb(municipalities: "Косовска Митровица")pb", InMitrovica},
        FilterCase{"MunicipalityByIdInUpperCase",
                   R"pb(municipalities: "MITROVICE")pb", InMitrovica},
        FilterCase{"LabelEquals", R"pb(label_selector: "route=R7")pb",
                   [](const auto& u) {
                     return Route(u) != nullptr && *Route(u) == "R7";
                   }},
        FilterCase{"LabelNotEqualsIncludesAbsent",
                   R"pb(label_selector: "route!=R7")pb",
                   [](const auto& u) {
                     return Route(u) == nullptr || *Route(u) != "R7";
                   }},
        FilterCase{"LabelIn", R"pb(label_selector: "route in (R1, R9)")pb",
                   [](const auto& u) {
                     return Route(u) != nullptr && *Route(u) == "R1";
                   }},
        FilterCase{"LabelAbsent", R"pb(label_selector: "!route")pb",
                   [](const auto& u) { return Route(u) == nullptr; }},
        FilterCase{"AndAcrossFields", R"pb(
                     missions: MISSION_KFOR
                     municipalities: "Prizren"
                     min_severity: SEVERITY_MODERATE
                   )pb",
                   [](const auto& u) {
                     return u.mission() == v1::MISSION_KFOR &&
                            !InMitrovica(u) &&
                            u.severity() >= v1::SEVERITY_MODERATE;
                   }}),
    [](const ::testing::TestParamInfo<FilterCase>& info) {
      return info.param.name;
    });

TEST_F(ListUpdatesTest, SequenceRangeIsInclusiveAtBothEnds) {
  v1::ListUpdatesRequest request;
  request.set_start_sequence(5);
  request.set_end_sequence(9);
  request.set_page_size(2);
  EXPECT_THAT(ListedSequences(request), ElementsAreArray(SequenceRange(5, 9)));

  v1::ListUpdatesRequest from;
  from.set_start_sequence(25);
  EXPECT_THAT(ListedSequences(from),
              ElementsAreArray(SequenceRange(25, kUpdates)));

  v1::ListUpdatesRequest until;
  until.set_end_sequence(3);
  until.set_descending(true);
  EXPECT_THAT(ListedSequences(until), ElementsAreArray({3, 2, 1}));

  v1::ListUpdatesRequest beyond;
  beyond.set_start_sequence(kUpdates + 10);
  EXPECT_THAT(ListedSequences(beyond), IsEmpty());
}

TEST_F(ListUpdatesTest, StartSequenceAfterEndSequenceIsInvalidArgument) {
  v1::ListUpdatesRequest request;
  request.set_start_sequence(9);
  request.set_end_sequence(5);
  absl::StatusOr<v1::ListUpdatesResponse> response =
      ListUpdates(*stub_, request);
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(std::string(response.status().message()),
              StartsWith("start_sequence"));
}

TEST_F(ListUpdatesTest, TimeRangeSelectsByReceivedAtStartInclusiveEndExclusive) {
  absl::StatusOr<std::vector<v1::SituationUpdate>> all =
      ListAll(*stub_, v1::ListUpdatesRequest());
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), static_cast<size_t>(kUpdates));
  // Bounds taken from stored received_at values; ties between neighbours
  // are possible, so the expectation is computed from the same values.
  const google::protobuf::Timestamp start = (*all)[9].received_at();
  const google::protobuf::Timestamp end = (*all)[19].received_at();
  auto received = [](const v1::SituationUpdate& u) {
    return FromProtoTime(u.received_at());
  };
  std::vector<uint64_t> in_range, at_or_after, before;
  for (const v1::SituationUpdate& u : *all) {
    const bool after_start = received(u) >= FromProtoTime(start);
    const bool before_end = received(u) < FromProtoTime(end);
    if (after_start && before_end) in_range.push_back(u.sequence());
    if (after_start) at_or_after.push_back(u.sequence());
    if (before_end) before.push_back(u.sequence());
  }

  v1::ListUpdatesRequest request;
  *request.mutable_start_time() = start;
  *request.mutable_end_time() = end;
  request.set_page_size(4);
  EXPECT_THAT(ListedSequences(request), ElementsAreArray(in_range));

  v1::ListUpdatesRequest only_start;
  *only_start.mutable_start_time() = start;
  EXPECT_THAT(ListedSequences(only_start), ElementsAreArray(at_or_after));

  v1::ListUpdatesRequest only_end;
  *only_end.mutable_end_time() = end;
  EXPECT_THAT(ListedSequences(only_end), ElementsAreArray(before));

  v1::ListUpdatesRequest future;
  *future.mutable_start_time() = ToProtoTime(absl::Now() + absl::Hours(1));
  EXPECT_THAT(ListedSequences(future), IsEmpty());
}

TEST_F(ListUpdatesTest, EndTimeBeforeStartTimeIsInvalidArgument) {
  v1::ListUpdatesRequest request;
  *request.mutable_start_time() = ToProtoTime(absl::Now());
  *request.mutable_end_time() = ToProtoTime(absl::Now() - absl::Hours(1));
  absl::StatusOr<v1::ListUpdatesResponse> response =
      ListUpdates(*stub_, request);
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(std::string(response.status().message()),
              StartsWith("end_time"));
}

TEST_F(ListUpdatesTest, MalformedPageTokenIsInvalidArgument) {
  for (const char* token : {"not-a-token", "!!!", "AAAA",
                            "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    SCOPED_TRACE(token);
    v1::ListUpdatesRequest request;
    request.set_page_token(token);
    absl::StatusOr<v1::ListUpdatesResponse> response =
        ListUpdates(*stub_, request);
    EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, ""));
    EXPECT_THAT(std::string(response.status().message()),
                StartsWith("page_token"));
  }
}

TEST_F(ListUpdatesTest, PageTokenReusedWithAnotherRequestIsInvalidArgument) {
  v1::ListUpdatesRequest request;
  *request.mutable_filter() = FilterFromText(R"pb(missions: MISSION_KFOR)pb");
  request.set_page_size(2);
  absl::StatusOr<v1::ListUpdatesResponse> first = ListUpdates(*stub_, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token().empty());

  v1::ListUpdatesRequest other_filter = request;
  other_filter.set_page_token(first->next_page_token());
  *other_filter.mutable_filter() =
      FilterFromText(R"pb(missions: MISSION_EULEX)pb");
  v1::ListUpdatesRequest other_order = request;
  other_order.set_page_token(first->next_page_token());
  other_order.set_descending(true);
  v1::ListUpdatesRequest other_range = request;
  other_range.set_page_token(first->next_page_token());
  other_range.set_end_sequence(20);

  for (const v1::ListUpdatesRequest& reused :
       {other_filter, other_order, other_range}) {
    absl::StatusOr<v1::ListUpdatesResponse> response =
        ListUpdates(*stub_, reused);
    EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, ""));
    EXPECT_THAT(std::string(response.status().message()),
                StartsWith("page_token"));
  }
}

TEST_F(ListUpdatesTest, PageTokenOfAnotherServerIsInvalidArgument) {
  TestServer other;
  auto other_stub = other.NewStub();
  ASSERT_NE(MustPublish(*other_stub, DataSetUpdate(0)), 0u);
  ASSERT_NE(MustPublish(*other_stub, DataSetUpdate(1)), 0u);
  v1::ListUpdatesRequest request;
  request.set_page_size(1);
  absl::StatusOr<v1::ListUpdatesResponse> foreign =
      ListUpdates(*other_stub, request);
  ASSERT_THAT(foreign, IsOk());
  ASSERT_FALSE(foreign->next_page_token().empty());

  request.set_page_token(foreign->next_page_token());
  absl::StatusOr<v1::ListUpdatesResponse> response =
      ListUpdates(*stub_, request);
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, "log"));
  EXPECT_THAT(std::string(response.status().message()),
              StartsWith("page_token"));
}

TEST_F(ListUpdatesTest, NegativePageSizeIsInvalidArgument) {
  v1::ListUpdatesRequest request;
  request.set_page_size(-1);
  absl::StatusOr<v1::ListUpdatesResponse> response =
      ListUpdates(*stub_, request);
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, ""));
  EXPECT_THAT(std::string(response.status().message()),
              StartsWith("page_size"));
}

TEST_F(ListUpdatesTest, InvalidFilterIsInvalidArgumentNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"pb(label_selector: "route in (R1")pb", "filter.label_selector"},
      {R"pb(label_selector: "=R7")pb", "filter.label_selector"},
      {R"pb(municipalities: "Prizren" municipalities: "Atlantis")pb",
       "filter.municipalities"},
  };
  for (const auto& [filter, field] : cases) {
    SCOPED_TRACE(filter);
    v1::ListUpdatesRequest request;
    *request.mutable_filter() = FilterFromText(filter);
    absl::StatusOr<v1::ListUpdatesResponse> response =
        ListUpdates(*stub_, request);
    EXPECT_THAT(response, StatusIs(absl::StatusCode::kInvalidArgument, ""));
    EXPECT_THAT(std::string(response.status().message()), StartsWith(field));
  }
}

TEST(ListUpdatesPageSizeTest, DefaultPageIs100AndLargePagesAreCappedAt1000) {
  TestServer server;
  auto stub = server.NewStub();
  // 1,100 updates over one PublishStream.
  constexpr int kCount = 1100;
  {
    grpc::ClientContext context;
    context.set_deadline(CallDeadline());
    auto stream = stub->PublishStream(&context);
    std::thread writer([&] {
      for (int i = 0; i < kCount; ++i) {
        v1::PublishRequest request;
        *request.mutable_update() = DataSetUpdate(i);
        if (!stream->Write(request)) break;
      }
      stream->WritesDone();
    });
    v1::PublishAck ack;
    int acked = 0;
    while (stream->Read(&ack)) {
      EXPECT_FALSE(ack.has_error()) << ack.error().message();
      ++acked;
    }
    writer.join();
    ASSERT_TRUE(stream->Finish().ok());
    ASSERT_EQ(acked, kCount);
  }

  absl::StatusOr<v1::ListUpdatesResponse> default_page =
      ListUpdates(*stub, v1::ListUpdatesRequest());
  ASSERT_THAT(default_page, IsOk());
  EXPECT_EQ(default_page->updates_size(), 100);
  EXPECT_FALSE(default_page->next_page_token().empty());

  v1::ListUpdatesRequest large;
  large.set_page_size(5000);
  absl::StatusOr<v1::ListUpdatesResponse> capped = ListUpdates(*stub, large);
  ASSERT_THAT(capped, IsOk());
  EXPECT_EQ(capped->updates_size(), 1000);
  EXPECT_FALSE(capped->next_page_token().empty());
}

TEST(ListUpdatesEmptyTest, EmptyStoreListsNothingWithoutAToken) {
  TestServer server;
  auto stub = server.NewStub();
  absl::StatusOr<v1::ListUpdatesResponse> response =
      ListUpdates(*stub, v1::ListUpdatesRequest());
  ASSERT_THAT(response, IsOk());
  EXPECT_THAT(response->updates(), IsEmpty());
  EXPECT_THAT(response->next_page_token(), IsEmpty());
  EXPECT_EQ(response->head_sequence(), 0u);
  EXPECT_EQ(response->oldest_sequence(), 0u);
  EXPECT_EQ(response->log_id(), server.server().log_id());
}

}  // namespace
}  // namespace sitrep::testing
