#ifndef SITREP_SERVER_INCIDENT_MISSION_SET_H_
#define SITREP_SERVER_INCIDENT_MISSION_SET_H_

#include <cstdint>

#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// A set of missions (v1::Mission values), as a bitset: the missions a
// filter follows (FilterMatcher::Missions()), the missions a log entry
// concerns (LogEntry::missions), the missions a catch-up read keeps
// (EventLog::ReadForMissions). A value type, two words wide: pass it by
// value.
//
//   MissionSet followed = MissionSet::Of(v1::MISSION_KFOR) |
//                         MissionSet::Of(v1::MISSION_EULEX);
//   if (followed.Intersects(entry->missions)) ...   // worth decoding
//
// All() holds every mission, also values a newer proto may add; a set made
// from explicit missions holds only those. It lives here, next to the tiers
// of the security chain, because the log, the filter and the fan-out all
// speak it and none of them should depend on another for it.
class MissionSet {
 public:
  // How many v1::Mission values there are, MISSION_UNSPECIFIED included:
  // the size of an array indexed by mission.
  static constexpr int kCount = v1::Mission_ARRAYSIZE;

  // The empty set.
  constexpr MissionSet() = default;

  // Every mission, known or not.
  static constexpr MissionSet All() { return MissionSet(~uint32_t{0}); }
  // The set whose bit 1 << m is set for each mission m in it: the encoding
  // of access policies (Principal::read_missions) and of SQLite's query.
  static constexpr MissionSet FromBits(uint32_t bits) {
    return MissionSet(bits);
  }
  // `mission` alone. A value outside the enum (a newer publisher's) counts
  // as MISSION_UNSPECIFIED: only a reader following every mission takes it.
  static constexpr MissionSet Of(int mission) {
    return MissionSet((mission >= 0 && mission < kCount) ? (1u << mission)
                                                         : 1u);
  }

  constexpr uint32_t bits() const { return bits_; }
  constexpr bool IsAll() const { return bits_ == ~uint32_t{0}; }
  constexpr bool empty() const { return bits_ == 0; }
  // Whether `mission` is in the set (a value beyond 31 never is, unless
  // the set is All()).
  constexpr bool Contains(int mission) const {
    if (IsAll()) return true;
    return mission >= 0 && mission < 32 && ((bits_ >> mission) & 1u) != 0;
  }
  constexpr bool Intersects(MissionSet other) const {
    return (bits_ & other.bits_) != 0;
  }

  constexpr MissionSet operator|(MissionSet other) const {
    return MissionSet(bits_ | other.bits_);
  }
  constexpr MissionSet operator&(MissionSet other) const {
    return MissionSet(bits_ & other.bits_);
  }
  MissionSet& operator|=(MissionSet other) {
    bits_ |= other.bits_;
    return *this;
  }
  constexpr bool operator==(MissionSet other) const {
    return bits_ == other.bits_;
  }
  constexpr bool operator!=(MissionSet other) const {
    return bits_ != other.bits_;
  }

 private:
  constexpr explicit MissionSet(uint32_t bits) : bits_(bits) {}

  uint32_t bits_ = 0;
};

static_assert(MissionSet::kCount <= 8,
              "UpdateRing keeps each entry's missions in one byte");

}  // namespace sitrep

#endif  // SITREP_SERVER_INCIDENT_MISSION_SET_H_
