// Tests for gis/geo/geodesic.cpp against Vincenty's inverse formula implemented here, and against
// values published with GeographicLib.

#include "gis/geo/geodesic.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "gtest_include.hpp"

namespace quanyu::gis {
namespace {

constexpr double kWgs84A = 6378137.0;
constexpr double kWgs84F = 1.0 / 298.257223563;
constexpr double kPi = std::numbers::pi;

double radians(double degrees) { return degrees * kPi / 180.0; }
double degrees(double radians) { return radians * 180.0 / kPi; }

struct Inverse {
  double distance_m = 0.0;
  double azimuth_deg = 0.0;
};

/// Vincenty's inverse formula on WGS84 (T. Vincenty, "Direct and inverse solutions of geodesics
/// on the ellipsoid with application of nested equations", Survey Review 23 (1975)), good to
/// about 0.5 mm for the non-antipodal pairs used here.
Inverse vincenty_inverse(LonLat from, LonLat to) {
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

// Places across Chongqing municipality, from the centre to its far corners.
const std::vector<LonLat>& chongqing_places() {
  static const std::vector<LonLat> places = {
      {106.5774, 29.5573},  // Jiefangbei, Yuzhong
      {106.6421, 29.7197},  // Jiangbei airport
      {106.4614, 29.5418},  // Shapingba
      {105.7153, 29.3487},  // Yongchuan, west
      {108.4085, 30.8078},  // Wanzhou, north-east
      {109.5247, 31.4038},  // Wushan, east
      {108.7693, 28.8392},  // Qianjiang, south-east
      {106.5775, 29.5574},  // 14 m from Jiefangbei
  };
  return places;
}

TEST(GeodesicDistance, AgreesWithVincentyAcrossChongqing) {
  const auto& places = chongqing_places();
  for (size_t i = 0; i < places.size(); ++i) {
    for (size_t j = 0; j < places.size(); ++j) {
      if (i == j) continue;
      const Inverse expected = vincenty_inverse(places[i], places[j]);
      const double actual = geodesic_distance_m(places[i], places[j]);
      EXPECT_NEAR(actual, expected.distance_m, 0.001) << i << " -> " << j;
      EXPECT_NEAR(actual, expected.distance_m, expected.distance_m * 1e-3);
      EXPECT_NEAR(geodesic_azimuth_deg(places[i], places[j]), expected.azimuth_deg, 1e-7);
    }
  }
}

TEST(GeodesicDistance, ZeroForTheSamePoint) {
  EXPECT_EQ(geodesic_distance_m(LonLat{106.5, 29.5}, LonLat{106.5, 29.5}), 0.0);
}

// GeographicLib's test suite (geographiclib-c tests/geodtest.c, cases drawn from Karney's
// published GeodTest.dat): WGS84 inverse problems with their distances and azimuths.
TEST(GeodesicDistance, MatchesGeodTestCases) {
  struct Case {
    LonLat from;
    LonLat to;
    double azimuth_deg;
    double distance_m;
  };
  const Case cases[] = {
      {{-139.44815, 35.60777}, {-69.95921, -11.17491}, 111.098748429560326, 8935244.5604818305},
      {{106.05087, 55.52454}, {197.18234, 77.03196}, 22.020059880982801, 4105086.1713924406},
      {{142.59065, -21.97856}, {98.56635, 41.84138}, -32.44456876433189, 8394328.894657671},
  };
  for (const Case& c : cases) {
    EXPECT_NEAR(geodesic_distance_m(c.from, c.to), c.distance_m, 1e-6);
    EXPECT_NEAR(geodesic_azimuth_deg(c.from, c.to), c.azimuth_deg, 1e-10);
  }
}

// GeodSolve examples from GeographicLib's documentation and tests (geodtest.c GeodSolve0/1):
// JFK (40.6N, 73.8W) to Paris CDG (49.01666667N, 2.55E) is 5 853 226 m on azimuth 53.47022;
// 5 850 km from JFK (40.63972222N, 73.77888889W) on azimuth 53.5 reaches 49.01467N, 2.56106E.
TEST(GeodesicDistance, MatchesGeodSolveExamples) {
  EXPECT_NEAR(geodesic_distance_m(LonLat{-73.8, 40.6}, LonLat{2.55, 49.01666667}), 5853226.0, 0.5);
  EXPECT_NEAR(geodesic_azimuth_deg(LonLat{-73.8, 40.6}, LonLat{2.55, 49.01666667}), 53.47022,
              0.5e-5);
  const LonLat cdg = geodesic_destination(LonLat{-73.77888889, 40.63972222}, 53.5, 5850e3);
  EXPECT_NEAR(cdg.lat, 49.01467, 0.5e-5);
  EXPECT_NEAR(cdg.lon, 2.56106, 0.5e-5);
}

TEST(GeodesicDestination, RoundTripsThroughTheInverse) {
  const LonLat start{106.5774, 29.5573};
  for (int step = 0; step < 16; ++step) {
    const double azimuth = -180.0 + 22.5 * step;
    for (double distance : {1.0, 250.0, 12'000.0, 180'000.0}) {
      const LonLat end = geodesic_destination(start, azimuth, distance);
      EXPECT_NEAR(geodesic_distance_m(start, end), distance, 1e-6);
      EXPECT_NEAR(vincenty_inverse(start, end).distance_m, distance, 0.001);
      if (distance >= 250.0) {
        // azimuth -180 and 180 are the same direction.
        double azimuth_back = geodesic_azimuth_deg(start, end);
        if (azimuth == -180.0 && azimuth_back > 0.0) azimuth_back -= 360.0;
        EXPECT_NEAR(azimuth_back, azimuth, 1e-9) << distance;
      }
    }
  }
}

}  // namespace
}  // namespace quanyu::gis
