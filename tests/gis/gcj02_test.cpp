// Tests for gis/crs/gcj02.cpp against test vectors published with other implementations of the
// same algorithm, plus properties every correct implementation has.

#include "gis/crs/gcj02.hpp"

#include <cmath>
#include <limits>

#include "gis/geo/geodesic.hpp"
#include "gtest_include.hpp"

namespace quanyu::gis {
namespace {

struct Pair {
  const char* place;
  LonLat wgs84;
  LonLat gcj02;
};

// googollee/eviltransform, go/transform_test.go (the same table appears in its C, PHP and
// JavaScript tests): WGS84 -> GCJ-02 for Shanghai, Shenzhen and Beijing.
constexpr Pair kEviltransformPairs[] = {
    {"shanghai", {121.5272106, 31.1774276}, {121.531541859215, 31.17530398364597}},
    {"shenzhen", {113.912316, 22.543847}, {113.9171764808363, 22.540796131694766}},
    {"beijing", {116.377817, 39.911954}, {116.38404722455657, 39.91334545536069}},
};

TEST(Gcj02Forward, MatchesEviltransformVectors) {
  for (const Pair& pair : kEviltransformPairs) {
    SCOPED_TRACE(pair.place);
    const LonLat gcj = gcj02_from_wgs84(pair.wgs84);
    // The vectors carry 15-17 significant digits; 1e-9 degrees is 0.1 mm.
    EXPECT_NEAR(gcj.lon, pair.gcj02.lon, 1e-9);
    EXPECT_NEAR(gcj.lat, pair.gcj02.lat, 1e-9);
  }
}

TEST(Gcj02Inverse, MatchesEviltransformVectors) {
  for (const Pair& pair : kEviltransformPairs) {
    SCOPED_TRACE(pair.place);
    const LonLat wgs = wgs84_from_gcj02(pair.gcj02);
    // eviltransform's exact inverse promises 0.5 m; ours iterates to 1e-10 degrees.
    EXPECT_LT(geodesic_distance_m(wgs, pair.wgs84), 0.001);
  }
}

TEST(Gcj02Inverse, MatchesGcoordVector) {
  // hujiulong/gcoord, test/unit/crs/GCJ02.spec.js: GCJ-02 (123, 45) -> WGS84
  // (122.99395597, 44.99804071). gcoord stops iterating once the forward is within 1e-6 degrees of
  // the target, so its published value is only that close to the exact inverse.
  const LonLat wgs = wgs84_from_gcj02(LonLat{123.0, 45.0});
  EXPECT_NEAR(wgs.lon, 122.99395597, 1e-6);
  EXPECT_NEAR(wgs.lat, 44.99804071, 1e-6);
}

TEST(Gcj02Forward, OffsetsInChinaAreAFewHundredMetres) {
  // Beijing's Tiananmen and Chongqing's Jiefangbei: the shift is known to be a few hundred metres,
  // mostly to the east (0.002-0.007 degrees on each axis).
  for (const LonLat wgs : {LonLat{116.3913, 39.9075}, LonLat{106.5774, 29.5573}}) {
    const LonLat gcj = gcj02_from_wgs84(wgs);
    const double d_lon = gcj.lon - wgs.lon;
    const double d_lat = std::abs(gcj.lat - wgs.lat);
    EXPECT_GT(d_lon, 0.002);
    EXPECT_LT(d_lon, 0.007);
    EXPECT_GT(d_lat, 0.0005);
    EXPECT_LT(d_lat, 0.007);
    const double shift_m = geodesic_distance_m(wgs, gcj);
    EXPECT_GT(shift_m, 100.0);
    EXPECT_LT(shift_m, 800.0);
  }
}

TEST(Gcj02Inverse, RoundTripsWithinAMillimetreOverChongqingAndChina) {
  // Chongqing every 0.1 degrees, then China every 2 degrees (the box's interior).
  auto check = [](LonLat wgs) {
    const LonLat gcj = gcj02_from_wgs84(wgs);
    const LonLat back = wgs84_from_gcj02(gcj);
    EXPECT_LT(geodesic_distance_m(back, wgs), 0.001) << wgs.lon << "," << wgs.lat;
    const LonLat again = gcj02_from_wgs84(back);
    EXPECT_NEAR(again.lon, gcj.lon, 1e-9);
    EXPECT_NEAR(again.lat, gcj.lat, 1e-9);
  };
  for (int i = 0; i <= 50; ++i) {
    for (int j = 0; j <= 41; ++j) check(LonLat{105.2 + 0.1 * i, 28.1 + 0.1 * j});
  }
  for (int i = 0; i <= 31; ++i) {
    for (int j = 0; j <= 26; ++j) check(LonLat{74.0 + 2.0 * i, 2.0 + 2.0 * j});
  }
}

TEST(Gcj02, OutsideChinaIsUnchanged) {
  for (const LonLat p : {LonLat{139.6917, 35.6895},  // Tokyo, east of the box
                         LonLat{2.3522, 48.8566},    // Paris
                         LonLat{151.2093, -33.8688}, LonLat{0.0, 0.0}, LonLat{100.0, 60.0}}) {
    EXPECT_FALSE(gcj02_applies(p));
    EXPECT_EQ(gcj02_from_wgs84(p), p);
    EXPECT_EQ(wgs84_from_gcj02(p), p);
  }
}

TEST(Gcj02, AppliesInsideTheBoxOnly) {
  EXPECT_TRUE(gcj02_applies(LonLat{106.55, 29.56}));
  EXPECT_TRUE(gcj02_applies(LonLat{72.004, 0.8293}));  // the corners belong to the box
  EXPECT_TRUE(gcj02_applies(LonLat{137.8347, 55.8271}));
  EXPECT_FALSE(gcj02_applies(LonLat{72.0039, 30.0}));
  EXPECT_FALSE(gcj02_applies(LonLat{110.0, 55.8272}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(gcj02_applies(LonLat{nan, 30.0}));
  EXPECT_FALSE(gcj02_applies(LonLat{110.0, nan}));
  const LonLat unchanged = gcj02_from_wgs84(LonLat{nan, 30.0});
  EXPECT_TRUE(std::isnan(unchanged.lon));
  EXPECT_EQ(unchanged.lat, 30.0);
}

}  // namespace
}  // namespace quanyu::gis
