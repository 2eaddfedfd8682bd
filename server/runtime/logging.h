#ifndef SITREP_SERVER_RUNTIME_LOGGING_H_
#define SITREP_SERVER_RUNTIME_LOGGING_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// One log line per event on stderr, as text or as JSON (Debian 12's abseil
// has no absl/log). Never log tokens or update bodies at info level.
//
// Thread safety: every function may be called from any thread; a line is
// written with one write(2) so lines never interleave.

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// Process-wide settings; default text at info level.
void SetLogFormat(LogFormat format);
void SetMinLogLevel(LogLevel level);
absl::Status ParseLogFormat(absl::string_view text, LogFormat* format);

using LogField = std::pair<absl::string_view, std::string>;

// Writes `message` with `component` ("log", "api", ...) and extra fields.
void Log(LogLevel level, absl::string_view component,
         absl::string_view message,
         std::initializer_list<LogField> fields = {});

inline void LogInfo(absl::string_view component, absl::string_view message,
                    std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, component, message, fields);
}
inline void LogWarning(absl::string_view component, absl::string_view message,
                       std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, component, message, fields);
}
inline void LogError(absl::string_view component, absl::string_view message,
                     std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, component, message, fields);
}

}  // namespace sitrep

#endif  // SITREP_SERVER_RUNTIME_LOGGING_H_
