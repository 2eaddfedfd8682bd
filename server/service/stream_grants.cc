#include "server/service/stream_grants.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {
namespace {

// The missions a right can be about today: bits 1..3.
uint32_t KnownMissions() {
  uint32_t mask = 0;
  for (int mission = 1; mission <= v1::Mission_MAX; ++mission) {
    mask |= uint32_t{1} << mission;
  }
  return mask;
}

}  // namespace

absl::Status RecheckGrant(const Authenticator& authenticator,
                          const StreamGrant& grant) {
  absl::StatusOr<Principal> now = authenticator.Authenticate(grant.credentials);
  if (!now.ok() || now->name != grant.principal) {
    return absl::UnauthenticatedError(
        "the access policy was reloaded and no longer accepts this stream's "
        "credentials (token or certificate revoked); reconnect with valid "
        "credentials");
  }
  const uint32_t lost_read =
      grant.read_missions & ~now->read_missions & KnownMissions();
  const uint32_t lost_publish =
      grant.publish_missions & ~now->publish_missions & KnownMissions();
  if (lost_read != 0 || lost_publish != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the access policy was reloaded and principal '", grant.principal,
        "' may no longer ", lost_read != 0 ? "read" : "publish as",
        " a mission this stream uses; open a new stream within the "
        "principal's rights"));
  }
  return absl::OkStatus();
}

StreamGrants::Registration& StreamGrants::Registration::operator=(
    Registration&& other) noexcept {
  if (this != &other) {
    Reset();
    grants_ = std::exchange(other.grants_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void StreamGrants::Registration::Reset() {
  if (grants_ != nullptr) std::exchange(grants_, nullptr)->Remove(id_);
}

StreamGrants::Registration StreamGrants::Add(StreamGrant grant,
                                             EndFunction end) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  entries_.emplace(id, Entry{std::move(grant), std::move(end)});
  return Registration(this, id);
}

void StreamGrants::Remove(uint64_t id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(id);
}

size_t StreamGrants::Recheck(const Authenticator& authenticator) {
  std::vector<Entry> entries;
  {
    absl::MutexLock lock(&mu_);
    entries.reserve(entries_.size());
    for (const auto& [id, entry] : entries_) entries.push_back(entry);
  }
  size_t ended = 0;
  for (const Entry& entry : entries) {
    absl::Status status = RecheckGrant(authenticator, entry.grant);
    if (status.ok()) continue;
    entry.end(status);
    ++ended;
  }
  return ended;
}

size_t StreamGrants::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace sitrep
