#include "server/ingest/event_id.h"

#include <cstdint>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace sitrep {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t RandomBits() {
  static absl::Mutex mu;
  static std::mt19937_64* engine ABSL_GUARDED_BY(mu) = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return new std::mt19937_64(seed);
  }();
  absl::MutexLock lock(&mu);
  return (*engine)();
}

}  // namespace

std::string NewEventId(absl::Time now) {
  const uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now));
  const uint64_t high = RandomBits();  // 16 of these bits are used
  const uint64_t low = RandomBits();   // all 64 used
  // 128 bits: 48 time | 80 random, written as 26 base32 digits (130 bits,
  // the top two are zero).
  unsigned __int128 value = (static_cast<unsigned __int128>(millis & 0xFFFFFFFFFFFFull) << 80) |
                            (static_cast<unsigned __int128>(high & 0xFFFF) << 64) | low;
  std::string id(26, '0');
  for (int i = 25; i >= 0; --i) {
    id[i] = kCrockford[static_cast<int>(value & 31)];
    value >>= 5;
  }
  return id;
}

}  // namespace sitrep
