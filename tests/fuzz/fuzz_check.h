// SITREP_FUZZ_CHECK: a property of the code under test that every input must
// keep. A violation prints what broke and aborts, so libFuzzer saves the
// input as a crash artifact like any sanitizer report.
#ifndef SITREP_TESTS_FUZZ_FUZZ_CHECK_H_
#define SITREP_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/common.h"

namespace sitrep::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* condition,
                              const std::string& detail) {
  std::fprintf(stderr, "\n==sitrep-fuzz== %s:%d: property violated: %s\n%s\n",
               file, line, condition, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// What protobuf accepts in a proto3 `string` field: an error message that
// fails this cannot travel in v1::ErrorStatus or a google.rpc.BadRequest
// detail (the receiver's parse rejects it).
inline bool IsValidUtf8(absl::string_view text) {
  return google::protobuf::internal::IsStructurallyValidUTF8(
      text.data(), static_cast<int>(text.size()));
}

}  // namespace sitrep::fuzz

// The arguments after the condition are StrCat'ed into the report (at least
// one: say what was being checked and on what).
#define SITREP_FUZZ_CHECK(condition, ...)                  \
  do {                                                     \
    if (!(condition)) {                                    \
      ::sitrep::fuzz::Fail(__FILE__, __LINE__, #condition, \
                           ::absl::StrCat(__VA_ARGS__));   \
    }                                                      \
  } while (0)

#endif  // SITREP_TESTS_FUZZ_FUZZ_CHECK_H_
