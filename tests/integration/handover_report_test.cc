// The handover report (client/handover_report.h, shift_collector.h) of the
// scripted shift (tests/support/scripted_shift.h) against a real sitrepd:
// each section lists exactly the shift's incidents, the ends agree with
// GetSituation as_of, and the HTML page is self-contained with its chart.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "client/feed_client.h"
#include "client/handover_report.h"
#include "client/shift_collector.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/situation_as_of_scenario.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The Markdown section titled `title`: from its heading to the next one.
std::string Section(const std::string& markdown, const std::string& title) {
  const std::string heading = "\n## " + title + "\n";
  const size_t begin = markdown.find(heading);
  if (begin == std::string::npos) return "";
  const size_t end = markdown.find("\n## ", begin + heading.size());
  return markdown.substr(begin, end == std::string::npos ? std::string::npos
                                                         : end - begin);
}

// The table rows of a section (lines starting with "| " after the rule).
std::vector<std::string> Rows(const std::string& section) {
  std::vector<std::string> rows;
  bool after_rule = false;
  for (absl::string_view line : absl::StrSplit(section, '\n')) {
    if (absl::StartsWith(line, "| ---")) {
      after_rule = true;
    } else if (after_rule && absl::StartsWith(line, "| ")) {
      rows.emplace_back(line);
    }
  }
  return rows;
}

class HandoverReportTest : public ::testing::Test {
 protected:
  HandoverReportTest() : clock_(kStart), server_(&clock_) {}

  void SetUp() override {
    ASSERT_TRUE(server_.started());
    // A KFOR patrol before the shift: outside the window.
    auto stub = server_.NewStub();
    MustPublish(*stub, PatrolUpdate(v1::MISSION_KFOR, "Before the shift"));
    clock_.Advance(absl::Minutes(30));
    shift_start_ = clock_.Now();
    log_ = PublishShift(server_, clock_);
    cli::ChannelOptions options;
    options.address = server_.server().address();
    client_ = std::make_unique<cli::FeedClient>(
        grpc::CreateChannel(options.address,
                            grpc::InsecureChannelCredentials()),
        options);
  }

  static constexpr absl::Time kStart = absl::FromUnixSeconds(1796535000);

  FakeClock clock_;
  ClockedServer server_;
  absl::Time shift_start_;
  std::vector<v1::SituationUpdate> log_;
  std::unique_ptr<cli::FeedClient> client_;
};

TEST_F(HandoverReportTest, MarkdownListsEachSectionOfTheScriptedShift) {
  cli::ShiftData shift;
  // The window starts just before the shift's first update.
  grpc::Status status = cli::CollectShift(
      *client_, v1::Filter(), shift_start_ - absl::Seconds(1), clock_.Now(),
      &shift);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(shift.start.sequence(), 1u);  // the patrol before the shift
  EXPECT_EQ(shift.end.sequence(), log_.back().sequence());
  ASSERT_EQ(shift.updates.size(), 22u);
  const std::string md =
      cli::RenderHandoverReport(shift, cli::ReportFormat::kMarkdown);

  auto ids = [&md](const std::string& title) {
    std::vector<std::string> found;
    for (const std::string& row : Rows(Section(md, title))) {
      for (const char* id : {"crowd-1", "road-2", "border-3", "theft-4",
                             "fire-5"}) {
        if (absl::StrContains(row, std::string("| ") + id + " |")) {
          found.push_back(id);
        }
      }
    }
    return found;
  };
  using ::testing::ElementsAre;
  EXPECT_THAT(ids("Opened"),
              ElementsAre("crowd-1", "road-2", "border-3", "theft-4", "fire-5"));
  EXPECT_THAT(ids("Escalated"), ElementsAre("crowd-1", "fire-5", "fire-5"));
  EXPECT_THAT(ids("De-escalated"), ElementsAre("crowd-1"));
  EXPECT_THAT(ids("Resolved"), ElementsAre("theft-4", "crowd-1"));
  EXPECT_THAT(ids("Expired"), ElementsAre("road-2"));
  EXPECT_THAT(ids("Open at the end"), ElementsAre("border-3", "fire-5"));
  EXPECT_THAT(ids("Support requests still waiting"), ElementsAre("border-3"));

  EXPECT_THAT(Section(md, "Resolved"), HasSubstr("cancelled"));
  EXPECT_THAT(Section(md, "Open at the end"), HasSubstr("KFOR (third tier)"));
  // border-3's request was made at step 9 (06:40 of the shift) and waits
  // until the window's end, 21 steps in: 65 minutes.
  EXPECT_THAT(Section(md, "Support requests still waiting"),
              HasSubstr("| border-3 | KP | EULEX |"));
  EXPECT_THAT(Section(md, "Support requests still waiting"), HasSubstr("1h05m"));

  const std::string summary = Section(md, "Summary");
  EXPECT_THAT(summary, HasSubstr("| Open at the start | 0 |"));
  EXPECT_THAT(summary, HasSubstr("| Updates in the window | 22 |"));
  EXPECT_THAT(summary, HasSubstr("| Opened | 5 |"));
  EXPECT_THAT(summary, HasSubstr("| Escalated | 3 |"));
  EXPECT_THAT(summary, HasSubstr("| De-escalated | 1 |"));
  EXPECT_THAT(summary, HasSubstr("| Resolved or cancelled | 2 |"));
  EXPECT_THAT(summary, HasSubstr("| Expired | 1 |"));
  EXPECT_THAT(summary, HasSubstr("| Open at the end | 2 |"));

  // By mission: KP published 10 updates of the shift (and road-2's EXPIRED
  // carries its mission), EULEX 7, KFOR 4; the patrol before the shift is
  // not counted.
  const std::string missions = Section(md, "Activity by mission");
  EXPECT_THAT(missions, HasSubstr("| Kosovo Police | 11 | 5 | 0 | 0 | 3 |"));
  EXPECT_THAT(missions, HasSubstr("| EULEX | 7 | 0 | 2 | 1 | 0 |"));
  EXPECT_THAT(missions, HasSubstr("| KFOR | 4 | 0 | 1 | 0 | 0 |"));
  const std::string places = Section(md, "Activity by municipality");
  EXPECT_THAT(places, HasSubstr("| Prizren | 7 | 1 | 0 | 1 |"));
  EXPECT_THAT(places, HasSubstr("| Podujevë / Podujevo | 2 | 1 | 1 | 0 |"));

  // Both ends are GetSituation as_of: the end's open incidents are exactly
  // the ones the report lists.
  absl::StatusOr<v1::Situation> end =
      GetSituationAt(*server_.NewStub(), AtTime(clock_.Now()));
  ASSERT_THAT(end, IsOk());
  ASSERT_EQ(end->incidents_size(), 2);
  EXPECT_EQ(end->sequence(), shift.end.sequence());
}

TEST_F(HandoverReportTest, HtmlIsSelfContainedWithTheHourlyChart) {
  cli::ShiftData shift;
  grpc::Status status = cli::CollectShift(
      *client_, v1::Filter(), shift_start_ - absl::Seconds(1), std::nullopt,
      &shift);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string html =
      cli::RenderHandoverReport(shift, cli::ReportFormat::kHtml);
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(html, HasSubstr("<title>Updates per hour by mission</title>"));
  // Bars per hour and mission: KP's updates of 06:30-06:59.
  EXPECT_THAT(html, HasSubstr("<title>KP 06:00Z: "));
  EXPECT_THAT(html, HasSubstr("<title>KFOR 07:00Z: "));
  // Nothing to fetch: no script, stylesheet link, image or external URL
  // besides the SVG namespace.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  std::string without_ns = html;
  absl::StrReplaceAll({{"http://www.w3.org/2000/svg", ""}}, &without_ns);
  EXPECT_THAT(without_ns, Not(HasSubstr("http://")));
  EXPECT_THAT(without_ns, Not(HasSubstr("https://")));
  EXPECT_THAT(html, HasSubstr("<h2>Open at the end</h2>"));
  EXPECT_THAT(html, HasSubstr("<td>fire-5</td>"));
}

}  // namespace
}  // namespace sitrep::testing
