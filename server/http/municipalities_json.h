#ifndef SITREP_SERVER_HTTP_MUNICIPALITIES_JSON_H_
#define SITREP_SERVER_HTTP_MUNICIPALITIES_JSON_H_

#include <string>

namespace sitrep {

// GET /v1/municipalities: Kosovo's 38 municipalities as the server knows
// them, so that a page can show "Zveçan / Zvečan" for the stored id
// "zvecan":
// {"municipalities": [{"id": "decan", "albanian": "Deçan",
//   "serbianLatin": "Dečani", "serbianCyrillic": "Дечани",
//   "english": "Decan", "seat": {"name": "Deçan", "latitude": 42.54018,
//   "longitude": 20.28793}}, ...]} in the data file's order (the seat: where
// the dashboard's map puts an update that has no point). Public reference
// data: served without authentication.
const std::string& MunicipalitiesJson();

}  // namespace sitrep

#endif  // SITREP_SERVER_HTTP_MUNICIPALITIES_JSON_H_
