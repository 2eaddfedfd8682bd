#ifndef SITREP_SERVER_INGEST_MUNICIPALITY_NEIGHBOURHOOD_H_
#define SITREP_SERVER_INGEST_MUNICIPALITY_NEIGHBOURHOOD_H_

#include "server/ingest/municipality.h"

namespace sitrep {

// How far from its municipality's seat an update's point may lie. Kosovo's
// largest municipalities (Prizren, Podujevë, Pejë: 600-640 km²) are 30-45
// km across, and no seat sits on its municipality's far edge. Measured
// against the seats (data/SOURCES.md): no point of Kosovo's border is more
// than 23.5 km from the nearest seat (Rugova's corner at the Montenegrin
// border, from Pejë's); the northern tip is 17.8 km from Leposaviq's, the
// southern 20.4 km from Dragash's, Podujevë's eastern border ~22 km from
// its seat; no gazetteer place is more than 17.5 km from its own seat.
// 40 km lets every point of a municipality pass with a margin, and still
// catches a point filed under the wrong part of Kosovo (Prizren's seat is
// 62 km from Prishtinë's, 99 km from Leposaviq's).
inline constexpr double kMunicipalityNeighbourhoodKm = 40;

// Great-circle distance in km between the seat of `municipality` and the
// point (WGS84 degrees; haversine on a 6371 km sphere: the error is far
// below the radius's margin).
double DistanceFromSeatKm(const Municipality& municipality, double latitude,
                          double longitude);

}  // namespace sitrep

#endif  // SITREP_SERVER_INGEST_MUNICIPALITY_NEIGHBOURHOOD_H_
