// The webhooks file parser: defaults, every field, and errors that name the
// field (never echoing a URL or a secret).
#include "server/sinks/webhook_config.h"

#include <fstream>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

absl::StatusOr<std::vector<WebhookSinkConfig>> Parse(const std::string& json) {
  return ParseWebhooksFile(json, "hooks.json");
}

// One sink with `fields` added to a valid name and url.
absl::StatusOr<WebhookSinkConfig> ParseOne(const std::string& fields) {
  absl::StatusOr<std::vector<WebhookSinkConfig>> sinks =
      Parse(absl::StrCat(R"({"webhooks": [{"name": "ops", )",
                         R"("url": "http://127.0.0.1:8080/hook")",
                         fields.empty() ? "" : ", ", fields, "}]}"));
  if (!sinks.ok()) return sinks.status();
  EXPECT_EQ(sinks->size(), 1u);
  return sinks->front();
}

TEST(WebhookConfigTest, Defaults) {
  SITREP_ASSERT_OK_AND_ASSIGN(WebhookSinkConfig sink, ParseOne(""));
  EXPECT_EQ(sink.name, "ops");
  EXPECT_EQ(sink.url, "http://127.0.0.1:8080/hook");
  EXPECT_EQ(sink.format, WebhookFormat::kJson);
  EXPECT_EQ(sink.max_batch, 100u);
  EXPECT_EQ(sink.timeout, absl::Seconds(10));
  EXPECT_EQ(sink.backoff_initial, absl::Seconds(1));
  EXPECT_EQ(sink.backoff_max, absl::Minutes(5));
  EXPECT_FALSE(sink.start_at_beginning);
  EXPECT_TRUE(sink.bearer_token.empty());
  EXPECT_TRUE(sink.headers.empty());
  EXPECT_EQ(sink.filter.missions_size(), 0);
}

TEST(WebhookConfigTest, EveryField) {
  SITREP_ASSERT_OK_AND_ASSIGN(WebhookSinkConfig sink, ParseOne(R"(
      "format": "alertmanager",
      "filter": {"missions": ["MISSION_KFOR"], "minSeverity": "SEVERITY_SEVERE",
                 "municipalities": ["Mitrovica"]},
      "bearer_token": "s3cret",
      "headers": {"X-Team": "ops", "X-Api-Key": "k"},
      "max_batch": 7, "timeout": "2.5s",
      "backoffInitial": "0.1s", "backoff_max": "30s",
      "start": "beginning", "proxy": "http://proxy:3128")"));
  EXPECT_EQ(sink.format, WebhookFormat::kAlertmanager);
  EXPECT_EQ(sink.filter.missions(0), v1::MISSION_KFOR);
  EXPECT_EQ(sink.filter.min_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(sink.bearer_token, "s3cret");
  // Sorted by name, whatever the map's order.
  EXPECT_THAT(sink.headers,
              ElementsAre(Pair("X-Api-Key", "k"), Pair("X-Team", "ops")));
  EXPECT_EQ(sink.max_batch, 7u);
  EXPECT_EQ(sink.timeout, absl::Milliseconds(2500));
  EXPECT_EQ(sink.backoff_initial, absl::Milliseconds(100));
  EXPECT_EQ(sink.backoff_max, absl::Seconds(30));
  EXPECT_TRUE(sink.start_at_beginning);
  EXPECT_EQ(sink.proxy, "http://proxy:3128");
}

TEST(WebhookConfigTest, InteropFormatsPostOneUpdateAtATime) {
  for (const auto& [name, format] :
       {std::pair<std::string, WebhookFormat>{"cap", WebhookFormat::kCap},
        {"cloudevents", WebhookFormat::kCloudEvents},
        {"cloudevents-binary", WebhookFormat::kCloudEventsBinary}}) {
    SITREP_ASSERT_OK_AND_ASSIGN(WebhookSinkConfig sink,
                                ParseOne(absl::StrCat(R"("format": ")", name, "\"")));
    EXPECT_EQ(sink.format, format) << name;
    EXPECT_EQ(sink.max_batch, 1u) << name;
    EXPECT_STREQ(WebhookFormatName(format), name.c_str());
    EXPECT_THAT(ParseOne(absl::StrCat(R"("format": ")", name, R"(", "max_batch": 10)")),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "max_batch: format " + name + " posts one update per request"));
  }
}

TEST(WebhookConfigTest, SeveralSinksAndNone) {
  SITREP_ASSERT_OK_AND_ASSIGN(
      std::vector<WebhookSinkConfig> sinks,
      Parse(R"({"webhooks": [{"name": "a", "url": "https://a.example/x"},
                             {"name": "b-2", "url": "http://[::1]:9093/"}]})"));
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(sinks[1].name, "b-2");
  SITREP_ASSERT_OK_AND_ASSIGN(sinks, Parse("{}"));
  EXPECT_TRUE(sinks.empty());
}

TEST(WebhookConfigTest, BearerTokenFromFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/token";
  std::ofstream(path) << "  file-token\n";
  SITREP_ASSERT_OK_AND_ASSIGN(
      WebhookSinkConfig sink,
      ParseOne(absl::StrCat(R"("bearer_token_file": ")", path, "\"")));
  EXPECT_EQ(sink.bearer_token, "file-token");
  EXPECT_THAT(ParseOne(R"("bearer_token_file": "/nonexistent/token")"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "webhooks[0].bearer_token_file: cannot open"));
}

struct BadCase {
  std::string fields;
  std::string error;
};
void PrintTo(const BadCase& c, std::ostream* out) { *out << c.error; }

class WebhookConfigErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(WebhookConfigErrorTest, NamesTheField) {
  EXPECT_THAT(
      Parse(absl::StrCat(R"({"webhooks": [{"name": "ok", "url": "http://h/"},
                                          {)",
                         GetParam().fields, "}]}")),
      StatusIs(absl::StatusCode::kInvalidArgument,
               absl::StrCat("hooks.json: ", GetParam().error)));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, WebhookConfigErrorTest,
    ::testing::Values(
        BadCase{R"("url": "http://h/")", "webhooks[1].name: '' must be"},
        BadCase{R"("name": "Ops", "url": "http://h/")",
                "webhooks[1].name: 'Ops' must be"},
        BadCase{R"("name": "ok", "url": "http://h/")",
                "webhooks[1].name: 'ok' is used by another sink"},
        BadCase{R"("name": "b")", "webhooks[1].url: is required"},
        BadCase{R"("name": "b", "url": "ftp://h/")",
                "webhooks[1].url: must start with http:// or https://"},
        BadCase{R"("name": "b", "url": "http://:80/path")",
                "webhooks[1].url:"},
        BadCase{R"("name": "b", "url": "http://h/a b")",
                "webhooks[1].url: contains spaces"},
        BadCase{R"("name": "b", "url": "http://h/", "format": "xml")",
                "webhooks[1].format: 'xml' is not a format"},
        BadCase{R"("name": "b", "url": "http://h/",
                   "filter": {"municipalities": ["Atlantis"]})",
                "webhooks[1].filter.municipalities[0]:"},
        BadCase{R"("name": "b", "url": "http://h/",
                   "filter": {"labelSelector": "a in ("})",
                "webhooks[1].filter.label_selector:"},
        BadCase{R"("name": "b", "url": "http://h/", "bearer_token": "x",
                   "bearer_token_file": "/etc/passwd")",
                "webhooks[1].bearer_token: give bearer_token or"},
        BadCase{R"("name": "b", "url": "http://h/",
                   "headers": {"Bad Name": "x"})",
                "webhooks[1].headers[\"Bad Name\"]: is not a header name"},
        BadCase{R"("name": "b", "url": "http://h/",
                   "headers": {"X-A": "v\r\nX-Injected: 1"})",
                "webhooks[1].headers[\"X-A\"]: the value contains control"},
        BadCase{R"("name": "b", "url": "http://h/",
                   "headers": {"Content-Type": "text/plain"})",
                "webhooks[1].headers[\"Content-Type\"]: is set by sitrep"},
        BadCase{R"("name": "b", "url": "http://h/", "bearer_token": "t",
                   "headers": {"Authorization": "Basic x"})",
                "webhooks[1].headers[\"Authorization\"]: conflicts"},
        BadCase{R"("name": "b", "url": "http://h/", "max_batch": 1001)",
                "webhooks[1].max_batch: 1001 is more than 1000"},
        BadCase{R"("name": "b", "url": "http://h/", "timeout": "0s")",
                "webhooks[1].timeout: 0 is outside 10ms..10m"},
        BadCase{R"("name": "b", "url": "http://h/", "backoff_initial": "2s",
                   "backoff_max": "1s")",
                "webhooks[1].backoff_max: 1s is outside backoff_initial"},
        BadCase{R"("name": "b", "url": "http://h/", "start": "yesterday")",
                "webhooks[1].start: 'yesterday' is not a start"},
        BadCase{R"("name": "b", "url": "http://h/",
                   "ca_file": "/nonexistent/ca.pem")",
                "webhooks[1].ca_file: cannot open"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::to_string(info.index);
    });

TEST(WebhookConfigTest, ProtobufJsonErrorsAreInvalidArgument) {
  EXPECT_THAT(Parse(R"({"webhooks": [{"name": "a", "colour": "red"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "hooks.json: not a valid webhooks file"));
  EXPECT_THAT(Parse(R"({"webhooks": [{"name": "a", "url": "http://h/",
                                      "filter": {"missions": ["MARS"]}}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, "missions"));
  EXPECT_THAT(Parse("not json"),
              StatusIs(absl::StatusCode::kInvalidArgument, "hooks.json"));
}

// The filters take the CLI's short enum names (issue 19).
TEST(WebhookConfigTest, FiltersTakeShortCaseInsensitiveEnumNames) {
  absl::StatusOr<std::vector<WebhookSinkConfig>> sinks =
      Parse(R"({"webhooks": [{"name": "a", "url": "http://h/",
                "filter": {"missions": ["kfor", "Kosovo-Police"],
                           "minSeverity": "Severe", "kinds": ["ack"]}}]})");
  ASSERT_TRUE(sinks.ok()) << sinks.status();
  ASSERT_EQ(sinks->size(), 1u);
  const v1::Filter& filter = (*sinks)[0].filter;
  ASSERT_EQ(filter.missions_size(), 2);
  EXPECT_EQ(filter.missions(0), v1::MISSION_KFOR);
  EXPECT_EQ(filter.missions(1), v1::MISSION_KOSOVO_POLICE);
  EXPECT_EQ(filter.min_severity(), v1::SEVERITY_SEVERE);
  EXPECT_EQ(filter.kinds(0), v1::KIND_ACKNOWLEDGE);
}

TEST(WebhookConfigTest, EveryWrongFieldIsReportedInOrder) {
  EXPECT_THAT(
      Parse(R"({"webhooks": [{"name": "a", "url": "http://h/",
                "filter": {"missions": ["kfor", "mars"], "minSeverity": "big"}},
               {"name": "b", "urll": "http://h/"}]})"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "hooks.json: not a valid webhooks file: "
               "webhooks[0].filter.missions[1]: 'mars' is not a mission; "
               "accepted: kfor, eulex, kosovo-police (any case); "
               "webhooks[0].filter.minSeverity: 'big' is not a severity; "
               "accepted: unknown, minor, moderate, severe, extreme (any "
               "case); webhooks[1].urll: unknown field; did you mean url?"));
}

TEST(WebhookConfigTest, ErrorsNeverRepeatTheUrlOrSecrets) {
  absl::StatusOr<std::vector<WebhookSinkConfig>> bad = Parse(
      R"({"webhooks": [{"name": "a", "url": "http://h/token-in-path x",
                        "bearer_token": "tok-secret"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              Not(HasSubstr("token-in-path")));
  bad = Parse(R"({"webhooks": [{"name": "a", "url": "http://h/",
                                "headers": {"X-Key": "key-secret\n"}}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), Not(HasSubstr("key-secret")));
}

TEST(WebhookConfigTest, LoadNamesTheFile) {
  EXPECT_THAT(LoadWebhooksFile("/nonexistent/hooks.json"),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/hooks.json"));
  testing::TempDir dir;
  const std::string path = dir.path() + "/hooks.json";
  std::ofstream(path) << R"({"webhooks": [{"name": "x"}]})";
  EXPECT_THAT(LoadWebhooksFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat(path, ": webhooks[0].url: is required")));
}

}  // namespace
}  // namespace sitrep
