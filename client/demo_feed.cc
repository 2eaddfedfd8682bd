#include "client/demo_feed.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "client/chain_text.h"
#include "client/municipalities.h"

namespace sitrep::cli {

using sitrep::v1::PublishRequest;
using sitrep::v1::SituationUpdate;
namespace v1 = sitrep::v1;

namespace {

struct Place {
  const char* municipality;  // canonical id (data/kosovo-municipalities.tsv)
  const char* place;
  double latitude;  // WGS84, approximate (a demo, not a gazetteer); the
  double longitude; // server checks it lies near the municipality's seat
};

// Where the tension incidents of the demo happen: mostly the north. Their
// updates carry the point, so the dashboard's map and bounding box have
// points to show; patrols and meetings have none (the map puts them at the
// municipality's seat).
const std::vector<Place>& HotSpots() {
  static const auto* const v = new std::vector<Place>{
      {"mitrovice-e-veriut", "Ibar main bridge", 42.8925, 20.8662},
      {"mitrovice-e-veriut", "Bosnjacka Mahala", 42.8950, 20.8580},
      {"mitrovice", "Ibar main bridge (south side)", 42.8900, 20.8665},
      {"zvecan", "Banjska road", 42.9500, 20.8020},
      {"zvecan", "municipal building", 42.9075, 20.8403},
      {"zubin-potok", "Gazivoda lake road", 42.9300, 20.6200},
      {"zubin-potok", "Bërnjak road", 42.9600, 20.6300},
      {"leposaviq", "Jarinje road", 43.2000, 20.8200},
      {"leposaviq", "town centre", 43.1040, 20.8030},
      {"prishtine", "Mother Teresa boulevard", 42.6608, 21.1618},
      {"prizren", "old town", 42.2092, 20.7410},
      {"peje", "Rugova gorge road", 42.6620, 20.2300},
      {"gracanice", "monastery road", 42.5997, 21.1933},
      {"ferizaj", "railway station", 42.3700, 21.1530},
      {"gjilan", "city square", 42.4627, 21.4691},
      {"podujeve", "Merdare road", 42.8800, 21.2500},
  };
  return *v;
}

struct Crossing {
  const char* name;
  const char* municipality;
  const char* neighbour;
  double latitude;  // approximate, as above
  double longitude;
};

const std::vector<Crossing>& Crossings() {
  static const auto* const v = new std::vector<Crossing>{
      {"Jarinje", "leposaviq", "Serbia", 43.2436, 20.8281},
      {"Bërnjak", "zubin-potok", "Serbia", 42.9870, 20.5950},
      {"Merdare", "podujeve", "Serbia", 42.8600, 21.3300},
      {"Dheu i Bardhë", "kamenice", "Serbia", 42.4600, 21.6200},
      {"Hani i Elezit", "hani-i-elezit", "North Macedonia", 42.1420, 21.2900},
      {"Vërmicë", "prizren", "Albania", 42.1340, 20.5690},
      {"Kulla", "peje", "Montenegro", 42.7500, 20.2250},
  };
  return *v;
}

void SetPoint(double latitude, double longitude, v1::Location* location) {
  location->mutable_point()->set_latitude(latitude);
  location->mutable_point()->set_longitude(longitude);
}

struct IncidentType {
  v1::Category category;
  v1::Severity severity;
  const char* opening;  // %s: place
  const char* update;
};

const std::vector<IncidentType>& IncidentTypes() {
  static const auto* const v = new std::vector<IncidentType>{
      {v1::CATEGORY_FREEDOM_OF_MOVEMENT, v1::SEVERITY_MODERATE,
       "Road blocked by trucks at %s", "Blockade holding at %s, traffic diverted"},
      {v1::CATEGORY_PUBLIC_ORDER, v1::SEVERITY_MODERATE,
       "Crowd gathering at %s", "Crowd at %s growing, some stones thrown"},
      {v1::CATEGORY_CIVIL_DISTURBANCE, v1::SEVERITY_SEVERE,
       "Clashes between groups at %s", "Clashes at %s continue, injuries reported"},
      {v1::CATEGORY_EXPLOSIVE_HAZARD, v1::SEVERITY_SEVERE,
       "Suspicious object reported at %s", "Area around %s cordoned off"},
      {v1::CATEGORY_CRIME, v1::SEVERITY_MINOR,
       "Shots fired in the air near %s", "Suspect vehicle seen leaving %s"},
      {v1::CATEGORY_INFRASTRUCTURE, v1::SEVERITY_MINOR,
       "Power line down near %s", "Repair crew on its way to %s"},
  };
  return *v;
}

// The Kosovo Police regional directorates and their municipalities
// (canonical ids of data/kosovo-municipalities.tsv; all 38, each once).
struct Region {
  const char* name;
  std::vector<std::string> municipalities;
};

const std::vector<Region>& Regions() {
  static const auto* const v = new std::vector<Region>{
      {"Prishtinë",
       {"prishtine", "fushe-kosove", "obiliq", "lipjan", "podujeve", "gracanice", "drenas"}},
      {"Mitrovicë North", {"mitrovice-e-veriut", "zvecan", "zubin-potok", "leposaviq"}},
      {"Mitrovicë South", {"mitrovice", "vushtrri", "skenderaj"}},
      {"Pejë", {"peje", "istog", "kline", "decan"}},
      {"Prizren", {"prizren", "dragash", "suhareke", "mamushe"}},
      {"Gjilan", {"gjilan", "kamenice", "viti", "novoberde", "partesh", "ranillug", "kllokot"}},
      {"Ferizaj", {"ferizaj", "kacanik", "shtime", "shterpce", "hani-i-elezit"}},
      {"Gjakovë", {"gjakove", "rahovec", "malisheve", "junik"}},
  };
  return *v;
}

// The unit of `mission` that acts in `municipality` (canonical id): the
// regional directorate for the Kosovo Police, the regional command for
// KFOR; EULEX's units work Kosovo-wide.
std::string Unit(v1::Mission mission, const std::string& municipality, uint64_t r) {
  const std::string region = KosovoPoliceRegion(municipality);
  switch (mission) {
    case v1::MISSION_KOSOVO_POLICE:
      return absl::StrCat("KP Region ", region);
    case v1::MISSION_EULEX: {
      static const char* const eulex[] = {"EULEX FPU", "EULEX Monitoring Unit"};
      return eulex[r % 2];
    }
    default:
      if (r % 3 == 0) return "KFOR MSU";  // the multinational specialised unit: anywhere
      if (region == "Mitrovicë North" || region == "Mitrovicë South") return "KFOR JRD-North";
      if (region == "Pejë" || region == "Prizren" || region == "Gjakovë") return "KFOR RC-West";
      return "KFOR RC-East";
  }
}

std::string SpellingOf(const std::string& id) {
  for (const MunicipalityName& m : Municipalities()) {
    if (m.id == id) return m.albanian;  // the server accepts any spelling
  }
  return id;
}

v1::Severity Raise(v1::Severity s) {
  return s >= v1::SEVERITY_EXTREME ? s : static_cast<v1::Severity>(s + 1);
}
v1::Severity Lower(v1::Severity s) {
  return s <= v1::SEVERITY_MINOR ? s : static_cast<v1::Severity>(s - 1);
}

// `text` with its "%s" replaced by `place`. Not absl::StrFormat: its format
// must be a compile-time constant under clang, and these come from tables.
std::string WithPlace(absl::string_view text, absl::string_view place) {
  return absl::StrReplaceAll(text, {{"%s", place}});
}

}  // namespace

std::string KosovoPoliceRegion(absl::string_view municipality) {
  for (const Region& region : Regions()) {
    for (const std::string& m : region.municipalities) {
      if (m == municipality) return region.name;
    }
  }
  return "";
}

DemoFeed::DemoFeed(uint64_t seed, std::string run_id, DemoOptions options)
    : run_id_(std::move(run_id)), options_(options), state_(seed ^ 0x5173e9a3c0ffee11ULL) {}

uint64_t DemoFeed::NextRandom() {  // splitmix64
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t DemoFeed::Uniform(uint64_t n) { return n == 0 ? 0 : NextRandom() % n; }

bool DemoFeed::Chance(double p) {
  return static_cast<double>(NextRandom() >> 11) / static_cast<double>(1ULL << 53) < p;
}

absl::Duration DemoFeed::Around(absl::Duration mean) {
  return mean * (0.5 + static_cast<double>(Uniform(1001)) / 1000.0);
}

// One incident's story, written up front by the chain's rules; `lead`
// tracks who is in charge after each step.
struct DemoFeed::Story {
  Incident* incident;
  std::string place;
  v1::Severity severity;
  v1::Mission lead = v1::MISSION_KOSOVO_POLICE;

  void Add(v1::Mission m, v1::Kind k, std::string headline,
           v1::Role target = v1::ROLE_UNSPECIFIED) {
    incident->steps.push_back({m, k, severity, target, std::move(headline), lead});
  }
};

namespace {
constexpr v1::Mission kKp = v1::MISSION_KOSOVO_POLICE;
constexpr v1::Mission kEulex = v1::MISSION_EULEX;
constexpr v1::Mission kKfor = v1::MISSION_KFOR;
}  // namespace

DemoFeed::Incident DemoFeed::NewIncident(absl::Time now) {
  Incident incident;
  ++incidents_opened_;
  incident.id = absl::StrFormat("%s-%04d", run_id_, incidents_opened_);
  const Place& where = Pick(HotSpots());
  const IncidentType& type = Pick(IncidentTypes());
  incident.category = type.category;
  incident.municipality = where.municipality;
  incident.place = where.place;
  incident.latitude = where.latitude;
  incident.longitude = where.longitude;
  incident.due = now;
  Story story{&incident, where.place, type.severity};
  const std::string& place = story.place;
  story.Add(kKp, v1::KIND_NEW, WithPlace(type.opening, place));
  if (Chance(0.6)) story.Add(kKp, v1::KIND_UPDATE, WithPlace(type.update, place));
  const bool needs_eulex = story.severity >= v1::SEVERITY_MODERATE ? Chance(0.75) : Chance(0.2);
  if (!needs_eulex) {
    if (Chance(0.1)) {
      story.Add(kKp, v1::KIND_CANCEL, absl::StrCat("Report from ", place, " was a false alarm"));
    } else {
      story.Add(kKp, v1::KIND_RESOLVE,
                absl::StrCat("Situation at ", place, " resolved by Kosovo Police"));
    }
    return incident;
  }
  story.Add(kKp, v1::KIND_REQUEST_SUPPORT,
            absl::StrCat("Kosovo Police request EULEX support at ", place),
            v1::ROLE_SECOND_RESPONDER);
  story.Add(kEulex, v1::KIND_ACKNOWLEDGE,
            absl::StrCat("EULEX acknowledges, deploying to ", place));
  if (Chance(0.3)) {
    WriteEulexSupports(&story);
  } else {
    WriteEulexLeads(&story);
  }
  return incident;
}

// EULEX supports, the Kosovo Police keeps the lead.
void DemoFeed::WriteEulexSupports(Story* story) {
  const std::string& place = story->place;
  story->Add(kEulex, v1::KIND_UPDATE,
             absl::StrCat("EULEX FPU on site at ", place, ", supporting KP"));
  if (Chance(0.5)) {
    story->Add(kEulex, v1::KIND_DEESCALATE, absl::StrCat("EULEX ends its support at ", place),
               v1::ROLE_FIRST_RESPONDER);
  }
  story->severity = Lower(story->severity);
  story->Add(kKp, v1::KIND_RESOLVE, absl::StrCat("Situation at ", place, " resolved, roads open"));
}

void DemoFeed::WriteEulexLeads(Story* story) {
  const std::string& place = story->place;
  story->lead = kEulex;
  story->Add(kEulex, v1::KIND_ESCALATE, absl::StrCat("EULEX takes the lead at ", place));
  if (Chance(0.4)) {
    story->Add(kEulex, v1::KIND_UPDATE, absl::StrCat("EULEX reports ", place, " contained"));
  }
  const bool needs_kfor = story->severity >= v1::SEVERITY_SEVERE ? Chance(0.7) : Chance(0.25);
  if (needs_kfor) WriteKforSupport(story);
  if (Chance(0.5)) {
    story->severity = Lower(story->severity);
    story->lead = kKp;
    story->Add(kEulex, v1::KIND_DEESCALATE,
               absl::StrCat("EULEX hands ", place, " back to Kosovo Police"),
               v1::ROLE_FIRST_RESPONDER);
    story->Add(kKp, v1::KIND_RESOLVE,
               absl::StrCat("Situation at ", place, " resolved, roads open"));
  } else {
    story->Add(kEulex, v1::KIND_RESOLVE, absl::StrCat("Situation at ", place, " resolved"));
  }
}

// EULEX asks KFOR, which takes the lead or supports, and hands back.
void DemoFeed::WriteKforSupport(Story* story) {
  const std::string& place = story->place;
  story->severity = Raise(story->severity);
  story->Add(kEulex, v1::KIND_REQUEST_SUPPORT,
             absl::StrCat("EULEX requests KFOR support at ", place), v1::ROLE_THIRD_RESPONDER);
  story->Add(kKfor, v1::KIND_ACKNOWLEDGE,
             absl::StrCat("KFOR acknowledges request for ", place));
  if (Chance(0.7)) {
    story->lead = kKfor;
    story->Add(kKfor, v1::KIND_ESCALATE,
               absl::StrCat("KFOR in charge at ", place, ", security perimeter set"));
    if (Chance(0.5)) {
      story->Add(kKfor, v1::KIND_UPDATE,
                 absl::StrCat("KFOR reports situation at ", place, " under control"));
    }
    story->severity = Lower(story->severity);
    story->lead = kEulex;
    story->Add(kKfor, v1::KIND_DEESCALATE, absl::StrCat("KFOR hands ", place, " back to EULEX"),
               v1::ROLE_SECOND_RESPONDER);
  } else {
    story->Add(kKfor, v1::KIND_UPDATE,
               absl::StrCat("KFOR patrols reinforce EULEX at ", place));
    story->severity = Lower(story->severity);
    story->Add(kKfor, v1::KIND_DEESCALATE, absl::StrCat("KFOR ends its support at ", place),
               v1::ROLE_SECOND_RESPONDER);
  }
}

PublishRequest DemoFeed::FromIncidentStep(Incident* incident, absl::Time now) {
  const Step& step = incident->steps[incident->next++];
  incident->lead = step.lead_after;
  incident->due = now + Around(options_.step_every);
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  u->set_mission(step.mission);
  u->set_role(TierOfMission(step.mission));
  u->set_kind(step.kind);
  u->set_severity(step.severity);
  u->set_category(incident->category);
  u->set_incident_id(incident->id);
  u->set_headline(step.headline);
  if (step.target_tier != v1::ROLE_UNSPECIFIED) u->set_target_tier(step.target_tier);
  u->mutable_location()->set_municipality(SpellingOf(incident->municipality));
  u->mutable_location()->set_place(incident->place);
  SetPoint(incident->latitude, incident->longitude, u->mutable_location());
  *u->mutable_expires_at() = ToProtoTime(now + options_.expiry);
  (*u->mutable_labels())["unit"] = Unit(step.mission, incident->municipality, NextRandom());
  (*u->mutable_labels())["source"] = "demo";
  return request;
}

PublishRequest DemoFeed::Patrol() {
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  static const v1::Mission kMissions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                          v1::MISSION_KOSOVO_POLICE};
  static const char* const kNames[] = {"KFOR", "EULEX", "Kosovo Police"};
  static const char* const kFindings[] = {"situation calm", "no incidents",
                                          "checkpoint visited, traffic normal",
                                          "community meeting held, situation calm"};
  const uint64_t who = Uniform(3);
  const MunicipalityName& m = Pick(Municipalities());
  u->set_mission(kMissions[who]);
  u->set_role(TierOfMission(kMissions[who]));
  u->set_severity(v1::SEVERITY_MINOR);
  u->set_category(v1::CATEGORY_PATROL);
  u->set_headline(absl::StrCat(kNames[who], " patrol in ", m.albanian, ": ",
                               kFindings[Uniform(4)]));
  u->mutable_location()->set_municipality(m.albanian);
  (*u->mutable_labels())["unit"] = Unit(kMissions[who], m.id, NextRandom());
  (*u->mutable_labels())["source"] = "demo";
  return request;
}

PublishRequest DemoFeed::CrossingStatus() {
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  const Crossing& c = Pick(Crossings());
  struct Status {
    const char* label;
    const char* text;
    v1::Severity severity;
  };
  static const Status kStatuses[] = {
      {"open", "open, traffic normal", v1::SEVERITY_MINOR},
      {"open", "open, waiting time about 45 minutes", v1::SEVERITY_MINOR},
      {"restricted", "restricted to passenger vehicles", v1::SEVERITY_MODERATE},
      {"closed", "closed, traffic stopped on both sides", v1::SEVERITY_MODERATE},
  };
  const Status& s = kStatuses[Uniform(4)];
  const bool eulex = Chance(0.3);
  u->set_mission(eulex ? v1::MISSION_EULEX : v1::MISSION_KOSOVO_POLICE);
  u->set_role(eulex ? v1::ROLE_SUPPORT : v1::ROLE_FIRST_RESPONDER);
  u->set_severity(s.severity);
  u->set_category(v1::CATEGORY_BORDER_CROSSING);
  u->set_headline(absl::StrCat(c.name, " crossing (", c.neighbour, ") ", s.text));
  u->mutable_location()->set_municipality(SpellingOf(c.municipality));
  u->mutable_location()->set_place(absl::StrCat(c.name, " crossing point"));
  SetPoint(c.latitude, c.longitude, u->mutable_location());
  (*u->mutable_labels())["crossing"] = c.name;
  (*u->mutable_labels())["status"] = s.label;
  (*u->mutable_labels())["source"] = "demo";
  return request;
}

PublishRequest DemoFeed::Meeting() {
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  static const char* const kMeetings[] = {
      "Joint security coordination meeting KFOR, EULEX and Kosovo Police in %s",
      "EULEX meets municipal officials in %s on rule-of-law cooperation",
      "KFOR commander meets community leaders in %s",
      "Kosovo Police and EULEX liaison meeting on border management in %s",
  };
  static const v1::Mission kHosts[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                       v1::MISSION_KFOR, v1::MISSION_KOSOVO_POLICE};
  const uint64_t which = Uniform(4);
  const MunicipalityName& m = Pick(Municipalities());
  u->set_mission(kHosts[which]);
  u->set_role(v1::ROLE_LIAISON);
  u->set_severity(v1::SEVERITY_MINOR);
  u->set_category(v1::CATEGORY_DIPLOMATIC);
  u->set_headline(WithPlace(kMeetings[which], m.albanian));
  u->mutable_location()->set_municipality(m.albanian);
  (*u->mutable_labels())["source"] = "demo";
  return request;
}

PublishRequest DemoFeed::Next(absl::Time now) {
  PublishRequest request;
  // The incident step due first, if any is due.
  auto due = std::min_element(open_.begin(), open_.end(),
                              [](const Incident& a, const Incident& b) { return a.due < b.due; });
  if (due != open_.end() && due->due <= now) {
    request = FromIncidentStep(&*due, now);
    if (due->next == due->steps.size()) open_.erase(due);
  } else if (now >= next_incident_ && open_.size() < options_.max_open) {
    next_incident_ = now + Around(options_.incident_every);
    open_.push_back(NewIncident(now));
    request = FromIncidentStep(&open_.back(), now);
  } else {
    const uint64_t roll = Uniform(100);
    if (roll < 55) {
      request = Patrol();
    } else if (roll < 85) {
      request = CrossingStatus();
    } else {
      request = Meeting();
    }
  }
  *request.mutable_update()->mutable_occurred_at() = ToProtoTime(now);
  request.mutable_update()->set_event_id(absl::StrFormat("%s-e%06d", run_id_, ++emitted_));
  return request;
}

std::vector<DemoFeed::OpenIncident> DemoFeed::OpenIncidents() const {
  std::vector<OpenIncident> out;
  for (const Incident& incident : open_) out.push_back({incident.id, incident.lead});
  return out;
}

PublishRequest DemoFeed::CloseRequest(const std::string& incident_id, v1::Mission lead,
                                      absl::Time now) const {
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  u->set_event_id(absl::StrCat(incident_id, "-demo-stopped"));
  u->set_mission(lead);
  u->set_role(TierOfMission(lead));
  u->set_kind(v1::KIND_RESOLVE);
  u->set_severity(v1::SEVERITY_MINOR);
  u->set_incident_id(incident_id);
  for (const Incident& incident : open_) {
    if (incident.id != incident_id) continue;
    u->set_category(incident.category);
    u->mutable_location()->set_municipality(SpellingOf(incident.municipality));
    u->mutable_location()->set_place(incident.place);
    SetPoint(incident.latitude, incident.longitude, u->mutable_location());
    (*u->mutable_labels())["unit"] = Unit(lead, incident.municipality, 0);
  }
  if (u->category() == v1::CATEGORY_UNSPECIFIED) u->set_category(v1::CATEGORY_OTHER);
  u->set_headline(absl::StrCat("Demo stopped: ", MissionFullName(lead), " closes the incident"));
  *u->mutable_occurred_at() = ToProtoTime(now);
  (*u->mutable_labels())["source"] = "demo";
  return request;
}

}  // namespace sitrep::cli
