// The sink's cursor file: round trip, a first run, a damaged file, and no
// temporary file left behind.
#include "server/sinks/sink_cursor_file.h"

#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::StatusIs;

TEST(SinkCursorFileTest, RoundTripAndReplace) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/ops.cursor";
  SITREP_ASSERT_OK_AND_ASSIGN(std::optional<v1::Cursor> none,
                              LoadSinkCursor(path));
  EXPECT_FALSE(none.has_value());

  v1::Cursor cursor;
  cursor.set_log_id("log-1");
  cursor.set_sequence(42);
  SITREP_ASSERT_OK(SaveSinkCursor(path, cursor, /*sync=*/true));
  cursor.set_sequence(43);
  SITREP_ASSERT_OK(SaveSinkCursor(path, cursor, /*sync=*/false));
  SITREP_ASSERT_OK_AND_ASSIGN(std::optional<v1::Cursor> loaded,
                              LoadSinkCursor(path));
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->log_id(), "log-1");
  EXPECT_EQ(loaded->sequence(), 43u);
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0);

  // The CLI's --cursor-file format, readable by people.
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"log_id\":\"log-1\",\"sequence\":\"43\"}\n");
}

TEST(SinkCursorFileTest, DamagedFileIsFailedPrecondition) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/ops.cursor";
  std::ofstream(path) << "{\"sequence\": 5";
  EXPECT_THAT(LoadSinkCursor(path),
              StatusIs(absl::StatusCode::kFailedPrecondition, path));
}

TEST(SinkCursorFileTest, UnwritableDirectoryIsUnavailable) {
  v1::Cursor cursor;
  cursor.set_log_id("log-1");
  EXPECT_THAT(SaveSinkCursor("/nonexistent/dir/ops.cursor", cursor, true),
              StatusIs(absl::StatusCode::kUnavailable, "/nonexistent/dir"));
}

}  // namespace
}  // namespace sitrep
