#include "bench/bench_common.h"

#include <cstdarg>
#include <cstdio>

namespace sitrep::bench {

void Result(const std::string& scenario, const std::string& system,
            const std::string& figure, double value) {
  std::printf("RESULT\t%s\t%s\t%s\t%.6g\n", scenario.c_str(), system.c_str(),
              figure.c_str(), value);
  std::fflush(stdout);
}

void Note(const char* format, ...) __attribute__((format(printf, 1, 2)));
void Note(const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fprintf(stderr, "sitrep-bench: ");
  std::vfprintf(stderr, format, args);
  std::fprintf(stderr, "\n");
  va_end(args);
}


}  // namespace sitrep::bench
