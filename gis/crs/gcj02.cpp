#include "gis/crs/gcj02.hpp"

#include <cmath>
#include <numbers>

namespace quanyu::gis {
namespace {

// The algorithm expresses its offset on the Krasovsky 1940 ellipsoid; these constants are part of
// the published definition, not a choice of ours.
constexpr double kKrasovskyA = 6378245.0;
constexpr double kKrasovskyEe = 0.00669342162296594323;

// The inverse stops once the forward of its estimate is this close to the target. The iteration
// contracts by about 1/300 per step (the offset changes by a few hundred metres per degree), so
// 1e-10 degrees is reached in 4-5 steps; the cap only guards against oscillation where the
// estimate crosses the edge of the China box.
constexpr double kInverseToleranceDeg = 1e-10;
constexpr int kInverseMaxIterations = 20;

constexpr double kPi = std::numbers::pi;

// transformLat/transformLon of the published algorithm: the offset in metres on the Krasovsky
// ellipsoid, as functions of x = lon - 105 and y = lat - 35.
double offset_lat_m(double x, double y) {
  double m = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
  m += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  m += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
  m += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y / 30.0 * kPi)) * 2.0 / 3.0;
  return m;
}

double offset_lon_m(double x, double y) {
  double m = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
  m += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
  m += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
  m += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
  return m;
}

}  // namespace

// BBox::contains is written as "inside", so NaN compares false and is left alone.
bool gcj02_applies(LonLat p) { return kGcj02Box.contains(p); }

LonLat gcj02_from_wgs84(LonLat wgs84) {
  if (!gcj02_applies(wgs84)) return wgs84;
  const double x = wgs84.lon - 105.0;
  const double y = wgs84.lat - 35.0;
  const double lat_rad = wgs84.lat / 180.0 * kPi;
  const double sin_lat = std::sin(lat_rad);
  const double w2 = 1.0 - kKrasovskyEe * sin_lat * sin_lat;
  const double w = std::sqrt(w2);
  // Metres to degrees with the meridional and prime-vertical radii of curvature.
  const double meridian_radius = kKrasovskyA * (1.0 - kKrasovskyEe) / (w2 * w);
  const double parallel_radius = kKrasovskyA / w * std::cos(lat_rad);
  return LonLat{wgs84.lon + offset_lon_m(x, y) * 180.0 / (parallel_radius * kPi),
                wgs84.lat + offset_lat_m(x, y) * 180.0 / (meridian_radius * kPi)};
}

LonLat wgs84_from_gcj02(LonLat gcj02) {
  // The offset varies slowly with position, so subtracting the residual of the current estimate
  // is a contraction; it converges far faster than the bisection some implementations use.
  LonLat estimate = gcj02;
  for (int i = 0; i < kInverseMaxIterations; ++i) {
    const LonLat forward = gcj02_from_wgs84(estimate);
    const double d_lon = forward.lon - gcj02.lon;
    const double d_lat = forward.lat - gcj02.lat;
    if (std::abs(d_lon) <= kInverseToleranceDeg && std::abs(d_lat) <= kInverseToleranceDeg) break;
    estimate.lon -= d_lon;
    estimate.lat -= d_lat;
  }
  return estimate;
}

}  // namespace quanyu::gis
