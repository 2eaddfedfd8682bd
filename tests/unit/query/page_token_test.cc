#include "server/query/page_token.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace sitrep {
namespace {

using ::sitrep::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::string_view kLogId = "01HZXLOG";

v1::ListUpdatesRequest Request(const std::string& text) {
  v1::ListUpdatesRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request))
      << text;
  return request;
}

const char* const kFirstPage = R"pb(
  filter { missions: MISSION_KFOR municipalities: "mitrovice" }
  start_sequence: 10 end_sequence: 500 page_size: 50
)pb";

// The request for the next page: the same one carrying `token`.
v1::ListUpdatesRequest NextPage(v1::ListUpdatesRequest request,
                                const std::string& token) {
  request.set_page_token(token);
  return request;
}

TEST(PageTokenTest, RoundTripsSequenceAndDirection) {
  for (bool descending : {false, true}) {
    v1::ListUpdatesRequest first = Request(kFirstPage);
    first.set_descending(descending);
    const std::string token = EncodePageToken({61, descending}, first, kLogId);
    const auto decoded = DecodePageToken(NextPage(first, token), kLogId);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->next_sequence, 61u);
    EXPECT_EQ(decoded->descending, descending);
  }
}

TEST(PageTokenTest, TokenIsUrlSafeWithoutPadding) {
  const std::string token =
      EncodePageToken({UINT64_MAX, true}, Request(kFirstPage), kLogId);
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "abcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << token;
}

TEST(PageTokenTest, PageSizeMayChangeBetweenPages) {
  const v1::ListUpdatesRequest first = Request(kFirstPage);
  v1::ListUpdatesRequest next =
      NextPage(first, EncodePageToken({61, false}, first, kLogId));
  next.set_page_size(1000);
  EXPECT_TRUE(DecodePageToken(next, kLogId).ok());
}

TEST(PageTokenTest, TokenForAnotherFilterIsRejected) {
  const v1::ListUpdatesRequest first = Request(kFirstPage);
  v1::ListUpdatesRequest next =
      NextPage(first, EncodePageToken({61, false}, first, kLogId));
  next.mutable_filter()->add_missions(v1::MISSION_EULEX);
  EXPECT_THAT(DecodePageToken(next, kLogId),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "page_token: was issued for a request with another "
                       "filter, range or order"));
}

TEST(PageTokenTest, TokenForAnotherRangeIsRejected) {
  const v1::ListUpdatesRequest first = Request(kFirstPage);
  for (const char* change :
       {"end_sequence: 600", "start_sequence: 11",
        "start_time { seconds: 5 }", "end_time { seconds: 5 }"}) {
    v1::ListUpdatesRequest next =
        NextPage(first, EncodePageToken({61, false}, first, kLogId));
    ASSERT_TRUE(google::protobuf::TextFormat::MergeFromString(change, &next));
    EXPECT_THAT(DecodePageToken(next, kLogId),
                StatusIs(absl::StatusCode::kInvalidArgument, "page_token: "))
        << change;
  }
}

TEST(PageTokenTest, TokenForTheOtherDirectionIsRejected) {
  const v1::ListUpdatesRequest first = Request(kFirstPage);
  v1::ListUpdatesRequest next =
      NextPage(first, EncodePageToken({61, false}, first, kLogId));
  next.set_descending(true);
  EXPECT_THAT(DecodePageToken(next, kLogId),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "page_token: was issued for descending=false but the "
                       "request has descending=true"));
}

TEST(PageTokenTest, TokenFromAnotherLogIsRejected) {
  const v1::ListUpdatesRequest first = Request(kFirstPage);
  const auto next = NextPage(first, EncodePageToken({61, false}, first, kLogId));
  EXPECT_THAT(DecodePageToken(next, "01HZOTHERLOG"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "page_token: was issued by another log"));
}

TEST(PageTokenTest, MalformedTokensAreRejected) {
  const v1::ListUpdatesRequest first = Request(kFirstPage);
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(
      EncodePageToken({61, false}, first, kLogId), &raw));
  auto with_byte = [&](size_t index, char value) {
    std::string copy = raw;
    copy[index] = value;
    return absl::WebSafeBase64Escape(copy);
  };
  std::string zero_sequence = raw;
  for (size_t i = 2; i < 10; ++i) zero_sequence[i] = 0;

  const struct {
    std::string token;
    const char* why;
  } kCases[] = {
      {"", "it is empty"},
      {"not base64!", "it is not URL-safe base64"},
      {std::string(200, 'A'), "it is too long"},
      {absl::WebSafeBase64Escape(raw.substr(0, 20)), "wrong length"},
      {with_byte(0, 2), "unknown format version 2"},
      {with_byte(1, 0x04), "unknown flags"},
      {absl::WebSafeBase64Escape(zero_sequence), "sequence 0"},
  };
  for (const auto& c : kCases) {
    const auto decoded = DecodePageToken(NextPage(first, c.token), kLogId);
    EXPECT_THAT(decoded, StatusIs(absl::StatusCode::kInvalidArgument,
                                  "page_token: is not a token this server "
                                  "issued"))
        << c.token;
    EXPECT_THAT(decoded.status().message(), HasSubstr(c.why)) << c.token;
  }
}

TEST(PageTokenTest, FingerprintIgnoresPageTokenAndPageSize) {
  const v1::ListUpdatesRequest request = Request(kFirstPage);
  v1::ListUpdatesRequest other = request;
  other.set_page_size(7);
  other.set_page_token("anything");
  EXPECT_EQ(ListRequestFingerprint(request), ListRequestFingerprint(other));
  other.set_descending(true);
  EXPECT_NE(ListRequestFingerprint(request), ListRequestFingerprint(other));
}

// Tokens must survive restarts and move between replicas, so the hash is a
// fixed function, checked against published FNV-1a test vectors.
TEST(PageTokenTest, HashIsStableFnv1a) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_EQ(ListRequestFingerprint(v1::ListUpdatesRequest()), Fnv1a64(""));
}

}  // namespace
}  // namespace sitrep
