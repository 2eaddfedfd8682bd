#include "server/ingest/municipality_neighbourhood.h"

#include <algorithm>
#include <cmath>

namespace sitrep {

double DistanceFromSeatKm(const Municipality& municipality, double latitude,
                          double longitude) {
  constexpr double kEarthRadiusKm = 6371;
  constexpr double kRadiansPerDegree = M_PI / 180;
  const double lat1 = municipality.seat_latitude * kRadiansPerDegree;
  const double lat2 = latitude * kRadiansPerDegree;
  const double dlat = lat2 - lat1;
  const double dlon =
      (longitude - municipality.seat_longitude) * kRadiansPerDegree;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1) * std::cos(lat2) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace sitrep
