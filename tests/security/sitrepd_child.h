#ifndef SITREP_TESTS_SECURITY_SITREPD_CHILD_H_
#define SITREP_TESTS_SECURITY_SITREPD_CHILD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace sitrep::testing {

// A sitrepd child for the attack tests: plaintext gRPC on 127.0.0.1 port 0
// (read back from its --port_file), its data under `dir`, no metrics or
// HTTP listener, no shutdown drain; `extra` flags are appended. `port` is 0
// when it did not start (its stderr says why).
struct SitrepdChild {
  std::unique_ptr<Subprocess> process;
  int port = 0;
};
SitrepdChild StartSitrepdChild(const std::string& sitrepd_path,
                               const std::string& dir,
                               const std::vector<std::string>& extra = {});

// A resident-memory bound of a test, in KiB: under ASan freed memory stays
// in its quarantine (256 MB) first, and every allocation carries redzones
// (the rapid-reset attack's 700,000 streams grew an ASan sitrepd by 516 MiB
// against 41 MB without it), which the bound must allow. The release build
// holds the real bound.
constexpr int64_t RssBoundKiB(int64_t kib) {
#ifdef SITREP_SANITIZED
  return kib + 600 * 1024;
#else
  return kib;
#endif
}

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SECURITY_SITREPD_CHILD_H_
