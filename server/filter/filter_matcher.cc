#include "server/filter/filter_matcher.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/filter/label_selector.h"
#include "server/filter/wake_keys.h"
#include "server/incident/update_status.h"
#include "server/ingest/municipality.h"

namespace sitrep {
namespace {

// Enum masks: bit v is set when value v is allowed; all bits when the field
// does not restrict. A restricted mask never has bit 0 (UNSPECIFIED is
// rejected), so it is never all ones.
constexpr uint32_t kAll = ~uint32_t{0};
static_assert(v1::Mission_MAX < 32 && v1::Role_MAX < 32 &&
                  v1::Category_MAX < 32 && v1::Kind_MAX < 32 &&
                  v1::Status_MAX < 32 && v1::Certainty_MAX < 32,
              "enum values must fit a 32-bit mask");

// Values outside 0..31 (unknown to this build) only pass an unrestricted
// field; a plain shift would be undefined or alias another value.
inline bool InMask(uint32_t mask, int value) {
  const auto v = static_cast<uint32_t>(value);
  return v < 32 ? ((mask >> v) & 1u) != 0 : mask == kAll;
}

// A few strings, looked up without allocating. Below kLinearMax a scan of
// length-first compares beats hashing; above it, a hash set.
class StringSet {
 public:
  void Insert(std::string value) {
    if (Contains(value)) return;
    if (hashed_.empty() && linear_.size() < kLinearMax) {
      linear_.push_back(std::move(value));
      return;
    }
    if (hashed_.empty()) {
      hashed_.insert(std::make_move_iterator(linear_.begin()),
                     std::make_move_iterator(linear_.end()));
      linear_.clear();
    }
    hashed_.insert(std::move(value));
  }
  bool empty() const { return linear_.empty() && hashed_.empty(); }
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const std::string& s : linear_) fn(s);
    for (const std::string& s : hashed_) fn(s);
  }
  bool Contains(absl::string_view value) const {
    if (!hashed_.empty()) return hashed_.contains(value);
    for (const std::string& s : linear_) {
      if (s == value) return true;
    }
    return false;
  }

 private:
  static constexpr size_t kLinearMax = 8;
  std::vector<std::string> linear_;
  absl::flat_hash_set<std::string> hashed_;
};

class CompiledFilter final : public FilterMatcher {
 public:
  bool Matches(const v1::SituationUpdate& update) const override {
    if (!InMask(readable_mask_, update.mission()) ||
        !InMask(mission_mask_, update.mission()) ||
        !InMask(role_mask_, update.role()) ||
        !InMask(category_mask_, update.category()) ||
        !InMask(kind_mask_, update.kind()) ||
        !InMask(status_mask_, EffectiveStatus(update)) ||
        !InMask(certainty_mask_, EffectiveCertainty(update))) {
      return false;
    }
    if (min_severity_ != v1::SEVERITY_UNSPECIFIED &&
        (update.severity() < min_severity_ ||
         update.severity() > v1::Severity_MAX)) {
      return false;
    }
    if (has_box_ && !InBox(update.location())) return false;
    if (!incident_ids_.empty() && !incident_ids_.Contains(update.incident_id())) {
      return false;
    }
    if (!municipalities_.empty() &&
        !municipalities_.Contains(update.location().municipality())) {
      return false;
    }
    return selector_.empty() || selector_.Matches(update.labels());
  }

  bool Readable(const v1::SituationUpdate& update) const override {
    return InMask(readable_mask_, update.mission());
  }

  bool MatchesEverything() const override {
    return readable_mask_ == kAll && mission_mask_ == kAll && role_mask_ == kAll &&
           category_mask_ == kAll && kind_mask_ == kAll &&
           status_mask_ == kAll && certainty_mask_ == kAll &&
           min_severity_ == v1::SEVERITY_UNSPECIFIED && !has_box_ &&
           incident_ids_.empty() && municipalities_.empty() &&
           selector_.empty();
  }

  MissionSet Missions() const override {
    return MissionSet::FromBits(mission_mask_ & readable_mask_);
  }
  bool RestrictsKinds() const override { return kind_mask_ != kAll; }
  bool RestrictsStatuses() const override { return status_mask_ != kAll; }

  std::vector<WakeKey> WakeKeys() const override {
    std::vector<WakeKey> keys;
    if (!incident_ids_.empty()) {
      incident_ids_.ForEach([&](const std::string& id) {
        keys.push_back(MakeWakeKey(WakeField::kIncident, id));
      });
      return keys;
    }
    std::string label;
    std::vector<std::string> values;
    if (selector_.PresenceRequirement(&label, &values)) {
      if (values.empty()) return {MakeWakeKey(WakeField::kLabelPresent, label)};
      for (const std::string& value : values) {
        keys.push_back(MakeLabelValueKey(label, value));
      }
      return keys;
    }
    if (!municipalities_.empty()) {
      municipalities_.ForEach([&](const std::string& id) {
        keys.push_back(MakeWakeKey(WakeField::kMunicipality, id));
      });
      return keys;
    }
    const struct {
      WakeField field;
      uint32_t mask;
    } enums[] = {{WakeField::kCategory, category_mask_},
                 {WakeField::kKind, kind_mask_},
                 {WakeField::kRole, role_mask_}};
    for (const auto& e : enums) {
      if (e.mask == kAll) continue;
      for (int value = 0; value < 32; ++value) {
        if (InMask(e.mask, value)) keys.push_back(MakeWakeKey(e.field, value));
      }
      return keys;
    }
    if (min_severity_ != v1::SEVERITY_UNSPECIFIED) {
      for (int value = min_severity_; value <= v1::Severity_MAX; ++value) {
        keys.push_back(MakeWakeKey(WakeField::kSeverity, value));
      }
      return keys;
    }
    return MissionWakeKeys(Missions());
  }

 private:
  friend class FilterCompiler;
  friend class FilterMatcher;  // Compile sets readable_mask_.

  bool InBox(const v1::Location& location) const {
    if (!location.has_point()) return false;
    const double lat = location.point().latitude();
    const double lng = location.point().longitude();
    // NaN compares false, so a NaN point is outside every box.
    return lat >= min_lat_ && lat <= max_lat_ && lng >= min_lng_ &&
           lng <= max_lng_;
  }

  uint32_t readable_mask_ = kAll;
  uint32_t mission_mask_ = kAll;
  uint32_t role_mask_ = kAll;
  uint32_t category_mask_ = kAll;
  uint32_t kind_mask_ = kAll;
  uint32_t status_mask_ = kAll;
  uint32_t certainty_mask_ = kAll;
  int min_severity_ = v1::SEVERITY_UNSPECIFIED;
  bool has_box_ = false;
  double min_lat_ = 0, max_lat_ = 0, min_lng_ = 0, max_lng_ = 0;
  StringSet incident_ids_;
  StringSet municipalities_;
  LabelSelector selector_;
};

// What an enum field of Filter needs for compiling and for its messages.
struct EnumField {
  absl::string_view name;         // "missions"
  absl::string_view noun;         // "mission"
  absl::string_view unspecified;  // "MISSION_UNSPECIFIED"
  bool (*is_valid)(int);
};

// Turns one Filter into a CompiledFilter, naming fields under `prefix`.
class FilterCompiler {
 public:
  FilterCompiler(const FilterLimits& limits, absl::string_view prefix)
      : limits_(limits), prefix_(prefix) {}

  absl::Status Compile(const v1::Filter& filter, CompiledFilter& out) const {
    struct {
      const EnumField field;
      const google::protobuf::RepeatedField<int>& values;
      uint32_t& mask;
    } enums[] = {
        {{"missions", "mission", "MISSION_UNSPECIFIED", &v1::Mission_IsValid},
         filter.missions(), out.mission_mask_},
        {{"roles", "role", "ROLE_UNSPECIFIED", &v1::Role_IsValid},
         filter.roles(), out.role_mask_},
        {{"categories", "category", "CATEGORY_UNSPECIFIED",
          &v1::Category_IsValid},
         filter.categories(), out.category_mask_},
        {{"kinds", "kind", "KIND_UNSPECIFIED", &v1::Kind_IsValid},
         filter.kinds(), out.kind_mask_},
        {{"statuses", "status", "STATUS_UNSPECIFIED", &v1::Status_IsValid},
         filter.statuses(), out.status_mask_},
        {{"certainties", "certainty", "CERTAINTY_UNSPECIFIED",
          &v1::Certainty_IsValid},
         filter.certainties(), out.certainty_mask_},
    };
    for (auto& e : enums) {
      if (absl::Status s = CompileMask(e.field, e.values, e.mask); !s.ok()) {
        return s;
      }
    }
    if (!v1::Severity_IsValid(filter.min_severity())) {
      return Invalid("min_severity", "unknown severity ", filter.min_severity(),
                     "; use SEVERITY_UNKNOWN..SEVERITY_EXTREME, or leave it "
                     "unset for any");
    }
    out.min_severity_ = filter.min_severity();
    if (absl::Status s = CompileMunicipalities(filter, out); !s.ok()) return s;
    if (absl::Status s = CompileIncidentIds(filter, out); !s.ok()) return s;
    if (filter.has_bounding_box()) {
      if (absl::Status s = CompileBox(filter.bounding_box(), out); !s.ok()) {
        return s;
      }
    }
    LabelSelector::Limits selector_limits;
    selector_limits.max_bytes = limits_.max_label_selector_bytes;
    selector_limits.max_requirements = limits_.max_label_requirements;
    selector_limits.max_values_per_set = limits_.max_values_per_field;
    absl::StatusOr<LabelSelector> selector =
        LabelSelector::Parse(filter.label_selector(), selector_limits);
    if (!selector.ok()) {
      return Invalid("label_selector", selector.status().message());
    }
    out.selector_ = *std::move(selector);
    return absl::OkStatus();
  }

 private:
  std::string Path(absl::string_view field) const {
    return prefix_.empty() ? std::string(field)
                           : absl::StrCat(prefix_, ".", field);
  }
  std::string Path(absl::string_view field, int index) const {
    return absl::StrCat(Path(field), "[", index, "]");
  }
  template <typename... Args>
  absl::Status Invalid(absl::string_view path, const Args&... args) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Path(path), ": ", args...));
  }
  template <typename... Args>
  absl::Status InvalidAt(absl::string_view field, int index,
                         const Args&... args) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Path(field, index), ": ", args...));
  }

  absl::Status CheckCount(absl::string_view field, int count) const {
    if (count <= limits_.max_values_per_field) return absl::OkStatus();
    return Invalid(field, "has ", count, " values; at most ",
                   limits_.max_values_per_field, " are allowed");
  }

  absl::Status CompileMask(const EnumField& field,
                           const google::protobuf::RepeatedField<int>& values,
                           uint32_t& mask) const {
    if (values.empty()) return absl::OkStatus();  // mask stays kAll
    if (absl::Status s = CheckCount(field.name, values.size()); !s.ok()) {
      return s;
    }
    mask = 0;
    for (int i = 0; i < values.size(); ++i) {
      const int v = values[i];
      if (v == 0) {
        return InvalidAt(field.name, i, field.unspecified, " is not a ",
                         field.noun, " to select; list the ", field.name,
                         " to include, or leave the field empty for all");
      }
      if (!field.is_valid(v)) {
        return InvalidAt(field.name, i, "unknown ", field.noun, " ", v);
      }
      mask |= uint32_t{1} << v;
    }
    return absl::OkStatus();
  }

  absl::Status CompileMunicipalities(const v1::Filter& filter,
                                     CompiledFilter& out) const {
    const auto& names = filter.municipalities();
    if (absl::Status s = CheckCount("municipalities", names.size()); !s.ok()) {
      return s;
    }
    for (int i = 0; i < names.size(); ++i) {
      if (names[i].empty()) {
        return InvalidAt("municipalities", i,
                         "is empty; name one of Kosovo's 38 municipalities");
      }
      absl::StatusOr<std::string> id = NormalizeMunicipality(names[i]);
      if (!id.ok()) {
        // A user who wanted "everywhere" and typed something needs to hear
        // that no municipality is how to say it.
        const bool suggested = absl::EndsWith(id.status().message(), "?");
        return InvalidAt("municipalities", i, id.status().message(),
                         suggested ? " Name" : "; name",
                         " one of Kosovo's 38 municipalities, or leave "
                         "municipalities out: without them the filter is "
                         "Kosovo-wide");
      }
      out.municipalities_.Insert(*std::move(id));
    }
    return absl::OkStatus();
  }

  // The rule the validator applies to SituationUpdate.incident_id: an id
  // outside it could never match, so it is a mistake worth reporting.
  absl::Status CompileIncidentIds(const v1::Filter& filter,
                                  CompiledFilter& out) const {
    constexpr size_t kMaxIncidentIdChars = 128;
    const auto& ids = filter.incident_ids();
    if (absl::Status s = CheckCount("incident_ids", ids.size()); !s.ok()) {
      return s;
    }
    for (int i = 0; i < ids.size(); ++i) {
      const std::string& id = ids[i];
      if (id.empty()) return InvalidAt("incident_ids", i, "is empty");
      if (id.size() > kMaxIncidentIdChars) {
        return InvalidAt("incident_ids", i, "is ", id.size(),
                         " characters long; at most ", kMaxIncidentIdChars,
                         " are allowed");
      }
      for (size_t k = 0; k < id.size(); ++k) {
        const char c = id[k];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                        c == ':' || c == '-';
        if (!ok) {
          return InvalidAt("incident_ids", i, "has a character outside "
                           "[A-Za-z0-9._:-] at offset ", k);
        }
      }
      out.incident_ids_.Insert(id);
    }
    return absl::OkStatus();
  }

  absl::Status CompileBox(const v1::BoundingBox& box,
                          CompiledFilter& out) const {
    const struct {
      absl::string_view name;
      double value;
      double limit;  // |value| <= limit
    } coords[] = {{"min_latitude", box.min_latitude(), 90},
                  {"max_latitude", box.max_latitude(), 90},
                  {"min_longitude", box.min_longitude(), 180},
                  {"max_longitude", box.max_longitude(), 180}};
    for (const auto& c : coords) {
      const std::string path = absl::StrCat("bounding_box.", c.name);
      if (!std::isfinite(c.value)) {
        return Invalid(path, "is not a finite number");
      }
      if (c.value < -c.limit || c.value > c.limit) {
        return Invalid(path, c.value, " is outside -", c.limit, "..", c.limit,
                       " (WGS84 degrees)");
      }
    }
    if (box.min_latitude() > box.max_latitude()) {
      return Invalid("bounding_box", "min_latitude ", box.min_latitude(),
                     " is greater than max_latitude ", box.max_latitude());
    }
    if (box.min_longitude() > box.max_longitude()) {
      return Invalid("bounding_box", "min_longitude ", box.min_longitude(),
                     " is greater than max_longitude ", box.max_longitude(),
                     " (boxes across the antimeridian are not supported)");
    }
    out.has_box_ = true;
    out.min_lat_ = box.min_latitude();
    out.max_lat_ = box.max_latitude();
    out.min_lng_ = box.min_longitude();
    out.max_lng_ = box.max_longitude();
    return absl::OkStatus();
  }

  const FilterLimits& limits_;
  const absl::string_view prefix_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<const FilterMatcher>> FilterMatcher::Compile(
    const v1::Filter& filter, const FilterLimits& limits,
    absl::string_view field_prefix, MissionSet readable_missions) {
  auto compiled = std::make_unique<CompiledFilter>();
  compiled->readable_mask_ = readable_missions.bits();
  if (absl::Status s =
          FilterCompiler(limits, field_prefix).Compile(filter, *compiled);
      !s.ok()) {
    return s;
  }
  return std::unique_ptr<const FilterMatcher>(std::move(compiled));
}

}  // namespace sitrep
