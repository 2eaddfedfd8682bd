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
// in its quarantine (256 MB) first, which the bound must allow.
constexpr int64_t RssBoundKiB(int64_t kib) {
#ifdef SITREP_SANITIZED
  return kib + 300 * 1024;
#else
  return kib;
#endif
}

}  // namespace sitrep::testing

#endif  // SITREP_TESTS_SECURITY_SITREPD_CHILD_H_
