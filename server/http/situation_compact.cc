#include "server/http/situation_compact.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/http/query_params.h"

namespace sitrep {
namespace {

// One member of a JSON object: its key (as written, without the quotes)
// and its value's text.
struct Member {
  absl::string_view key;
  absl::string_view value;
};

// A scanner of JSON text as protobuf's printer writes it: no whitespace,
// keys without escapes. It finds where values end; it does not check them.
class Scanner {
 public:
  explicit Scanner(absl::string_view text) : text_(text) {}

  // The members of the object `object` ("{...}"); false when it is not one.
  static bool Members(absl::string_view object, std::vector<Member>* members) {
    members->clear();
    return Each(object, '{', '}', true, [&](absl::string_view key, absl::string_view value) {
      members->push_back({key, value});
    });
  }

  // The elements of the array `array` ("[...]"); false when it is not one.
  static bool Elements(absl::string_view array,
                       std::vector<absl::string_view>* elements) {
    elements->clear();
    return Each(array, '[', ']', false, [&](absl::string_view, absl::string_view value) {
      elements->push_back(value);
    });
  }

 private:
  // Calls `each(key, value)` for every member of `text` (opened by `open`,
  // closed by `close`); keys (without quotes) only when `keyed`.
  template <typename Fn>
  static bool Each(absl::string_view text, char open, char close, bool keyed,
                   Fn each) {
    if (text.size() < 2 || text.front() != open || text.back() != close) {
      return false;
    }
    Scanner scan(text.substr(1, text.size() - 2));
    for (bool first = true; !scan.done(); first = false) {
      if (!first && !scan.Take(',')) return false;
      absl::string_view key;
      if (keyed) {
        key = scan.String();
        if (key.size() < 2 || !scan.Take(':')) return false;
        key = key.substr(1, key.size() - 2);
      }
      absl::string_view value = scan.Value();
      if (value.empty()) return false;
      each(key, value);
    }
    return true;
  }

  bool done() const { return at_ >= text_.size(); }

  bool Take(char c) {
    if (done() || text_[at_] != c) return false;
    ++at_;
    return true;
  }

  // A string token ("..."), or empty when there is none.
  absl::string_view String() {
    const size_t start = at_;
    if (!Take('"')) return {};
    while (!done()) {
      const char c = text_[at_++];
      if (c == '\\') {
        ++at_;
      } else if (c == '"') {
        return text_.substr(start, at_ - start);
      }
    }
    return {};
  }

  // A whole value (string, object, array, number, literal), or empty.
  absl::string_view Value() {
    const size_t start = at_;
    if (done()) return {};
    if (text_[at_] == '"') return String();
    if (text_[at_] == '{' || text_[at_] == '[') {
      int depth = 0;
      while (!done()) {
        const char c = text_[at_];
        if (c == '"') {
          if (String().empty()) return {};
          continue;
        }
        ++at_;
        if (c == '{' || c == '[') ++depth;
        if ((c == '}' || c == ']') && --depth == 0) {
          return text_.substr(start, at_ - start);
        }
      }
      return {};
    }
    while (!done() && text_[at_] != ',') ++at_;
    return text_.substr(start, at_ - start);
  }

  absl::string_view text_;
  size_t at_ = 0;
};

bool IsOneOf(absl::string_view key, std::initializer_list<absl::string_view> keys) {
  for (absl::string_view each : keys) {
    if (key == each) return true;
  }
  return false;
}

void AppendMember(const Member& member, bool* first, std::string* out) {
  if (!*first) out->push_back(',');
  *first = false;
  absl::StrAppend(out, "\"", member.key, "\":", member.value);
}

// The latest update's members the list and the map show.
bool AppendLatest(absl::string_view latest, bool with_location,
                  std::string* out) {
  std::vector<Member> members;
  if (!Scanner::Members(latest, &members)) return false;
  out->push_back('{');
  bool first = true;
  for (const Member& member : members) {
    if (IsOneOf(member.key, {"sequence", "mission", "severity", "category",
                             "kind", "status", "occurredAt", "headline"}) ||
        (with_location && member.key == "location")) {
      AppendMember(member, &first, out);
    }
  }
  out->push_back('}');
  return true;
}

// The requests that are not closed (the story has the closed ones).
bool AppendRequestsInForce(absl::string_view requests, std::string* out) {
  std::vector<absl::string_view> elements;
  if (!Scanner::Elements(requests, &elements)) return false;
  std::vector<Member> members;
  out->push_back('[');
  bool first = true;
  for (absl::string_view request : elements) {
    if (!Scanner::Members(request, &members)) return false;
    bool closed = false;
    for (const Member& member : members) {
      closed |= member.key == "state" && member.value == "\"STATE_CLOSED\"";
    }
    if (closed) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(request.data(), request.size());
  }
  out->push_back(']');
  return true;
}

bool AppendIncident(absl::string_view incident, std::string* out) {
  std::vector<Member> members;
  if (!Scanner::Members(incident, &members)) return false;
  bool has_location = false;
  bool has_lead = false;
  for (const Member& member : members) {
    has_location |= member.key == "location";
    has_lead |= member.key == "lead";
  }
  out->push_back('{');
  bool first = true;
  for (const Member& member : members) {
    if (member.key == "latest") {
      AppendMember({member.key, ""}, &first, out);
      if (!AppendLatest(member.value, !has_location, out)) return false;
    } else if (member.key == "supportRequests") {
      AppendMember({member.key, ""}, &first, out);
      if (!AppendRequestsInForce(member.value, out)) return false;
    } else if (IsOneOf(member.key,
                       {"incidentId", "version", "lead", "openedAt", "openedBy",
                        "peakSeverity", "category", "location", "exceptions"}) ||
               (!has_lead && member.key == "currentTier")) {
      AppendMember(member, &first, out);
    }
  }
  out->push_back('}');
  return true;
}

}  // namespace

absl::StatusOr<bool> WantsCompactSituation(absl::string_view query) {
  absl::StatusOr<std::vector<QueryParam>> params = ParseQuery(query);
  if (!params.ok()) return params.status();
  bool compact = false;
  for (const auto& [name, value] : *params) {
    if (name != "view") continue;
    if (value == "compact") {
      compact = true;
    } else if (value == "full") {
      compact = false;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "view: '", value,
          "' is not a view of the situation; use view=compact (what the "
          "dashboard's list and map show) or view=full (the default)"));
    }
  }
  return compact;
}

absl::StatusOr<std::string> CompactSituationJson(absl::string_view full) {
  const absl::Status malformed = absl::InternalError(
      "the situation's JSON could not be cut to its compact view");
  std::vector<Member> members;
  if (!Scanner::Members(full, &members)) return malformed;
  std::string out;
  out.reserve(full.size() / 2);
  out.push_back('{');
  bool first = true;
  std::vector<absl::string_view> incidents;
  for (const Member& member : members) {
    if (member.key != "incidents") {
      AppendMember(member, &first, &out);
      continue;
    }
    if (!Scanner::Elements(member.value, &incidents)) return malformed;
    AppendMember({member.key, ""}, &first, &out);
    out.push_back('[');
    for (size_t i = 0; i < incidents.size(); ++i) {
      if (i != 0) out.push_back(',');
      if (!AppendIncident(incidents[i], &out)) return malformed;
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

}  // namespace sitrep
