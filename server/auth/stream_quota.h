#ifndef SITREP_SERVER_AUTH_STREAM_QUOTA_H_
#define SITREP_SERVER_AUTH_STREAM_QUOTA_H_

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace sitrep {

class StreamQuota;

// One open stream counted against its principal; releases it when
// destroyed or Release()d. Move-only.
class StreamLease {
 public:
  StreamLease() = default;
  StreamLease(StreamLease&& other) noexcept { *this = std::move(other); }
  StreamLease& operator=(StreamLease&& other) noexcept;
  StreamLease(const StreamLease&) = delete;
  StreamLease& operator=(const StreamLease&) = delete;
  ~StreamLease() { Release(); }

  void Release();

 private:
  friend class StreamQuota;
  StreamLease(StreamQuota* quota, std::string principal)
      : quota_(quota), principal_(std::move(principal)) {}

  StreamQuota* quota_ = nullptr;
  std::string principal_;
};

// Concurrent streams (Subscribe and PublishStream) per principal, so that
// one principal cannot take every stream the server can hold.
//
// Thread safety: all methods may run concurrently. The quota must outlive
// its leases.
class StreamQuota {
 public:
  // 0: no limit.
  explicit StreamQuota(size_t max_per_principal)
      : max_per_principal_(max_per_principal) {}

  // RESOURCE_EXHAUSTED when `principal` already holds the maximum.
  absl::StatusOr<StreamLease> Acquire(const std::string& principal);

  size_t open(const std::string& principal) const;

 private:
  friend class StreamLease;
  void Release(const std::string& principal);

  const size_t max_per_principal_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_AUTH_STREAM_QUOTA_H_
