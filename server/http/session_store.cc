#include "server/http/session_store.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/strings/escaping.h"

namespace sitrep {

std::string SessionStore::Create(std::string authorization) {
  unsigned char bytes[32];
  // OpenSSL's CSPRNG: a session id is a bearer secret.
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
  std::string id = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  DropExpiredLocked(now);
  if (sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.expires < oldest->second.expires) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[id] = Session{std::move(authorization), now + options_.ttl};
  return id;
}

std::optional<std::string> SessionStore::Find(const std::string& id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.authorization;
}

void SessionStore::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

size_t SessionStore::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

void SessionStore::DropExpiredLocked(absl::Time now) {
  absl::erase_if(sessions_, [now](const auto& entry) {
    return entry.second.expires <= now;
  });
}

}  // namespace sitrep
