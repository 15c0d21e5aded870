#include "gis/geo/geodesic.hpp"

#include <geodesic.h>

namespace quanyu::gis {
namespace {

const geod_geodesic& wgs84() {
  // Initialised once, read-only afterwards: safe to share between threads.
  static const geod_geodesic g = [] {
    geod_geodesic init{};
    geod_init(&init, 6378137.0, 1.0 / 298.257223563);
    return init;
  }();
  return g;
}

}  // namespace

double geodesic_distance_m(LonLat a, LonLat b) {
  double s12 = 0.0;
  geod_inverse(&wgs84(), a.lat, a.lon, b.lat, b.lon, &s12, nullptr, nullptr);
  return s12;
}

double geodesic_azimuth_deg(LonLat a, LonLat b) {
  double s12 = 0.0;
  double azi1 = 0.0;
  geod_inverse(&wgs84(), a.lat, a.lon, b.lat, b.lon, &s12, &azi1, nullptr);
  return azi1;
}

LonLat geodesic_destination(LonLat from, double azimuth_deg, double distance_m) {
  LonLat to;
  geod_direct(&wgs84(), from.lat, from.lon, azimuth_deg, distance_m, &to.lat, &to.lon, nullptr);
  return to;
}

}  // namespace quanyu::gis
