#include "server/auth/secret_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace sitrep {
namespace {

using ::sitrep::testing::StatusIs;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Issue 17, I-5: a token file is 0600 even under a permissive umask.
TEST(SecretFileTest, WritesANewFileReadableByItsOwnerOnly) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/kp.token";
  const mode_t previous = umask(0);
  const absl::Status written = WriteSecretFile(path, "sitrep_secret\n");
  umask(previous);
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ReadAll(path), "sitrep_secret\n");
}

TEST(SecretFileTest, RefusesAnExistingFileAndLeavesItAlone) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/kp.token";
  std::ofstream(path) << "old";
  EXPECT_THAT(WriteSecretFile(path, "new"),
              StatusIs(absl::StatusCode::kAlreadyExists, "already exists"));
  EXPECT_EQ(ReadAll(path), "old");
}

TEST(SecretFileTest, RefusesASymbolicLink) {
  testing::TempDir dir;
  const std::string target = dir.path() + "/elsewhere";
  const std::string path = dir.path() + "/kp.token";
  ASSERT_EQ(symlink(target.c_str(), path.c_str()), 0);
  EXPECT_FALSE(WriteSecretFile(path, "secret").ok());
  EXPECT_NE(access(target.c_str(), F_OK), 0);  // nothing written through it
}

}  // namespace
}  // namespace sitrep
