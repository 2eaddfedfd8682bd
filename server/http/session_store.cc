#include "server/http/session_store.h"

#include <openssl/rand.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/escaping.h"

namespace sitrep {

std::string SessionStore::Create(const std::string& principal,
                                 std::string authorization) {
  unsigned char bytes[32];
  // OpenSSL's CSPRNG: a session id is a bearer secret.
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
  std::string id = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  DropExpiredLocked(now);
  auto held = held_.find(principal);
  if (held != held_.end() && held->second >= options_.max_per_principal) {
    DropOldestLocked(principal);
  } else if (sessions_.size() >= options_.max_sessions) {
    // From the principal holding the most: a newcomer takes its place from
    // the largest holder, never from one with a few sessions. Among equal
    // holders, the oldest session goes (not the hash map's order).
    size_t most = 0;
    for (const auto& [name, count] : held_) most = std::max(most, count);
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (held_[it->second.principal] != most) continue;
      if (oldest == sessions_.end() ||
          it->second.expires < oldest->second.expires) {
        oldest = it;
      }
    }
    if (oldest != sessions_.end()) EraseLocked(oldest);
  }
  sessions_[id] = Session{principal, std::move(authorization),
                          now + options_.ttl};
  ++held_[principal];
  return id;
}

void SessionStore::DropOldestLocked(const std::string& principal) {
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.principal != principal) continue;
    if (oldest == sessions_.end() ||
        it->second.expires < oldest->second.expires) {
      oldest = it;
    }
  }
  if (oldest != sessions_.end()) EraseLocked(oldest);
}

void SessionStore::EraseLocked(
    absl::flat_hash_map<std::string, Session>::iterator it) {
  auto held = held_.find(it->second.principal);
  if (held != held_.end() && --held->second == 0) held_.erase(held);
  sessions_.erase(it);
}

std::optional<std::string> SessionStore::Find(const std::string& id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    EraseLocked(it);
    return std::nullopt;
  }
  return it->second.authorization;
}

void SessionStore::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) EraseLocked(it);
}

size_t SessionStore::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

void SessionStore::DropExpiredLocked(absl::Time now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (it->second.expires <= now) EraseLocked(it);
    it = next;
  }
}

}  // namespace sitrep
