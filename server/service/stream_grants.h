#ifndef SITREP_SERVER_SERVICE_STREAM_GRANTS_H_
#define SITREP_SERVER_SERVICE_STREAM_GRANTS_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/auth/authenticator.h"

namespace sitrep {

// What an open stream was authorised with, kept so that a reload of the
// access policy can check it again (issue 17, M-4: a revocation must reach
// streams opened before it, not only the calls after it).
struct StreamGrant {
  // What the stream's call presented (the token stays in memory as long as
  // the call's own metadata does; it is never logged).
  CallCredentials credentials;
  // The principal they named when the stream opened.
  std::string principal;
  // The rights the stream uses (bit 1 << Mission each): the missions a
  // Subscribe or SSE stream reads, the missions a PublishStream may publish
  // as.
  uint32_t read_missions = 0;
  uint32_t publish_missions = 0;
};

// OK while `grant` holds under `authenticator`'s current policy;
// UNAUTHENTICATED when its credentials no longer authenticate (a revoked
// token or certificate) or name another principal; PERMISSION_DENIED when
// the principal lost a right the stream uses. Only the three missions
// count: a policy that lists them instead of "all" takes nothing away.
absl::Status RecheckGrant(const Authenticator& authenticator,
                          const StreamGrant& grant);

// The open streams' grants.
//
// Thread safety: all methods may run concurrently. The registry must
// outlive its registrations.
class StreamGrants {
 public:
  // Ends a stream with a status. Recheck may call it even after the
  // stream's registration is gone, and again on a later reload while the
  // stream is still ending, so it must check that its stream still exists
  // (a weak_ptr, a guarded pointer) and do nothing the second time; it runs
  // without any lock of the registry held.
  using EndFunction = std::function<void(const absl::Status&)>;

  // A stream's place in the registry; leaves it when destroyed or reset.
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept { *this = std::move(other); }
    Registration& operator=(Registration&& other) noexcept;
    ~Registration() { Reset(); }
    void Reset();

   private:
    friend class StreamGrants;
    Registration(StreamGrants* grants, uint64_t id) : grants_(grants), id_(id) {}
    StreamGrants* grants_ = nullptr;
    uint64_t id_ = 0;
  };

  Registration Add(StreamGrant grant, EndFunction end);

  // Ends (with RecheckGrant's status) every stream whose grant no longer
  // holds. Returns how many were told to end.
  size_t Recheck(const Authenticator& authenticator);

  size_t size() const;

 private:
  struct Entry {
    StreamGrant grant;
    EndFunction end;
  };
  void Remove(uint64_t id);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace sitrep

#endif  // SITREP_SERVER_SERVICE_STREAM_GRANTS_H_
