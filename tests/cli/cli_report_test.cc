// The situation at a past moment and the handover report through the real
// `sitrep` against a real sitrepd: `situation --at-sequence/--at`, and
// `report` as Markdown on stdout and as a self-contained HTML file.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/sitrepd_cli_test_base.h"

namespace sitrep::cli_testing {
namespace {

using ::sitrep::testing::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;

class CliReportTest : public SitrepdCliTest {
 protected:
  void Publish(std::vector<std::string> args) {
    args.insert(args.begin(), "publish");
    RunResult r = Sitrep(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  void Step(const std::string& mission, const std::string& incident,
            const std::string& kind, const std::string& headline,
            const std::string& municipality = "") {
    std::vector<std::string> args = {
        "--mission", mission,  "--severity", "moderate", "--category",
        "public-order", "--incident", incident, "--kind", kind,
        "--headline", headline};
    if (!municipality.empty()) {
      args.push_back("--municipality");
      args.push_back(municipality);
    }
    Publish(args);
  }
};

TEST_F(CliReportTest, SituationAtASequenceIsThePictureThen) {
  Step("kp", "kp-1", "new", "Crowd at the bridge", "Zveçan");   // 1
  Step("kp", "kp-1", "resolve", "Crowd dispersed");             // 2
  RunResult then = Sitrep({"situation", "--at-sequence", "1", "-o", "json"});
  ASSERT_EQ(then.exit_code, 0) << then.err;
  EXPECT_THAT(then.out, HasSubstr(R"("incidentId": "kp-1")"));
  EXPECT_THAT(then.out, HasSubstr(R"("sequence": "1")"));
  RunResult now = Sitrep({"situation", "-o", "json"});
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_THAT(now.out, Not(HasSubstr("kp-1")));
  // An hour ago, before anything was published: empty at sequence 0.
  RunResult before = Sitrep({"situation", "--at", "-1h", "-o", "json"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_THAT(before.out, Not(HasSubstr("kp-1")));
  RunResult beyond = Sitrep({"situation", "--at-sequence", "99"});
  EXPECT_NE(beyond.exit_code, 0);
  EXPECT_THAT(beyond.err, HasSubstr("beyond the head"));
  RunResult both = Sitrep({"situation", "--at", "-1h", "--at-sequence", "1"});
  EXPECT_NE(both.exit_code, 0);
  EXPECT_THAT(both.err, HasSubstr("--at, --at-sequence"));
}

TEST_F(CliReportTest, ReportAsMarkdownAndAsSelfContainedHtml) {
  Step("kp", "kp-1", "new", "Crowd at the bridge", "Zveçan");
  Step("kp", "kp-1", "request-support", "KP asks EULEX");
  Step("kp", "kp-2", "new", "Road blocked", "Podujevë");
  Step("kp", "kp-2", "resolve", "Road open again");

  RunResult md = Sitrep({"report", "--since", "1h"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_THAT(md.out, HasSubstr("# Handover report "));
  EXPECT_THAT(md.out, HasSubstr("| Opened | 2 |"));
  EXPECT_THAT(md.out, HasSubstr("| Resolved or cancelled | 1 |"));
  EXPECT_THAT(md.out, HasSubstr("| Open at the end | 1 |"));
  EXPECT_THAT(md.out, HasSubstr("## Support requests still waiting"));
  EXPECT_THAT(md.out, HasSubstr("| kp-1 | KP | EULEX |"));
  EXPECT_THAT(md.out, HasSubstr("| Zveçan / Zvečan | 2 | 1 | 0 | 1 |"));

  const std::string file = dir_.path() + "/shift.html";
  RunResult html =
      Sitrep({"report", "--since", "1h", "--format", "html", "-o", file});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream in(file);
  std::stringstream body;
  body << in.rdbuf();
  const std::string page = body.str();
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("<svg xmlns="));
  EXPECT_THAT(page, HasSubstr("<td>kp-1</td>"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));

  RunResult bad = Sitrep({"report", "--format", "pdf"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--format: 'pdf' is not a format"));
}

}  // namespace
}  // namespace sitrep::cli_testing
