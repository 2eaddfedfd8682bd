#include "client/cursor_file.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace sitrep::cli {
namespace {

TEST(CursorFileTest, MissingFileMeansFirstRun) {
  testing::TempDir dir;
  absl::StatusOr<std::optional<sitrep::v1::Cursor>> cursor =
      LoadCursorFile(dir.path() + "/cursor.json");
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_FALSE(cursor->has_value());
}

TEST(CursorFileTest, SavedCursorLoadsBackAndReadsAsJson) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/cursor.json";
  sitrep::v1::Cursor cursor;
  cursor.set_log_id("01HXLOG");
  cursor.set_sequence(12345678901234ULL);
  ASSERT_TRUE(SaveCursorFile(path, cursor).ok());
  cursor.set_sequence(12345678901235ULL);
  ASSERT_TRUE(SaveCursorFile(path, cursor).ok());  // replaces

  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"log_id\":\"01HXLOG\",\"sequence\":\"12345678901235\"}\n");

  absl::StatusOr<std::optional<sitrep::v1::Cursor>> loaded = LoadCursorFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->log_id(), "01HXLOG");
  EXPECT_EQ((*loaded)->sequence(), 12345678901235ULL);
}

TEST(CursorFileTest, NumericSequenceIsAcceptedToo) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/cursor.json";
  std::ofstream(path) << R"({"log_id": "abc", "sequence": 42})";
  absl::StatusOr<std::optional<sitrep::v1::Cursor>> loaded = LoadCursorFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->sequence(), 42u);
}

TEST(CursorFileTest, GarbageIsAnErrorNamingThePath) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/cursor.json";
  std::ofstream(path) << "not json";
  absl::StatusOr<std::optional<sitrep::v1::Cursor>> loaded = LoadCursorFile(path);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find(path), std::string::npos);
}

TEST(CursorFileTest, SaveLeavesNoTemporaryFileBehind) {
  testing::TempDir dir;
  sitrep::v1::Cursor cursor;
  cursor.set_log_id("x");
  ASSERT_TRUE(SaveCursorFile(dir.path() + "/c", cursor).ok());
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace sitrep::cli
