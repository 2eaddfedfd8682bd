#include "client/backoff.h"

#include <algorithm>

namespace sitrep::cli {

Backoff::Backoff(BackoffOptions options, uint64_t seed)
    : options_(options), current_(options.initial), state_(seed) {}

double Backoff::NextUnit() {
  // splitmix64: tiny, and good enough for jitter.
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);
}

absl::Duration Backoff::Next() {
  const absl::Duration base = current_;
  current_ = std::min(options_.maximum, current_ * options_.multiplier);
  const double jitter = std::clamp(options_.jitter, 0.0, 1.0);
  return base * (1.0 - jitter * NextUnit());
}

void Backoff::Reset() { current_ = options_.initial; }

}  // namespace sitrep::cli
