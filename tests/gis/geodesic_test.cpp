// Tests for gis/geo/geodesic.cpp against Vincenty's inverse formula (vincenty.hpp), and against
// values published with GeographicLib.

#include "gis/geo/geodesic.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "gtest_include.hpp"
#include "vincenty.hpp"

namespace quanyu::gis {
namespace {

using test::vincenty_inverse;

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
      const auto expected = vincenty_inverse(places[i], places[j]);
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
