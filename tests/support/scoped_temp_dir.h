#ifndef SITREP_TESTS_SUPPORT_SCOPED_TEMP_DIR_H_
#define SITREP_TESTS_SUPPORT_SCOPED_TEMP_DIR_H_

#include <string>

namespace sitrep {

// A fresh directory under ::testing::TempDir(), removed with its contents
// when the object goes away. Aborts the test binary if it cannot be made.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sitrep

#endif  // SITREP_TESTS_SUPPORT_SCOPED_TEMP_DIR_H_
