#ifndef SITREP_SERVER_INGEST_MUNICIPALITY_H_
#define SITREP_SERVER_INGEST_MUNICIPALITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sitrep {

// One of Kosovo's 38 municipalities (data/kosovo-municipalities.tsv).
struct Municipality {
  std::string id;               // stable ASCII slug, e.g. "mitrovice-e-veriut"
  std::string albanian;         // "Mitrovicë e Veriut"
  std::string serbian_latin;    // "Severna Kosovska Mitrovica"
  std::string english;          // the first of the "also" spellings
};

// All 38, in the order of the data file. Never empty; lives forever.
const std::vector<Municipality>& AllMunicipalities();

// Maps any accepted spelling to the municipality's id. Accepted: the id, the
// Albanian indefinite and definite forms, Serbian Latin and Cyrillic, and the
// listed other spellings, ignoring case, diacritics (ë→e, ç→c, č→c, ć→c,
// đ→d/dj, š→s, ž→z), surrounding space and '-' vs ' '.
// NOT_FOUND (message: "'X' is not a municipality of Kosovo") otherwise.
// Thread safety: safe to call concurrently.
absl::StatusOr<std::string> NormalizeMunicipality(absl::string_view name);

// The municipality with this id, or nullptr.
const Municipality* FindMunicipalityById(absl::string_view id);

}  // namespace sitrep

#endif  // SITREP_SERVER_INGEST_MUNICIPALITY_H_
