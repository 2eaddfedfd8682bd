#include "server/auth/stream_quota.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sitrep {

StreamLease& StreamLease::operator=(StreamLease&& other) noexcept {
  if (this != &other) {
    Release();
    quota_ = std::exchange(other.quota_, nullptr);
    principal_ = std::move(other.principal_);
  }
  return *this;
}

void StreamLease::Release() {
  if (quota_ != nullptr) std::exchange(quota_, nullptr)->Release(principal_);
}

absl::StatusOr<StreamLease> StreamQuota::Acquire(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  size_t& open = open_[principal];
  if (max_per_principal_ > 0 && open >= max_per_principal_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "principal '", principal, "' already has ", open,
        " open streams, the most allowed (--max_streams_per_principal); "
        "close one first"));
  }
  ++open;
  return StreamLease(this, principal);
}

void StreamQuota::Release(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(principal);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

size_t StreamQuota::open(const std::string& principal) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(principal);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace sitrep
