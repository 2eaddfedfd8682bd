#include "server/runtime/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sitrep {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          absl::StrAppend(out, absl::StrFormat("\\u%04x", c));
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

bool NeedsQuotes(absl::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=') return true;
  }
  return false;
}

}  // namespace

void SetLogFormat(LogFormat format) { g_format.store(format); }
void SetMinLogLevel(LogLevel level) {
  g_min_level.store(static_cast<int>(level));
}

absl::Status ParseLogFormat(absl::string_view text, LogFormat* format) {
  if (text == "text") {
    *format = LogFormat::kText;
  } else if (text == "json") {
    *format = LogFormat::kJson;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_format: '", text, "' is not one of text, json"));
  }
  return absl::OkStatus();
}

void Log(LogLevel level, absl::string_view component,
         absl::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_min_level.load()) return;
  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    line = absl::StrCat("{\"time\":\"", time, "\",\"level\":\"",
                        LevelName(level), "\",\"component\":");
    AppendJsonString(&line, component);
    line.append(",\"msg\":");
    AppendJsonString(&line, message);
    for (const LogField& field : fields) {
      line.push_back(',');
      AppendJsonString(&line, field.first);
      line.push_back(':');
      AppendJsonString(&line, field.second);
    }
    line.append("}\n");
  } else {
    line = absl::StrCat(time, " ", LevelName(level), " [", component, "] ",
                        message);
    for (const LogField& field : fields) {
      absl::StrAppend(&line, " ", field.first, "=");
      if (NeedsQuotes(field.second)) {
        AppendJsonString(&line, field.second);
      } else {
        line.append(field.second);
      }
    }
    line.push_back('\n');
  }
  // One write(2) per line: concurrent lines never interleave.
  ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}

}  // namespace sitrep
