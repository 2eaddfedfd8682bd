#ifndef SITREP_SERVER_HTTP_SESSION_STORE_H_
#define SITREP_SERVER_HTTP_SESSION_STORE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/runtime/clock.h"

namespace sitrep {

// Browser sessions: EventSource cannot send an Authorization header, so a
// page trades its bearer token for a random session id in an HttpOnly
// cookie (docs/http.md). A session keeps the `authorization` value it was
// made with, and every request re-authenticates it, so a token removed from
// the access policy ends its sessions at the next request. In memory only:
// sessions end with the process.
//
// Thread safety: all methods are safe to call concurrently.
class SessionStore {
 public:
  struct Options {
    absl::Duration ttl = absl::Hours(12);
    // Beyond this, the session closest to its expiry of the principal
    // holding the most sessions is dropped.
    size_t max_sessions = 10000;
    // Sessions per principal; beyond this, that principal's session closest
    // to its expiry is dropped. So one principal (one leaked token, one
    // script logging in in a loop) can never push out another principal's
    // sessions (issue 17, L-1).
    size_t max_per_principal = 100;
  };

  SessionStore(Clock* clock, Options options)
      : clock_(clock), options_(options) {}

  // A new session of `principal` for `authorization`; returns its id (256
  // random bits, hex).
  std::string Create(const std::string& principal, std::string authorization);
  // The session's authorization, if it exists and has not expired.
  std::optional<std::string> Find(const std::string& id);
  void Remove(const std::string& id);

  absl::Duration ttl() const { return options_.ttl; }
  size_t size() const;

 private:
  struct Session {
    std::string principal;
    std::string authorization;
    absl::Time expires;
  };
  void DropExpiredLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the session of `principal` closest to its expiry.
  void DropOldestLocked(const std::string& principal)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked(
      absl::flat_hash_map<std::string, Session>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  const Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  // Sessions per principal (only principals holding some).
  absl::flat_hash_map<std::string, size_t> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_SESSION_STORE_H_
