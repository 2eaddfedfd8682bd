// The one temporary directory of the tests and of the bench: a fresh
// directory under $TEST_TMPDIR (ctest and Bazel set it) or /tmp, removed
// with everything in it when the object goes away. No GoogleTest here, so
// that bench/ (which is no test) can use it too.
//
//   TempDir dir;
//   std::ofstream(dir.path() + "/policy.json") << ...;
#ifndef SITREP_TESTS_SUPPORT_TEMP_DIR_H_
#define SITREP_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace sitrep::testing {

// Not thread-safe; the path is constant after construction.
class TempDir {
 public:
  // The directory is named `prefix` + six random characters. Aborts the
  // program (a test or the bench cannot go on without it) when it cannot
  // be made.
  explicit TempDir(const std::string& prefix = "sitrep-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Absolute, without a trailing slash.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SUPPORT_TEMP_DIR_H_
