#include "client/demo_feed.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "client/municipalities.h"

namespace sitrep::cli {

using sitrep::v1::PublishRequest;
using sitrep::v1::SituationUpdate;
namespace v1 = sitrep::v1;

namespace {

struct Place {
  const char* municipality;  // canonical id (data/kosovo-municipalities.tsv)
  const char* place;
};

// Where the tension incidents of the demo happen: mostly the north.
const std::vector<Place>& HotSpots() {
  static const auto* const v = new std::vector<Place>{
      {"mitrovice-e-veriut", "Ibar main bridge"},
      {"mitrovice-e-veriut", "Bosnjacka Mahala"},
      {"mitrovice", "Ibar main bridge (south side)"},
      {"zvecan", "Banjska road"},
      {"zvecan", "municipal building"},
      {"zubin-potok", "Gazivoda lake road"},
      {"zubin-potok", "Bërnjak road"},
      {"leposaviq", "Jarinje road"},
      {"leposaviq", "town centre"},
      {"prishtine", "Mother Teresa boulevard"},
      {"prizren", "old town"},
      {"peje", "Rugova gorge road"},
      {"gracanice", "monastery road"},
      {"ferizaj", "railway station"},
      {"gjilan", "city square"},
      {"podujeve", "Merdare road"},
  };
  return *v;
}

struct Crossing {
  const char* name;
  const char* municipality;
  const char* neighbour;
};

const std::vector<Crossing>& Crossings() {
  static const auto* const v = new std::vector<Crossing>{
      {"Jarinje", "leposaviq", "Serbia"},
      {"Bërnjak", "zubin-potok", "Serbia"},
      {"Merdare", "podujeve", "Serbia"},
      {"Dheu i Bardhë", "kamenice", "Serbia"},
      {"Hani i Elezit", "hani-i-elezit", "North Macedonia"},
      {"Vërmicë", "prizren", "Albania"},
      {"Kulla", "peje", "Montenegro"},
  };
  return *v;
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

const char* Unit(v1::Mission mission, uint64_t r) {
  static const char* const kfor[] = {"KFOR RC-East", "KFOR RC-West", "KFOR MSU",
                                     "KFOR JRD-North"};
  static const char* const eulex[] = {"EULEX FPU", "EULEX Monitoring Unit"};
  static const char* const kp[] = {"KP Region North", "KP Region Prishtinë",
                                   "KP Border Police", "KP Region Prizren"};
  switch (mission) {
    case v1::MISSION_KFOR: return kfor[r % 4];
    case v1::MISSION_EULEX: return eulex[r % 2];
    default: return kp[r % 4];
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

DemoFeed::DemoFeed(uint64_t seed, std::string run_id)
    : run_id_(std::move(run_id)), state_(seed ^ 0x5173e9a3c0ffee11ULL) {}

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

DemoFeed::Incident DemoFeed::NewIncident() {
  Incident incident;
  ++incidents_opened_;
  incident.id = absl::StrFormat("%s-%04d", run_id_, incidents_opened_);
  const Place& where = Pick(HotSpots());
  const IncidentType& type = Pick(IncidentTypes());
  incident.category = type.category;
  incident.municipality = where.municipality;
  incident.place = where.place;
  const std::string place = where.place;
  v1::Severity severity = type.severity;
  auto add = [&](v1::Mission m, v1::Role r, v1::Kind k, std::string headline) {
    incident.steps.push_back({m, r, k, severity, std::move(headline)});
  };
  add(v1::MISSION_KOSOVO_POLICE, v1::ROLE_FIRST_RESPONDER, v1::KIND_NEW,
      WithPlace(type.opening, place));
  if (Chance(0.6)) {
    add(v1::MISSION_KOSOVO_POLICE, v1::ROLE_FIRST_RESPONDER, v1::KIND_UPDATE,
        WithPlace(type.update, place));
  }
  const bool needs_eulex = severity >= v1::SEVERITY_MODERATE ? Chance(0.75) : Chance(0.2);
  if (!needs_eulex) {
    add(v1::MISSION_KOSOVO_POLICE, v1::ROLE_FIRST_RESPONDER, v1::KIND_RESOLVE,
        absl::StrCat("Situation at ", place, " resolved by Kosovo Police"));
    return incident;
  }
  add(v1::MISSION_KOSOVO_POLICE, v1::ROLE_FIRST_RESPONDER, v1::KIND_REQUEST_SUPPORT,
      absl::StrCat("Kosovo Police request EULEX support at ", place));
  add(v1::MISSION_EULEX, v1::ROLE_SECOND_RESPONDER, v1::KIND_ACKNOWLEDGE,
      absl::StrCat("EULEX FPU acknowledges, deploying to ", place));
  add(v1::MISSION_EULEX, v1::ROLE_SECOND_RESPONDER, v1::KIND_ESCALATE,
      absl::StrCat("EULEX takes the lead at ", place));
  const bool needs_kfor = severity >= v1::SEVERITY_SEVERE ? Chance(0.7) : Chance(0.25);
  if (needs_kfor) {
    severity = Raise(severity);
    add(v1::MISSION_EULEX, v1::ROLE_SECOND_RESPONDER, v1::KIND_REQUEST_SUPPORT,
        absl::StrCat("EULEX requests KFOR support at ", place));
    add(v1::MISSION_KFOR, v1::ROLE_THIRD_RESPONDER, v1::KIND_ACKNOWLEDGE,
        absl::StrCat("KFOR acknowledges request for ", place));
    add(v1::MISSION_KFOR, v1::ROLE_THIRD_RESPONDER, v1::KIND_ESCALATE,
        absl::StrCat("KFOR in charge at ", place, ", security perimeter set"));
    if (Chance(0.5)) {
      add(v1::MISSION_KFOR, v1::ROLE_THIRD_RESPONDER, v1::KIND_UPDATE,
          absl::StrCat("KFOR reports situation at ", place, " under control"));
    }
    severity = Lower(severity);
    add(v1::MISSION_KFOR, v1::ROLE_SECOND_RESPONDER, v1::KIND_DEESCALATE,
        absl::StrCat("KFOR hands ", place, " back to EULEX"));
  }
  if (Chance(0.5)) {
    severity = Lower(severity);
    add(v1::MISSION_EULEX, v1::ROLE_FIRST_RESPONDER, v1::KIND_DEESCALATE,
        absl::StrCat("EULEX hands ", place, " back to Kosovo Police"));
    add(v1::MISSION_KOSOVO_POLICE, v1::ROLE_FIRST_RESPONDER, v1::KIND_RESOLVE,
        absl::StrCat("Situation at ", place, " resolved, roads open"));
  } else {
    add(v1::MISSION_EULEX, v1::ROLE_SECOND_RESPONDER, v1::KIND_RESOLVE,
        absl::StrCat("Situation at ", place, " resolved"));
  }
  return incident;
}

PublishRequest DemoFeed::FromIncidentStep(Incident* incident) {
  const Step& step = incident->steps[incident->next++];
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  u->set_mission(step.mission);
  u->set_role(step.role);
  u->set_kind(step.kind);
  u->set_severity(step.severity);
  u->set_category(incident->category);
  u->set_incident_id(incident->id);
  u->set_headline(step.headline);
  u->mutable_location()->set_municipality(SpellingOf(incident->municipality));
  u->mutable_location()->set_place(incident->place);
  (*u->mutable_labels())["unit"] = Unit(step.mission, NextRandom());
  (*u->mutable_labels())["source"] = "demo";
  return request;
}

PublishRequest DemoFeed::Patrol() {
  PublishRequest request;
  SituationUpdate* u = request.mutable_update();
  static const v1::Mission kMissions[] = {v1::MISSION_KFOR, v1::MISSION_EULEX,
                                          v1::MISSION_KOSOVO_POLICE};
  static const v1::Role kRoles[] = {v1::ROLE_THIRD_RESPONDER, v1::ROLE_SECOND_RESPONDER,
                                    v1::ROLE_FIRST_RESPONDER};
  static const char* const kNames[] = {"KFOR", "EULEX", "Kosovo Police"};
  static const char* const kFindings[] = {"situation calm", "no incidents",
                                          "checkpoint visited, traffic normal",
                                          "community meeting held, situation calm"};
  const uint64_t who = Uniform(3);
  const MunicipalityName& m = Pick(Municipalities());
  u->set_mission(kMissions[who]);
  u->set_role(kRoles[who]);
  u->set_severity(v1::SEVERITY_MINOR);
  u->set_category(v1::CATEGORY_PATROL);
  u->set_headline(absl::StrCat(kNames[who], " patrol in ", m.albanian, ": ",
                               kFindings[Uniform(4)]));
  u->mutable_location()->set_municipality(m.albanian);
  (*u->mutable_labels())["unit"] = Unit(kMissions[who], NextRandom());
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

PublishRequest DemoFeed::Next() {
  PublishRequest request;
  const uint64_t roll = Uniform(100);
  if (roll < 45 && !open_.empty()) {
    // Advance a random open incident; finished ones leave the picture.
    const size_t i = Uniform(open_.size());
    request = FromIncidentStep(&open_[i]);
    if (open_[i].next == open_[i].steps.size()) open_.erase(open_.begin() + i);
  } else if (roll < 65 && open_.size() < 8) {
    open_.push_back(NewIncident());
    request = FromIncidentStep(&open_.back());
  } else if (roll < 80) {
    request = Patrol();
  } else if (roll < 92) {
    request = CrossingStatus();
  } else {
    request = Meeting();
  }
  request.mutable_update()->set_event_id(absl::StrFormat("%s-e%06d", run_id_, ++emitted_));
  return request;
}

}  // namespace sitrep::cli
