#include "tests/support/metrics_text.h"

#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sitrep::testing {
namespace {

absl::Status BadLine(absl::string_view line, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("metrics text: ", why, " in line '", line, "'"));
}

}  // namespace

absl::StatusOr<std::map<std::string, double>> ParseMetricsText(
    absl::string_view text) {
  std::map<std::string, double> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    const std::string name(line.substr(0, i));
    std::map<std::string, std::string> labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == absl::string_view::npos || eq + 1 >= line.size() ||
            line[eq + 1] != '"') {
          return BadLine(line, "a label without =\"value\"");
        }
        std::string key(absl::StripAsciiWhitespace(line.substr(i, eq - i)));
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value.push_back(line[j] == 'n' ? '\n' : line[j]);
          } else {
            value.push_back(line[j]);
          }
        }
        if (j >= line.size()) return BadLine(line, "an unterminated value");
        labels[std::move(key)] = std::move(value);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return BadLine(line, "no closing }");
      ++i;
    }
    std::vector<absl::string_view> rest = absl::StrSplit(
        absl::StripAsciiWhitespace(line.substr(i)), ' ', absl::SkipEmpty());
    if (name.empty() || rest.empty()) return BadLine(line, "no value");
    double value = 0;
    if (rest[0] == "+Inf") {
      value = std::numeric_limits<double>::infinity();
    } else if (rest[0] == "NaN") {
      value = std::numeric_limits<double>::quiet_NaN();
    } else if (!absl::SimpleAtod(rest[0], &value)) {
      return BadLine(line, "a value that is not a number");
    }
    std::string key = name;
    if (!labels.empty()) {
      absl::StrAppend(&key, "{",
                      absl::StrJoin(labels, ",",
                                    [](std::string* out, const auto& label) {
                                      absl::StrAppend(out, label.first, "=\"",
                                                      label.second, "\"");
                                    }),
                      "}");
    }
    samples[std::move(key)] = value;
  }
  return samples;
}

double SampleOr(const std::map<std::string, double>& samples,
                const std::string& series) {
  auto it = samples.find(series);
  return it == samples.end() ? -1 : it->second;
}

}  // namespace sitrep::testing
