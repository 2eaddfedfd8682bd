// Test helpers for the CLI's renderings: messages from text format, and
// render options that do not depend on the terminal, the time zone or the
// clock.
#ifndef SITREP_TESTS_CLI_RENDER_TESTING_H_
#define SITREP_TESTS_CLI_RENDER_TESTING_H_

#include <string>

#include "client/output.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sitrep::cli {

template <typename T>
T Parse(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// No colour, UTC, and "now" at `now_unix_seconds`.
inline RenderOptions Plain(int64_t now_unix_seconds = 1700000000) {
  RenderOptions options;
  options.color = false;
  options.time = TimeDisplay{};  // UTC
  options.width = 0;
  options.now = absl::FromUnixSeconds(now_unix_seconds);
  return options;
}

}  // namespace sitrep::cli

#endif  // SITREP_TESTS_CLI_RENDER_TESTING_H_
