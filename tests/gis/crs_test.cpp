// Tests for gis/crs/crs.cpp. Expected values come from published examples (EPSG Guidance Note 7-2)
// or from formulas implemented here independently of PROJ (meridian arc, Kruger series), never
// from PROJ itself.

#include "gis/crs/crs.hpp"

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "gis/crs/gcj02.hpp"
#include "gtest_include.hpp"

namespace quanyu::gis {
namespace {

using ::testing::HasSubstr;

// CGCS2000 ellipsoid (equal to GRS80 in a and f).
constexpr double kCgcsA = 6378137.0;
constexpr double kCgcsF = 1.0 / 298.257222101;

constexpr double kPi = std::numbers::pi;

double radians(double degrees) { return degrees * kPi / 180.0; }

Crs parse_or_die(std::string_view text) {
  auto crs = Crs::parse(text);
  EXPECT_TRUE(crs.ok()) << text << ": " << (crs.ok() ? "" : crs.error().message);
  return crs.ok() ? *crs : Crs::wgs84();
}

/// Length of the meridian arc from the equator to `lat_deg` on the CGCS2000 ellipsoid: Helmert's
/// series in the third flattening n, carried to n^4 (the n^5 terms are below 0.01 mm).
double meridian_arc_m(double lat_deg) {
  const double n = kCgcsF / (2.0 - kCgcsF);
  const double n2 = n * n;
  const double n3 = n2 * n;
  const double n4 = n3 * n;
  const double phi = radians(lat_deg);
  return kCgcsA / (1.0 + n) *
         ((1.0 + n2 / 4.0 + n4 / 64.0) * phi - 1.5 * (n - n3 / 8.0) * std::sin(2.0 * phi) +
          15.0 / 16.0 * (n2 - n4 / 4.0) * std::sin(4.0 * phi) -
          35.0 / 48.0 * n3 * std::sin(6.0 * phi) + 315.0 / 512.0 * n4 * std::sin(8.0 * phi));
}

struct EastingNorthing {
  double easting = 0.0;
  double northing = 0.0;
};

/// Transverse Mercator (scale 1, false easting 500 000 m) on the CGCS2000 ellipsoid with Kruger's
/// series in n to n^4, as given by Karney, "Transverse Mercator with an accuracy of a few
/// nanometers", J. Geodesy 85 (2011), eqs. (7)-(11) and (35): accurate to well below a millimetre
/// within a few degrees of the central meridian.
EastingNorthing kruger_tm(double lon_deg, double lat_deg, double central_meridian_deg) {
  const double n = kCgcsF / (2.0 - kCgcsF);
  const double n2 = n * n;
  const double n3 = n2 * n;
  const double n4 = n3 * n;
  const double big_a = kCgcsA / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0);
  const std::array<double, 4> alpha = {
      n / 2.0 - 2.0 * n2 / 3.0 + 5.0 * n3 / 16.0 + 41.0 * n4 / 180.0,
      13.0 * n2 / 48.0 - 3.0 * n3 / 5.0 + 557.0 * n4 / 1440.0,
      61.0 * n3 / 240.0 - 103.0 * n4 / 140.0,
      49561.0 * n4 / 161280.0,
  };
  const double phi = radians(lat_deg);
  const double lambda = radians(lon_deg - central_meridian_deg);
  const double e = std::sqrt(kCgcsF * (2.0 - kCgcsF));
  // Conformal latitude via tau' = tan(chi).
  const double tau = std::tan(phi);
  const double sigma = std::sinh(e * std::atanh(e * tau / std::sqrt(1.0 + tau * tau)));
  const double tau_prime =
      tau * std::sqrt(1.0 + sigma * sigma) - sigma * std::sqrt(1.0 + tau * tau);
  const double xi_prime = std::atan2(tau_prime, std::cos(lambda));
  const double eta_prime = std::asinh(
      std::sin(lambda) / std::sqrt(tau_prime * tau_prime + std::pow(std::cos(lambda), 2)));
  double xi = xi_prime;
  double eta = eta_prime;
  for (int j = 1; j <= 4; ++j) {
    xi += alpha[j - 1] * std::sin(2.0 * j * xi_prime) * std::cosh(2.0 * j * eta_prime);
    eta += alpha[j - 1] * std::cos(2.0 * j * xi_prime) * std::sinh(2.0 * j * eta_prime);
  }
  return EastingNorthing{500000.0 + big_a * eta, big_a * xi};
}

TEST(CrsParse, AcceptsSupportedNamesCaseInsensitively) {
  struct Case {
    const char* text;
    const char* name;
    int epsg;
    bool geographic;
  };
  const Case cases[] = {
      {"", "EPSG:4326", 4326, true},
      {"WGS84", "EPSG:4326", 4326, true},
      {"epsg:4326", "EPSG:4326", 4326, true},
      {"OGC:CRS84", "EPSG:4326", 4326, true},
      {"urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", 4326, true},
      {" EPSG:4490 ", "EPSG:4490", 4490, true},
      {"cgcs2000", "EPSG:4490", 4490, true},
      {"urn:ogc:def:crs:EPSG::4490", "EPSG:4490", 4490, true},
      {"EPSG:3857", "EPSG:3857", 3857, false},
      {"EPSG:4534", "EPSG:4534", 4534, false},
      {"Epsg:4545", "EPSG:4545", 4545, false},
      {"EPSG:4554", "EPSG:4554", 4554, false},
      {"GCJ-02", "GCJ-02", 0, true},
      {"gcj02", "GCJ-02", 0, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const Crs crs = parse_or_die(c.text);
    EXPECT_EQ(crs.name(), c.name);
    EXPECT_EQ(crs.epsg(), c.epsg);
    EXPECT_EQ(crs.geographic(), c.geographic);
  }
  EXPECT_TRUE(parse_or_die("GCJ-02").is_gcj02());
  EXPECT_FALSE(parse_or_die("EPSG:4326").is_gcj02());
  EXPECT_EQ(parse_or_die("WGS84"), Crs{});
}

TEST(CrsParse, RejectsEverythingElseAndListsWhatIsSupported) {
  // 4533 and 4555 are just outside the zone range; 4513 is the zone-prefixed variant of zone 25.
  for (const char* text : {"EPSG:4533", "EPSG:4555", "EPSG:4513", "EPSG:32648",
                           "EPSG:", "EPSG:4545x", "BD-09", "EPSG:-4326", "4326"}) {
    SCOPED_TRACE(text);
    const auto crs = Crs::parse(text);
    ASSERT_FALSE(crs.ok());
    EXPECT_EQ(crs.error().code, "unsupported_crs");
    EXPECT_THAT(crs.error().message, HasSubstr(std::string("\"") + text + "\""));
    EXPECT_THAT(crs.error().message, HasSubstr("EPSG:4534..EPSG:4554"));
    EXPECT_THAT(crs.error().message, HasSubstr("GCJ-02"));
  }
}

TEST(CrsAreaOfUse, ComesFromTheRegistryOrTheGcjBox) {
  const BBox world{-180.0, -90.0, 180.0, 90.0};
  EXPECT_EQ(Crs::wgs84().area_of_use(), world);
  EXPECT_EQ(parse_or_die("GCJ-02").area_of_use(), kGcj02Box);
  // EPSG registry: CGCS2000 / 3-degree Gauss-Kruger CM 108E is used in China between 106.5E and
  // 109.5E.
  const BBox zone = parse_or_die("EPSG:4545").area_of_use();
  EXPECT_NEAR(zone.min_lon, 106.5, 0.05);
  EXPECT_NEAR(zone.max_lon, 109.5, 0.05);
  EXPECT_TRUE(zone.contains(LonLat{107.0, 29.5}));
  // CGCS2000 covers China, onshore and offshore.
  const BBox china = parse_or_die("EPSG:4490").area_of_use();
  EXPECT_TRUE(china.contains(LonLat{106.55, 29.56}));
  EXPECT_FALSE(china.contains(LonLat{2.35, 48.85}));
}

// EPSG Guidance Note 7-2 (IOGP Publication 373-7-2), "Popular Visualisation Pseudo Mercator"
// worked example: latitude 24°22'54.433"N, longitude 100°20'00.000"W gives E = -11 169 055.58 m,
// N = 2 800 000.00 m.
TEST(CrsWebMercator, MatchesTheGuidanceNoteExample) {
  const Crs crs = parse_or_die("EPSG:3857");
  const double lat = 24.0 + 22.0 / 60.0 + 54.433 / 3600.0;
  const double lon = -(100.0 + 20.0 / 60.0);

  const auto en = from_lonlat(crs, LonLat{lon, lat});
  ASSERT_TRUE(en.ok()) << en.error().message;
  // The published values are rounded to 1 cm, the latitude to 0.001" (3 cm).
  EXPECT_NEAR(en->first, -11169055.58, 0.01);
  EXPECT_NEAR(en->second, 2800000.00, 0.02);

  const auto p = to_lonlat(crs, -11169055.58, 2800000.00);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NEAR(p->lon, lon, 1e-7);  // 1 cm is 9e-8 degrees here
  EXPECT_NEAR(p->lat, lat, 3e-7);  // 0.001" is 2.8e-7 degrees
}

TEST(CrsGaussKruger, CentralMeridianHasFalseEastingAndMeridianArcNorthing) {
  // Independent check of the series used below: the arc to 30N on GRS80 is 3 320 113.4 m.
  ASSERT_NEAR(meridian_arc_m(30.0), 3320113.4, 0.05);

  const Crs crs = parse_or_die("EPSG:4545");  // CM 108E
  const auto en = from_lonlat(crs, LonLat{108.0, 30.0});
  ASSERT_TRUE(en.ok()) << en.error().message;
  EXPECT_NEAR(en->first, 500000.0, 1e-6);
  EXPECT_NEAR(en->second, meridian_arc_m(30.0), 0.001);

  const auto p = to_lonlat(crs, 500000.0, meridian_arc_m(30.0));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NEAR(p->lon, 108.0, 1e-9);
  EXPECT_NEAR(p->lat, 30.0, 1e-9);
}

TEST(CrsGaussKruger, OffMeridianPointsMatchKrugerSeries) {
  // One degree either side of the CM, and Chongqing's Jiefangbei (106.577E 29.557N), which lies
  // 1.4 degrees west of CM 108E, near where city data in EPSG:4545 ends.
  struct Case {
    const char* crs;
    double cm;
    LonLat p;
  };
  const Case cases[] = {
      {"EPSG:4545", 108.0, {109.0, 30.0}},     {"EPSG:4545", 108.0, {107.0, 29.0}},
      {"EPSG:4545", 108.0, {106.577, 29.557}}, {"EPSG:4544", 105.0, {106.0, 31.5}},
      {"EPSG:4534", 75.0, {76.0, 38.0}},       {"EPSG:4554", 135.0, {134.0, 47.0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.crs) + " at " + std::to_string(c.p.lon) + "," +
                 std::to_string(c.p.lat));
    const Crs crs = parse_or_die(c.crs);
    const EastingNorthing expected = kruger_tm(c.p.lon, c.p.lat, c.cm);
    const auto en = from_lonlat(crs, c.p);
    ASSERT_TRUE(en.ok()) << en.error().message;
    // PROJ's own Transverse Mercator is the same series taken further: they agree to micrometres.
    EXPECT_NEAR(en->first, expected.easting, 0.001);
    EXPECT_NEAR(en->second, expected.northing, 0.001);

    const auto back = to_lonlat(crs, expected.easting, expected.northing);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_NEAR(back->lon, c.p.lon, 1e-7);  // 1e-7 degrees is about 1 cm
    EXPECT_NEAR(back->lat, c.p.lat, 1e-7);
  }
}

TEST(CrsGaussKruger, ZonesMapToCentralMeridians75To135) {
  for (int zone = 0; zone <= 20; ++zone) {
    const int epsg = 4534 + zone;
    const double cm = 75.0 + 3.0 * zone;
    SCOPED_TRACE(epsg);
    const Crs crs = parse_or_die("EPSG:" + std::to_string(epsg));
    // The zone's area of use (from the EPSG registry) lies in the 3-degree strip around its
    // central meridian; at China's edges it is narrower (CM 135E: 133.5E-134.77E).
    const BBox area = crs.area_of_use();
    EXPECT_GE(area.min_lon, cm - 1.5 - 0.05);
    EXPECT_LE(area.max_lon, cm + 1.5 + 0.05);

    // On the central meridian the easting is the false easting and the northing the arc length.
    const double lat = (area.min_lat + area.max_lat) / 2.0;
    const auto en = from_lonlat(crs, LonLat{cm, lat});
    ASSERT_TRUE(en.ok()) << en.error().message;
    EXPECT_NEAR(en->first, 500000.0, 1e-6);
    EXPECT_NEAR(en->second, meridian_arc_m(lat), 0.001);
    const auto p = to_lonlat(crs, 500000.0, en->second);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_NEAR(p->lon, cm, 1e-9);
  }
}

TEST(CrsRoundTrip, ChongqingGridWithin1e9Degrees) {
  // Chongqing spans 105.2E-110.2E, 28.1N-32.2N: three Gauss-Kruger zones (CM 105, 108, 111).
  for (int i = 0; i <= 20; ++i) {
    for (int j = 0; j <= 17; ++j) {
      const double lon = 105.25 + 0.25 * i;
      const double lat = 28.0 + 0.25 * j;
      const LonLat p{lon, lat};
      const int zone_epsg = 4534 + static_cast<int>(std::lround((lon - 75.0) / 3.0));
      for (const std::string& name :
           {std::string("EPSG:4326"), std::string("EPSG:4490"), std::string("EPSG:3857"),
            std::string("GCJ-02"), "EPSG:" + std::to_string(zone_epsg)}) {
        SCOPED_TRACE(name + " " + std::to_string(lon) + "," + std::to_string(lat));
        const Crs crs = parse_or_die(name);
        const auto xy = from_lonlat(crs, p);
        ASSERT_TRUE(xy.ok()) << xy.error().message;
        const auto back = to_lonlat(crs, xy->first, xy->second);
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_NEAR(back->lon, lon, 1e-9);
        EXPECT_NEAR(back->lat, lat, 1e-9);
      }
    }
  }
}

TEST(CrsRoundTrip, CgcsGeographicIsWgs84) {
  // Without a grid PROJ (and Quanyu) treat CGCS2000 as WGS84: the frames differ by centimetres.
  const auto p = to_lonlat(parse_or_die("EPSG:4490"), 106.55, 29.56);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_DOUBLE_EQ(p->lon, 106.55);
  EXPECT_DOUBLE_EQ(p->lat, 29.56);
}

TEST(CrsBadInput, NonFiniteIsInvalid) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const char* name : {"EPSG:4326", "EPSG:4490", "EPSG:3857", "EPSG:4545", "GCJ-02"}) {
    SCOPED_TRACE(name);
    const Crs crs = parse_or_die(name);
    const auto a = to_lonlat(crs, nan, 30.0);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().code, "invalid_coordinate");
    EXPECT_THAT(a.error().message, HasSubstr(name));
    EXPECT_THAT(a.error().message, HasSubstr("nan"));
    const auto b = to_lonlat(crs, 0.0, inf);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, "invalid_coordinate");
    EXPECT_THAT(b.error().message, HasSubstr("inf"));
    const auto c = from_lonlat(crs, LonLat{106.5, nan});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, "invalid_coordinate");
    EXPECT_THAT(c.error().message, HasSubstr(name));
    EXPECT_THAT(c.error().message, HasSubstr("lat=nan"));
  }
}

TEST(CrsBadInput, OutsideTheValidRangeIsOutOfBounds) {
  struct Case {
    const char* crs;
    double x;
    double y;
    const char* value;  // how the offending value appears in the message
  };
  const Case cases[] = {
      {"EPSG:4326", 106.5, 91.0, "lat=91"},
      {"EPSG:4326", -180.5, 30.0, "lon=-180.5"},
      {"EPSG:4490", 106.5, -90.001, "lat=-90.001"},
      {"GCJ-02", 106.5, 91.0, "lat=91"},
      {"EPSG:3857", 20100000.0, 0.0, "x=20100000"},
      {"EPSG:4545", 5000000.0, 3300000.0, "x=5000000"},  // an easting far outside the zone
      {"EPSG:4545", 500000.0, -100.0, "y=-100"},         // south of the equator, not China
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.crs) + " " + c.value);
    const auto p = to_lonlat(parse_or_die(c.crs), c.x, c.y);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, "coordinate_out_of_bounds");
    EXPECT_THAT(p.error().message, HasSubstr(c.crs));
    EXPECT_THAT(p.error().message, HasSubstr(c.value));
  }
}

TEST(CrsBadInput, HintsAtZonePrefixAndSwappedAxes) {
  const Crs crs = parse_or_die("EPSG:4545");
  const auto prefixed = to_lonlat(crs, 36500000.0, 3300000.0);
  ASSERT_FALSE(prefixed.ok());
  EXPECT_THAT(prefixed.error().message, HasSubstr("zone-prefixed"));

  const auto swapped = to_lonlat(crs, 3300000.0, 500000.0);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().code, "coordinate_out_of_bounds");
  EXPECT_THAT(swapped.error().message, HasSubstr("swapped"));

  const auto swapped_lonlat = to_lonlat(Crs::wgs84(), 29.56, 106.55);
  ASSERT_FALSE(swapped_lonlat.ok());
  EXPECT_THAT(swapped_lonlat.error().message, HasSubstr("swapped"));
}

TEST(CrsBadInput, CornerOfTheProjectedBoxIsCheckedAfterTransforming) {
  // The accepted x/y box encloses the curved image of the zone's area; its north-east corner
  // lies 3 degrees east of CM 108E at 44N, beyond the widened area (106.5E-109.5E plus 1.5).
  const Crs crs = parse_or_die("EPSG:4545");
  const BBox bounds = crs.input_bounds();
  const double x = bounds.max_lon - 1000.0;
  const double y = bounds.max_lat - 1000.0;
  const auto p = to_lonlat(crs, x, y);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "coordinate_out_of_bounds");
  EXPECT_THAT(p.error().message, HasSubstr("maps to (lon=111.9"));

  std::vector<LonLat> points = {{500000.0, 3300000.0}, {x, y}};
  const auto error = to_lonlat_in_place(crs, points);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "coordinate_out_of_bounds");
  EXPECT_THAT(error->message, HasSubstr("EPSG:4545 point 1 maps to (lon=111.9"));
}

TEST(CrsBadInput, FromLonLatOutsideTheZoneIsOutOfBounds) {
  const auto far = from_lonlat(parse_or_die("EPSG:4545"), LonLat{2.35, 48.85});
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, "coordinate_out_of_bounds");
  EXPECT_THAT(far.error().message, HasSubstr("EPSG:4545"));
  EXPECT_THAT(far.error().message, HasSubstr("lon=2.35"));

  const auto bad_lat = from_lonlat(parse_or_die("EPSG:3857"), LonLat{0.0, 95.0});
  ASSERT_FALSE(bad_lat.ok());
  EXPECT_EQ(bad_lat.error().code, "coordinate_out_of_bounds");
  EXPECT_THAT(bad_lat.error().message, HasSubstr("lat=95"));
}

TEST(CrsBatch, MatchesPointByPointConversion) {
  for (const char* name : {"EPSG:4326", "EPSG:4490", "EPSG:3857", "EPSG:4545", "GCJ-02"}) {
    SCOPED_TRACE(name);
    const Crs crs = parse_or_die(name);
    // A closed ring around central Chongqing, expressed in `crs`.
    const std::vector<LonLat> ring_lonlat = {
        {106.45, 29.45}, {106.70, 29.45}, {106.70, 29.70}, {106.45, 29.70}, {106.45, 29.45}};
    std::vector<LonLat> ring;
    for (const LonLat& p : ring_lonlat) {
      const auto xy = from_lonlat(crs, p);
      ASSERT_TRUE(xy.ok()) << xy.error().message;
      ring.push_back(LonLat{xy->first, xy->second});
    }
    std::vector<LonLat> expected;
    for (const LonLat& xy : ring) {
      const auto p = to_lonlat(crs, xy.lon, xy.lat);
      ASSERT_TRUE(p.ok()) << p.error().message;
      expected.push_back(*p);
    }
    const auto error = to_lonlat_in_place(crs, ring);
    ASSERT_FALSE(error.has_value()) << error->message;
    for (size_t i = 0; i < ring.size(); ++i) {
      EXPECT_NEAR(ring[i].lon, expected[i].lon, 1e-12);
      EXPECT_NEAR(ring[i].lat, expected[i].lat, 1e-12);
      EXPECT_NEAR(ring[i].lon, ring_lonlat[i].lon, 1e-9);
      EXPECT_NEAR(ring[i].lat, ring_lonlat[i].lat, 1e-9);
    }
  }
  std::vector<LonLat> empty;
  EXPECT_FALSE(to_lonlat_in_place(parse_or_die("EPSG:4545"), empty).has_value());
}

TEST(CrsBatch, BadPointIsNamedAndNothingChanges) {
  const Crs crs = parse_or_die("EPSG:4545");
  std::vector<LonLat> points = {
      {400000.0, 3270000.0}, {410000.0, 3270000.0}, {5000000.0, 3270000.0}, {400000.0, 3270000.0}};
  const std::vector<LonLat> original = points;
  const auto error = to_lonlat_in_place(crs, points);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "coordinate_out_of_bounds");
  EXPECT_THAT(error->message, HasSubstr("EPSG:4545 point 2 (x=5000000, y=3270000)"));
  EXPECT_EQ(points, original);

  points[2].lat = std::numeric_limits<double>::quiet_NaN();
  const auto nan_error = to_lonlat_in_place(crs, points);
  ASSERT_TRUE(nan_error.has_value());
  EXPECT_EQ(nan_error->code, "invalid_coordinate");
  EXPECT_THAT(nan_error->message, HasSubstr("point 2"));
}

TEST(CrsThreads, EachThreadGetsTheSameAnswers) {
  // Every thread builds its own PROJ context and transformations; results must not depend on
  // which thread (or how many at once) did the work.
  const Crs gk = parse_or_die("EPSG:4545");
  const Crs mercator = parse_or_die("EPSG:3857");
  std::vector<LonLat> inputs;
  inputs.reserve(400);
  for (int i = 0; i < 400; ++i) inputs.push_back(LonLat{106.0 + 0.005 * i, 28.5 + 0.0075 * i});
  auto run = [&](std::vector<LonLat>& out) {
    for (const LonLat& p : inputs) {
      const auto en = from_lonlat(gk, p);
      const auto xy = from_lonlat(mercator, p);
      if (!en.ok() || !xy.ok()) return;
      const auto a = to_lonlat(gk, en->first, en->second);
      const auto b = to_lonlat(mercator, xy->first, xy->second);
      if (!a.ok() || !b.ok()) return;
      out.push_back(LonLat{en->first, xy->second});
      out.push_back(*a);
      out.push_back(*b);
    }
  };
  std::vector<LonLat> reference;
  run(reference);
  ASSERT_EQ(reference.size(), 3 * inputs.size());

  constexpr int kThreads = 4;
  std::vector<std::vector<LonLat>> results(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(run, std::ref(results[t]));
  for (std::thread& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, reference);
}

}  // namespace
}  // namespace quanyu::gis
