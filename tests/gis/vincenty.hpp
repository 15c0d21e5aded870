#pragma once
// Vincenty's inverse formula on WGS84, written out independently of PROJ so that tests can check
// Quanyu's geodesic distances against a second, unrelated implementation.

#include <cmath>
#include <numbers>

#include "gis/geo/geometry.hpp"

namespace quanyu::test {

inline constexpr double kWgs84A = 6378137.0;
inline constexpr double kWgs84F = 1.0 / 298.257223563;

inline double radians(double degrees) { return degrees * std::numbers::pi / 180.0; }
inline double degrees(double radians) { return radians * 180.0 / std::numbers::pi; }

struct Inverse {
  double distance_m = 0.0;
  double azimuth_deg = 0.0;
};

/// Vincenty's inverse formula on WGS84 (T. Vincenty, "Direct and inverse solutions of geodesics
/// on the ellipsoid with application of nested equations", Survey Review 23 (1975)), good to
/// about 0.5 mm for the non-antipodal pairs used here.
inline Inverse vincenty_inverse(gis::LonLat from, gis::LonLat to) {
  const double b = kWgs84A * (1.0 - kWgs84F);
  const double big_l = radians(to.lon - from.lon);
  const double u1 = std::atan((1.0 - kWgs84F) * std::tan(radians(from.lat)));
  const double u2 = std::atan((1.0 - kWgs84F) * std::tan(radians(to.lat)));
  const double sin_u1 = std::sin(u1);
  const double cos_u1 = std::cos(u1);
  const double sin_u2 = std::sin(u2);
  const double cos_u2 = std::cos(u2);

  double lambda = big_l;
  double sin_sigma = 0.0;
  double cos_sigma = 0.0;
  double sigma = 0.0;
  double cos2_alpha = 0.0;
  double cos_2sigma_m = 0.0;
  for (int i = 0; i < 200; ++i) {
    const double sin_lambda = std::sin(lambda);
    const double cos_lambda = std::cos(lambda);
    sin_sigma = std::hypot(cos_u2 * sin_lambda, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lambda);
    if (sin_sigma == 0.0) return Inverse{};  // coincident points
    cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lambda;
    sigma = std::atan2(sin_sigma, cos_sigma);
    const double sin_alpha = cos_u1 * cos_u2 * sin_lambda / sin_sigma;
    cos2_alpha = 1.0 - sin_alpha * sin_alpha;
    cos_2sigma_m = cos2_alpha != 0.0 ? cos_sigma - 2.0 * sin_u1 * sin_u2 / cos2_alpha : 0.0;
    const double c = kWgs84F / 16.0 * cos2_alpha * (4.0 + kWgs84F * (4.0 - 3.0 * cos2_alpha));
    const double previous = lambda;
    lambda = big_l + (1.0 - c) * kWgs84F * sin_alpha *
                         (sigma + c * sin_sigma *
                                      (cos_2sigma_m +
                                       c * cos_sigma * (-1.0 + 2.0 * cos_2sigma_m * cos_2sigma_m)));
    if (std::abs(lambda - previous) < 1e-13) break;
  }
  const double u_sq = cos2_alpha * (kWgs84A * kWgs84A - b * b) / (b * b);
  const double big_a =
      1.0 + u_sq / 16384.0 * (4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq)));
  const double big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)));
  const double c2sm2 = cos_2sigma_m * cos_2sigma_m;
  const double delta_sigma =
      big_b * sin_sigma *
      (cos_2sigma_m + big_b / 4.0 *
                          (cos_sigma * (-1.0 + 2.0 * c2sm2) -
                           big_b / 6.0 * cos_2sigma_m * (-3.0 + 4.0 * sin_sigma * sin_sigma) *
                               (-3.0 + 4.0 * c2sm2)));
  const double azimuth =
      std::atan2(cos_u2 * std::sin(lambda), cos_u1 * sin_u2 - sin_u1 * cos_u2 * std::cos(lambda));
  return Inverse{b * big_a * (sigma - delta_sigma), degrees(azimuth)};
}

}  // namespace quanyu::test
