#include "server/ingest/municipality.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/did_you_mean.h"
#include "server/wire/utf8.h"

namespace sitrep {
namespace {

#include "municipality_data.inc"  // constexpr char kMunicipalitiesTsv[]

// Longer input cannot be a municipality; refusing it early keeps a hostile
// name from costing more than a short one.
constexpr size_t kMaxNameBytes = 256;
// Error messages quote at most this much of the rejected name.
constexpr size_t kMaxQuotedBytes = 64;

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Base letters of U+00C0..U+00FF ('\0': keep the code point) and of
// U+0100..U+017F (Latin Extended-A), both cases folded to lower case.
constexpr char kLatin1Base[] =
    "aaaaaa\0ceeeeiiiidnooooo\0ouuuuy\0\0"  // U+00C0..U+00DF
    "aaaaaa\0ceeeeiiiidnooooo\0ouuuuy\0y";  // U+00E0..U+00FF
static_assert(sizeof(kLatin1Base) == 64 + 1, "one entry per code point");
constexpr char kLatinExtendedABase[] =
    "aaaaaacccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii"
    "\0\0" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "\0\0" "rrrrrr"
    "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";
static_assert(sizeof(kLatinExtendedABase) == 128 + 1,
              "one entry per code point");

// How to spell đ/Đ when folding: Serbian Latin writes it, ASCII text writes
// "d" or "dj" (Đakovica, Dakovica, Djakovica).
enum class DjSpelling { kD, kDj };

bool IsSeparator(char32_t cp) {
  return cp == ' ' || cp == '-' || cp == '\t' || cp == '\n' || cp == '\r' ||
         cp == '\v' || cp == '\f' || cp == 0xA0 /* no-break space */;
}

// Appends the folded form of one non-separator code point.
void AppendFolded(char32_t cp, DjSpelling dj, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 0x20 : cp));
    return;
  }
  if (cp == 0x110 || cp == 0x111) {  // Đ đ
    out += dj == DjSpelling::kDj ? "dj" : "d";
    return;
  }
  if (cp >= 0xC0 && cp <= 0xFF && kLatin1Base[cp - 0xC0] != '\0') {
    out.push_back(kLatin1Base[cp - 0xC0]);
    return;
  }
  if (cp >= 0x100 && cp <= 0x17F && kLatinExtendedABase[cp - 0x100] != '\0') {
    out.push_back(kLatinExtendedABase[cp - 0x100]);
    return;
  }
  switch (cp) {
    case 0xC6: case 0xE6: out += "ae"; return;     // Æ æ
    case 0xDF: out += "ss"; return;                // ß
    case 0xDE: case 0xFE: out += "th"; return;     // Þ þ
    case 0x132: case 0x133: out += "ij"; return;   // Ĳ ĳ
    case 0x152: case 0x153: out += "oe"; return;   // Œ œ
    case 0x218: case 0x219: out += "s"; return;    // Ș ș (comma below)
    case 0x21A: case 0x21B: out += "t"; return;    // Ț ț
    default: break;
  }
  if (cp >= 0x410 && cp <= 0x42F) {
    cp += 0x20;  // А..Я -> а..я
  } else if (cp >= 0x400 && cp <= 0x40F) {
    cp += 0x50;  // Ѐ..Џ (Ђ, Ј, Љ, Њ, Ћ, Џ) -> ѐ..џ
  }
  AppendUtf8(cp, out);
}

// Folds `name` into a lookup key: lower case, no diacritics, separators
// ('-', whitespace) collapsed to one '-' and trimmed at both ends. False on
// invalid UTF-8.
bool Fold(absl::string_view name, DjSpelling dj, std::string& out) {
  out.clear();
  bool pending_separator = false;
  for (size_t i = 0; i < name.size();) {
    char32_t cp;
    if (DecodeUtf8(name, &i, &cp) != nullptr) return false;
    if (IsSeparator(cp)) {
      pending_separator = !out.empty();
      continue;
    }
    if (pending_separator) out.push_back('-');
    pending_separator = false;
    AppendFolded(cp, dj, out);
  }
  return true;
}

struct Table {
  std::vector<Municipality> all;
  absl::flat_hash_map<std::string, size_t> by_id;
  absl::flat_hash_map<std::string, size_t> by_key;  // folded -> index in all
  std::vector<std::string> ambiguous;
  // For "did you mean": every unambiguous folded spelling (đ as d), the
  // municipality it names and the spelling as the file writes it.
  std::vector<std::string> suggestion_keys;
  std::vector<std::pair<size_t, const std::string*>> suggestions;
};

Municipality ParseRow(const std::vector<absl::string_view>& fields) {
  Municipality m;
  m.id = std::string(fields[0]);
  m.albanian = std::string(fields[1]);
  m.albanian_definite = std::string(fields[2]);
  m.serbian_latin = std::string(fields[3]);
  m.serbian_cyrillic = std::string(fields[4]);
  if (fields.size() > 5) {
    for (absl::string_view also :
         absl::StrSplit(fields[5], '|', absl::SkipWhitespace())) {
      m.also.emplace_back(also);
    }
  }
  m.english = m.also.empty() ? m.albanian : m.also.front();
  // A row without a seat keeps 0, 0: outside Kosovo, so no point is ever
  // near it (municipality_test refuses such a row in the shipped file).
  if (fields.size() > 8) {
    m.seat = std::string(fields[6]);
    if (!absl::SimpleAtod(fields[7], &m.seat_latitude) ||
        !absl::SimpleAtod(fields[8], &m.seat_longitude)) {
      m.seat_latitude = m.seat_longitude = 0;
    }
  }
  return m;
}

// Registers every spelling of all[index], both with đ→d and đ→dj, and notes
// keys that another municipality already claimed.
void AddKeys(Table& table, size_t index,
             absl::flat_hash_map<std::string, std::vector<std::string>>&
                 clashes) {
  const Municipality& m = table.all[index];
  std::vector<const std::string*> spellings = {
      &m.id, &m.albanian, &m.albanian_definite, &m.serbian_latin,
      &m.serbian_cyrillic};
  for (const std::string& also : m.also) spellings.push_back(&also);
  std::string key;
  for (const std::string* spelling : spellings) {
    for (DjSpelling dj : {DjSpelling::kD, DjSpelling::kDj}) {
      if (!Fold(*spelling, dj, key) || key.empty()) continue;
      auto [it, inserted] = table.by_key.emplace(key, index);
      if (!inserted && it->second != index) {
        auto& ids = clashes[key];
        if (ids.empty()) ids.push_back(table.all[it->second].id);
        if (ids.back() != m.id) ids.push_back(m.id);
      }
    }
  }
}

void AddSuggestions(Table& table) {
  std::string key;
  for (size_t index = 0; index < table.all.size(); ++index) {
    const Municipality& m = table.all[index];
    std::vector<const std::string*> spellings = {
        &m.albanian, &m.albanian_definite, &m.serbian_latin,
        &m.serbian_cyrillic};
    for (const std::string& also : m.also) spellings.push_back(&also);
    for (const std::string* spelling : spellings) {
      if (!Fold(*spelling, DjSpelling::kD, key) || key.empty()) continue;
      auto it = table.by_key.find(key);
      if (it == table.by_key.end() || it->second != index) continue;
      table.suggestion_keys.push_back(key);
      table.suggestions.emplace_back(index, spelling);
    }
  }
}

// "; did you mean Prishtinë?" when the folded `key` is a typo away from a
// spelling we know ("Kosovska Kamenica (Kamenicë)" when that spelling is not
// the Albanian name); empty otherwise.
std::string DidYouMean(const Table& table, absl::string_view key) {
  std::optional<size_t> nearest = NearestCandidate(key, table.suggestion_keys);
  if (!nearest.has_value()) return "";
  const auto& [index, spelling] = table.suggestions[*nearest];
  const Municipality& m = table.all[index];
  if (*spelling == m.albanian) return absl::StrCat("; did you mean ", m.albanian, "?");
  return absl::StrCat("; did you mean ", *spelling, " (", m.albanian, ")?");
}

const Table* BuildTable() {
  auto* table = new Table();
  bool header_seen = false;
  for (absl::string_view line : absl::StrSplit(kMunicipalitiesTsv, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (!header_seen) {  // "id\talbanian\t..."
      header_seen = true;
      continue;
    }
    std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 5) continue;  // the unit test counts all 38
    table->all.push_back(ParseRow(fields));
  }
  absl::flat_hash_map<std::string, std::vector<std::string>> clashes;
  for (size_t i = 0; i < table->all.size(); ++i) {
    table->by_id.emplace(table->all[i].id, i);
    AddKeys(*table, i, clashes);
  }
  // An ambiguous spelling names none of its municipalities: guessing would
  // file an update under the wrong one.
  for (const auto& [key, ids] : clashes) {
    table->by_key.erase(key);
    table->ambiguous.push_back(absl::StrCat(key, ": ", absl::StrJoin(ids, ", ")));
  }
  AddSuggestions(*table);
  return table;
}

const Table& GetTable() {
  static const Table* const table = BuildTable();  // never freed
  return *table;
}

// `name` cut to kMaxQuotedBytes on a UTF-8 boundary, for error messages.
std::string Quote(absl::string_view name) {
  if (name.size() <= kMaxQuotedBytes) return absl::StrCat("'", name, "'");
  size_t end = kMaxQuotedBytes;
  while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat("'", name.substr(0, end), "...'");
}

}  // namespace

const std::vector<Municipality>& AllMunicipalities() {
  return GetTable().all;
}

absl::StatusOr<std::string> NormalizeMunicipality(absl::string_view name) {
  const Table& table = GetTable();
  std::string key;
  std::string suggestion;
  if (name.size() <= kMaxNameBytes && Fold(name, DjSpelling::kD, key)) {
    auto it = table.by_key.find(key);
    if (it != table.by_key.end()) return table.all[it->second].id;
    suggestion = DidYouMean(table, key);
  }
  return absl::NotFoundError(absl::StrCat(
      Quote(name), " is not a municipality of Kosovo", suggestion));
}

const Municipality* FindMunicipalityById(absl::string_view id) {
  const Table& table = GetTable();
  auto it = table.by_id.find(id);
  return it == table.by_id.end() ? nullptr : &table.all[it->second];
}

const std::vector<std::string>& AmbiguousMunicipalitySpellings() {
  return GetTable().ambiguous;
}

}  // namespace sitrep
