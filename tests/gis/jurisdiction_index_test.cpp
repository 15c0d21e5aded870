#include "gis/index/jurisdiction_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gis/geo/geodesic.hpp"
#include "gis/geo/geometry.hpp"
#include "gtest_include.hpp"
#include "test_layers.hpp"

namespace quanyu::gis {
namespace {

using Kind = JurisdictionMatch::Kind;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Brute force, written independently of the index: even-odd ray casting over every ring, and the
// nearest border by scanning every edge.

bool polygon_contains(const Polygon& polygon, LonLat p) {
  bool inside = false;
  for (const Ring& ring : polygon.rings) {
    const std::size_t n = ring.size();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
      const LonLat a = ring[j];
      const LonLat b = ring[i];
      if ((a.lat > p.lat) != (b.lat > p.lat) &&
          p.lon < a.lon + (p.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat)) {
        inside = !inside;
      }
    }
  }
  return inside;
}

bool district_contains(const District& district, LonLat p) {
  return std::any_of(district.area.begin(), district.area.end(),
                     [&](const Polygon& polygon) { return polygon_contains(polygon, p); });
}

/// Plain lon/lat distance from p to segment a-b, to skip points that lie on a border.
double degree_distance(LonLat p, LonLat a, LonLat b) {
  const double dx = b.lon - a.lon;
  const double dy = b.lat - a.lat;
  const double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? ((p.lon - a.lon) * dx + (p.lat - a.lat) * dy) / length2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(p.lon - (a.lon + t * dx), p.lat - (a.lat + t * dy));
}

/// Metres from p to segment a-b in the local equirectangular plane at p's latitude (WGS84 radii).
double metre_distance(LonLat p, LonLat a, LonLat b) {
  constexpr double kA = 6378137.0;
  constexpr double kF = 1.0 / 298.257223563;
  constexpr double kE2 = kF * (2 - kF);
  const double phi = p.lat * std::numbers::pi / 180.0;
  const double w2 = 1 - kE2 * std::sin(phi) * std::sin(phi);
  const double kx = kA / std::sqrt(w2) * std::cos(phi) * std::numbers::pi / 180.0;
  const double ky = kA * (1 - kE2) / (w2 * std::sqrt(w2)) * std::numbers::pi / 180.0;
  const double ax = (a.lon - p.lon) * kx;
  const double ay = (a.lat - p.lat) * ky;
  const double bx = (b.lon - p.lon) * kx;
  const double by = (b.lat - p.lat) * ky;
  const double dx = bx - ax;
  const double dy = by - ay;
  const double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? -(ax * dx + ay * dy) / length2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  return std::hypot(ax + t * dx, ay + t * dy);
}

template <typename F>
void for_each_edge(const District& district, F&& f) {
  for (const Polygon& polygon : district.area) {
    for (const Ring& ring : polygon.rings) {
      for (std::size_t i = 0; i + 1 < ring.size(); ++i) f(ring[i], ring[i + 1]);
      if (!ring.empty()) f(ring.back(), ring.front());
    }
  }
}

double border_distance_m(const District& district, LonLat p) {
  double best = kInfinity;
  for_each_edge(district,
                [&](LonLat a, LonLat b) { best = std::min(best, metre_distance(p, a, b)); });
  return best;
}

/// The matched adcode, "-" when outside (so a failing expectation never dereferences null).
std::string adcode_of(const JurisdictionMatch& m) {
  return m.district != nullptr ? m.district->adcode : "-";
}

BBox grown(BBox box, double by) {
  box.min_lon -= by;
  box.min_lat -= by;
  box.max_lon += by;
  box.max_lat += by;
  return box;
}

/// What the index should say about p, by brute force. `on_border` is set when p lies within
/// 1e-9° of an edge, where either answer is right.
struct Expected {
  std::vector<std::size_t> containing;  ///< districts containing p
  std::size_t nearest = JurisdictionMatch::kNone;
  double nearest_m = kInfinity;
  bool on_border = false;
};

Expected brute_force(const std::vector<District>& districts, const std::vector<BBox>& boxes,
                     LonLat p, bool with_nearest, double tolerance_m = 500.0) {
  Expected e;
  for (std::size_t d = 0; d < districts.size(); ++d) {
    if (!grown(boxes[d], 1e-9).contains(p)) continue;
    for_each_edge(districts[d], [&](LonLat a, LonLat b) {
      if (degree_distance(p, a, b) < 1e-9) e.on_border = true;
    });
    if (district_contains(districts[d], p)) e.containing.push_back(d);
  }
  if (with_nearest && e.containing.empty()) {
    // Generous windows: a degree of latitude is at least 110 km, of longitude 111 km * cos(lat).
    const double lat_window = 2.0 * tolerance_m / 110'000.0 + 1e-6;
    const double lon_window =
        std::min(360.0, lat_window / std::max(std::cos(p.lat * std::numbers::pi / 180.0), 1e-9));
    for (std::size_t d = 0; d < districts.size(); ++d) {
      BBox window = boxes[d];
      window.min_lon -= lon_window;
      window.max_lon += lon_window;
      window.min_lat -= lat_window;
      window.max_lat += lat_window;
      if (!window.contains(p)) continue;
      const double m = border_distance_m(districts[d], p);
      if (m < e.nearest_m ||
          (m == e.nearest_m && districts[d].adcode < districts[e.nearest].adcode)) {
        e.nearest_m = m;
        e.nearest = d;
      }
    }
  }
  return e;
}

std::size_t lowest_adcode(const std::vector<District>& districts,
                          const std::vector<std::size_t>& among) {
  return *std::min_element(among.begin(), among.end(), [&](std::size_t a, std::size_t b) {
    return districts[a].adcode < districts[b].adcode;
  });
}

std::vector<BBox> boxes_of(const std::vector<District>& districts) {
  std::vector<BBox> boxes;
  for (const auto& d : districts) boxes.push_back(bounds(d.area));
  return boxes;
}

/// How the random points of expect_agreement() fell, by brute force.
struct Tally {
  std::size_t inside = 0;
  std::size_t overlapping = 0;  ///< inside two or more districts
  std::size_t nearest = 0;      ///< in none, within the tolerance of a border
};

/// Checks locate() against brute force for `count` random points in `box`.
Tally expect_agreement(const JurisdictionIndex& index, BBox box, std::size_t count, unsigned seed,
                       bool with_nearest) {
  const auto& districts = index.districts();
  const auto boxes = boxes_of(districts);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lon(box.min_lon, box.max_lon);
  std::uniform_real_distribution<double> lat(box.min_lat, box.max_lat);
  Tally tally;
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const LonLat p{lon(rng), lat(rng)};
    const Expected e = brute_force(districts, boxes, p, with_nearest, index.tolerance_m());
    if (e.on_border) continue;
    const JurisdictionMatch m = index.locate(p);
    if (!e.containing.empty()) {
      ++tally.inside;
      if (e.containing.size() > 1) ++tally.overlapping;
      const std::size_t want = lowest_adcode(districts, e.containing);
      if (m.kind != Kind::inside || m.index != want) {
        if (++mismatches <= 5) {
          ADD_FAILURE() << "point " << p.lon << "," << p.lat << ": want inside "
                        << districts[want].adcode << ", got " << to_string(m.kind) << " "
                        << (m.district != nullptr ? m.district->adcode : "-");
        }
      }
      continue;
    }
    if (m.kind == Kind::inside) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << "point " << p.lon << "," << p.lat << ": in no district, got inside "
                      << m.district->adcode;
      }
      continue;
    }
    if (!with_nearest) continue;
    // Points within a micrometre of the tolerance may fall either way.
    if (std::abs(e.nearest_m - index.tolerance_m()) < 1e-6) continue;
    if (e.nearest_m <= index.tolerance_m()) {
      ++tally.nearest;
      EXPECT_EQ(m.kind, Kind::nearest) << p.lon << "," << p.lat;
      EXPECT_NEAR(m.distance_m, e.nearest_m, 1e-6) << p.lon << "," << p.lat;
      if (m.index != e.nearest && m.district != nullptr) {
        // Equally near borders (within rounding) may go either way only if truly tied.
        EXPECT_NEAR(border_distance_m(*m.district, p), e.nearest_m, 1e-6)
            << p.lon << "," << p.lat << " nearest " << m.district->adcode << " vs "
            << districts[e.nearest].adcode;
      }
    } else {
      EXPECT_EQ(m.kind, Kind::outside) << p.lon << "," << p.lat << " at " << e.nearest_m;
      EXPECT_EQ(m.district, nullptr);
    }
  }
  EXPECT_EQ(mismatches, 0u);
  return tally;
}

// ---------------------------------------------------------------------------------------------
// Chongqing

class ChongqingJurisdiction : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const gis::Layer layer = test::load_districts_layer(test::chongqing_districts_path());
    repaired_ = layer.stats.repaired;
    test_districts_ = new std::vector<test::TestDistrict>(test::read_districts(layer));
    index_ = new JurisdictionIndex(test::districts_only(*test_districts_));
  }
  static void TearDownTestSuite() {
    delete index_;
    delete test_districts_;
    index_ = nullptr;
    test_districts_ = nullptr;
  }
  static const std::vector<District>& districts() { return index_->districts(); }

  /// The vertex of the outer border that is extreme in one direction (no district reaches
  /// beyond it), with the district it belongs to.
  static std::pair<LonLat, std::size_t> extreme_vertex(double sx, double sy) {
    LonLat best{};
    std::size_t owner = 0;
    double best_score = -kInfinity;
    for (std::size_t d = 0; d < districts().size(); ++d) {
      for_each_edge(districts()[d], [&](LonLat a, LonLat) {
        const double score = sx * a.lon + sy * a.lat;
        if (score > best_score) {
          best_score = score;
          best = a;
          owner = d;
        }
      });
    }
    return {best, owner};
  }

  static bool in_any_district(LonLat p) {
    return std::any_of(districts().begin(), districts().end(),
                       [&](const District& d) { return district_contains(d, p); });
  }

  static double nearest_border_m(LonLat p) {
    double best = kInfinity;
    for (const auto& d : districts()) best = std::min(best, border_distance_m(d, p));
    return best;
  }

  static std::vector<test::TestDistrict>* test_districts_;
  static JurisdictionIndex* index_;
  static std::size_t repaired_;
};

std::vector<test::TestDistrict>* ChongqingJurisdiction::test_districts_ = nullptr;
JurisdictionIndex* ChongqingJurisdiction::index_ = nullptr;
std::size_t ChongqingJurisdiction::repaired_ = 0;

TEST_F(ChongqingJurisdiction, ReadsAllDistricts) {
  ASSERT_EQ(districts().size(), 38u);
  // The data's 7 self-intersecting polygons went through MakeValid, as the loader does.
  EXPECT_EQ(repaired_, 7u);
  const auto& stats = index_->stats();
  EXPECT_EQ(stats.districts, 38u);
  EXPECT_GT(stats.edges, 15'000u);
  EXPECT_EQ(stats.skipped_rings, 0u);
  EXPECT_GT(stats.boundary_cells, 0u);
  EXPECT_LT(stats.boundary_cells, stats.cells);
  const BBox extent = index_->extent();
  EXPECT_NEAR(extent.min_lon, 105.29, 0.01);
  EXPECT_NEAR(extent.max_lon, 110.20, 0.01);
  EXPECT_NEAR(extent.min_lat, 28.16, 0.01);
  EXPECT_NEAR(extent.max_lat, 32.20, 0.01);
}

TEST_F(ChongqingJurisdiction, EveryCenterResolvesInsideItsDistrict) {
  std::size_t checked = 0;
  for (const auto& d : *test_districts_) {
    if (!d.center) continue;
    ++checked;
    const JurisdictionMatch m = index_->locate(*d.center);
    EXPECT_EQ(m.kind, Kind::inside) << d.district.name;
    ASSERT_NE(m.district, nullptr) << d.district.name;
    EXPECT_EQ(m.district->adcode, d.district.adcode) << d.district.name;
    EXPECT_EQ(m.district->name, d.district.name);
    EXPECT_EQ(&districts()[m.index], m.district);
    EXPECT_EQ(m.distance_m, 0.0);
  }
  EXPECT_EQ(checked, 37u);  // 开州区 (500154) has no center
}

TEST_F(ChongqingJurisdiction, FarAwayIsOutside) {
  for (const LonLat p : {LonLat{0, 0}, LonLat{120, 40}, LonLat{-170, -80}, LonLat{106.5, 60},
                         LonLat{180, 90}, LonLat{1e300, -1e300}}) {
    const JurisdictionMatch m = index_->locate(p);
    EXPECT_EQ(m.kind, Kind::outside) << p.lon << "," << p.lat;
    EXPECT_EQ(m.district, nullptr);
    EXPECT_EQ(m.index, JurisdictionMatch::kNone);
    EXPECT_EQ(m.distance_m, kInfinity);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(index_->locate({nan, 29.5}).kind, Kind::outside);
  EXPECT_EQ(index_->locate({106.5, kInfinity}).kind, Kind::outside);
}

TEST_F(ChongqingJurisdiction, JustOutsideTheOuterBorderIsNearestFartherIsOutside) {
  // From the westernmost, easternmost, southernmost and northernmost vertices, straight outward:
  // every district lies on the inner side of that vertex, so it is the nearest border point.
  struct Direction {
    double sx, sy, azimuth;
  };
  for (const Direction dir :
       {Direction{-1, 0, 270}, Direction{1, 0, 90}, Direction{0, -1, 180}, Direction{0, 1, 0}}) {
    const auto [vertex, owner] = extreme_vertex(dir.sx, dir.sy);
    SCOPED_TRACE(districts()[owner].name + " azimuth " + std::to_string(dir.azimuth));

    const LonLat near200 = geodesic_destination(vertex, dir.azimuth, 200.0);
    ASSERT_FALSE(in_any_district(near200));
    EXPECT_NEAR(nearest_border_m(near200), 200.0, 0.05);
    const JurisdictionMatch m = index_->locate(near200);
    EXPECT_EQ(m.kind, Kind::nearest);
    ASSERT_NE(m.district, nullptr);
    // The vertex's own district, or a neighbour sharing it (then the lower adcode).
    EXPECT_NEAR(border_distance_m(*m.district, near200), 200.0, 0.05);
    EXPECT_LE(m.district->adcode, districts()[owner].adcode);
    EXPECT_NEAR(m.distance_m, 200.0, 0.05);
    EXPECT_NEAR(m.distance_m, nearest_border_m(near200), 1e-6);

    const LonLat near480 = geodesic_destination(vertex, dir.azimuth, 480.0);
    EXPECT_EQ(index_->locate(near480).kind, Kind::nearest);
    const LonLat beyond520 = geodesic_destination(vertex, dir.azimuth, 520.0);
    EXPECT_EQ(index_->locate(beyond520).kind, Kind::outside);

    const LonLat far2k = geodesic_destination(vertex, dir.azimuth, 2000.0);
    ASSERT_FALSE(in_any_district(far2k));
    EXPECT_GT(nearest_border_m(far2k), 1999.0);
    const JurisdictionMatch far = index_->locate(far2k);
    EXPECT_EQ(far.kind, Kind::outside);
    EXPECT_EQ(far.district, nullptr);
  }
}

TEST_F(ChongqingJurisdiction, ToleranceIsAnOption) {
  JurisdictionIndexOptions options;
  options.tolerance_m = 3000.0;
  const JurisdictionIndex wide(districts(), options);
  const auto [vertex, owner] = extreme_vertex(-1, 0);
  const JurisdictionMatch m = wide.locate(geodesic_destination(vertex, 270, 2000.0));
  EXPECT_EQ(m.kind, Kind::nearest);
  ASSERT_NE(m.district, nullptr);
  EXPECT_LE(m.district->adcode, districts()[owner].adcode);
  EXPECT_NEAR(m.distance_m, 2000.0, 0.5);

  options.tolerance_m = 0.0;
  const JurisdictionIndex strict(districts(), options);
  EXPECT_EQ(strict.locate(geodesic_destination(vertex, 270, 1.0)).kind, Kind::outside);
  EXPECT_EQ(strict.locate(*(*test_districts_)[0].center).kind, Kind::inside);
}

TEST_F(ChongqingJurisdiction, SliverBetweenNeighboursIsNearest) {
  // 渝中区 (500103) lies in the middle of the urban core, tens of kilometres from the outer
  // border: a point near its border that no district contains is a sliver between neighbours.
  const auto yuzhong = std::find_if(districts().begin(), districts().end(),
                                    [](const District& d) { return d.adcode == "500103"; });
  ASSERT_NE(yuzhong, districts().end());
  std::vector<LonLat> slivers;
  std::vector<LonLat> vertices;
  for_each_edge(*yuzhong, [&](LonLat a, LonLat) { vertices.push_back(a); });
  constexpr double kStep = 2e-5;  // about 2 m
  for (const LonLat v : vertices) {
    for (int i = -10; i <= 10 && slivers.size() < 20; ++i) {
      for (int j = -10; j <= 10 && slivers.size() < 20; ++j) {
        const LonLat p{v.lon + i * kStep + kStep / 3, v.lat + j * kStep + kStep / 7};
        if (!in_any_district(p)) slivers.push_back(p);
      }
    }
    if (slivers.size() >= 20) break;
  }
  ASSERT_FALSE(slivers.empty()) << "no sliver found along 渝中区's border";
  for (const LonLat p : slivers) {
    // Between two districts: both are within a few tens of metres.
    std::vector<double> near;
    for (const auto& d : districts()) {
      const double m = border_distance_m(d, p);
      if (m < 100.0) near.push_back(m);
    }
    EXPECT_GE(near.size(), 2u) << p.lon << "," << p.lat;
    const JurisdictionMatch m = index_->locate(p);
    EXPECT_EQ(m.kind, Kind::nearest) << p.lon << "," << p.lat;
    ASSERT_NE(m.district, nullptr);
    EXPECT_NEAR(m.distance_m, nearest_border_m(p), 1e-6);
    EXPECT_NEAR(border_distance_m(*m.district, p), m.distance_m, 1e-6);
  }
}

TEST_F(ChongqingJurisdiction, AgreesWithBruteForceOn200kRandomPoints) {
  const Tally tally = expect_agreement(*index_, index_->extent(), 200'000, 20240601, true);
  // Chongqing fills about 39% of its bounding box. Quantised neighbours overlap in thin strips
  // (those points must go to the lower adcode) and leave slivers (nearest).
  EXPECT_GT(tally.inside, 70'000u);
  EXPECT_LT(tally.inside, 90'000u);
  EXPECT_GT(tally.overlapping, 0u);
  EXPECT_GT(tally.nearest, 1'000u);
  RecordProperty("overlapping", std::to_string(tally.overlapping));
  RecordProperty("nearest", std::to_string(tally.nearest));
}

TEST_F(ChongqingJurisdiction, AgreesWithBruteForceAroundTheExtent) {
  // Points beyond the extent exercise the nearest search at the grid's edges.
  expect_agreement(*index_, grown(index_->extent(), 0.05), 20'000, 7, true);
}

TEST_F(ChongqingJurisdiction, CellSizeDoesNotChangeAnswers) {
  for (const double cell : {1.0 / 1024, 0.05, 0.5, 3.0}) {
    JurisdictionIndexOptions options;
    options.cell_size_deg = cell;
    const JurisdictionIndex index(districts(), options);
    SCOPED_TRACE("cell " + std::to_string(cell));
    expect_agreement(index, index.extent(), 20'000, 11, false);
  }
  JurisdictionIndexOptions capped;
  capped.max_cells = 100;
  const JurisdictionIndex coarse(districts(), capped);
  EXPECT_LE(coarse.stats().cells, 130u);
  expect_agreement(coarse, coarse.extent(), 20'000, 12, true);
}

TEST_F(ChongqingJurisdiction, ConcurrentQueriesAgree) {
  const BBox extent = index_->extent();
  std::vector<LonLat> points;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> lon(extent.min_lon - 0.01, extent.max_lon + 0.01);
  std::uniform_real_distribution<double> lat(extent.min_lat - 0.01, extent.max_lat + 0.01);
  for (int i = 0; i < 50'000; ++i) points.push_back({lon(rng), lat(rng)});
  std::vector<JurisdictionMatch> serial;
  for (const LonLat p : points) serial.push_back(index_->locate(p));
  std::vector<std::vector<JurisdictionMatch>> results(4);
  std::vector<std::thread> threads;
  for (auto& out : results) {
    threads.emplace_back([&] {
      for (const LonLat p : points) out.push_back(index_->locate(p));
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& out : results) {
    ASSERT_EQ(out.size(), serial.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].kind, serial[i].kind);
      EXPECT_EQ(out[i].index, serial[i].index);
      EXPECT_EQ(out[i].distance_m, serial[i].distance_m);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Synthetic polygons near the equator, where a degree of longitude is 111.32 km.

Ring square(double x0, double y0, double x1, double y1) {
  return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}};
}

District district(std::string adcode, MultiPolygon area) {
  return District{adcode, "district " + adcode, std::move(area)};
}

TEST(JurisdictionIndex, Square) {
  const JurisdictionIndex index({district("1", {Polygon{{square(0, 0, 1, 1)}}})});
  EXPECT_EQ(index.locate({0.5, 0.5}).kind, Kind::inside);
  EXPECT_EQ(adcode_of(index.locate({0.5, 0.5})), "1");
  EXPECT_EQ(index.locate({0.999, 0.001}).kind, Kind::inside);

  // 0.001° west of the square at the equator: 111.32 m.
  const JurisdictionMatch west = index.locate({-0.001, 0.5});
  EXPECT_EQ(west.kind, Kind::nearest);
  EXPECT_NEAR(west.distance_m, 111.3195, 0.01);
  EXPECT_NEAR(west.distance_m, geodesic_distance_m({-0.001, 0.5}, {0, 0.5}), 0.01);
  // Diagonally off a corner: the corner is the nearest border point.
  const JurisdictionMatch corner = index.locate({1.002, 1.002});
  EXPECT_EQ(corner.kind, Kind::nearest);
  EXPECT_NEAR(corner.distance_m, geodesic_distance_m({1.002, 1.002}, {1, 1}), 0.05);
  EXPECT_EQ(index.locate({-0.01, 0.5}).kind, Kind::outside);
  EXPECT_EQ(index.locate({0.5, 1.01}).kind, Kind::outside);

  const auto& stats = index.stats();
  EXPECT_EQ(stats.polygons, 1u);
  EXPECT_EQ(stats.rings, 1u);
  EXPECT_EQ(stats.edges, 4u);
  expect_agreement(index, BBox{-0.1, -0.1, 1.1, 1.1}, 20'000, 1, true);
}

TEST(JurisdictionIndex, HoleIsNotInside) {
  Ring hole = square(0.2, 0.2, 0.8, 0.8);
  std::reverse(hole.begin(), hole.end());
  const JurisdictionIndex index({district("1", {Polygon{{square(0, 0, 1, 1), hole}}})});
  EXPECT_EQ(index.locate({0.1, 0.5}).kind, Kind::inside);
  EXPECT_EQ(index.locate({0.5, 0.5}).kind, Kind::outside);   // 33 km from any border
  const JurisdictionMatch rim = index.locate({0.201, 0.5});  // in the hole, near its edge
  EXPECT_EQ(rim.kind, Kind::nearest);
  EXPECT_NEAR(rim.distance_m, 111.3195, 0.01);
  // A hole wound the same way as its exterior is still a hole under the even-odd rule.
  const JurisdictionIndex same_winding(
      {district("1", {Polygon{{square(0, 0, 1, 1), square(0.2, 0.2, 0.8, 0.8)}}})});
  EXPECT_EQ(same_winding.locate({0.5, 0.5}).kind, Kind::outside);
  expect_agreement(index, BBox{-0.1, -0.1, 1.1, 1.1}, 20'000, 2, true);
}

TEST(JurisdictionIndex, MultiPolygonAndUnclosedRings) {
  // Two parts, the second ring not repeating its first vertex.
  Ring open = square(2, 0, 3, 1);
  open.pop_back();
  const JurisdictionIndex index({district("1", {Polygon{{square(0, 0, 1, 1)}}, Polygon{{open}}})});
  EXPECT_EQ(index.locate({0.5, 0.5}).kind, Kind::inside);
  EXPECT_EQ(index.locate({2.5, 0.5}).kind, Kind::inside);
  EXPECT_EQ(index.locate({1.5, 0.5}).kind, Kind::outside);
  EXPECT_EQ(index.stats().edges, 8u);
  expect_agreement(index, BBox{-0.1, -0.1, 3.1, 1.1}, 20'000, 3, true);
}

TEST(JurisdictionIndex, OverlapsResolveToTheLowestAdcodeWhateverTheOrder) {
  const MultiPolygon left{Polygon{{square(0, 0, 1, 1)}}};
  const MultiPolygon right{Polygon{{square(0.5, 0, 1.5, 1)}}};
  for (const bool swapped : {false, true}) {
    std::vector<District> input{district("500102", right), district("500101", left)};
    if (swapped) std::swap(input[0], input[1]);
    const JurisdictionIndex index(input);
    EXPECT_EQ(adcode_of(index.locate({0.75, 0.5})), "500101");
    EXPECT_EQ(adcode_of(index.locate({0.25, 0.5})), "500101");
    EXPECT_EQ(adcode_of(index.locate({1.25, 0.5})), "500102");
    // Nearest ties (a point equally near both borders) go the same way.
    const JurisdictionMatch below = index.locate({0.75, -0.001});
    EXPECT_EQ(below.kind, Kind::nearest);
    EXPECT_EQ(adcode_of(below), "500101");
  }
  // A polygon that covers whole cells of another district's boundary cells.
  const JurisdictionIndex nested({district("2", {Polygon{{square(0.3, 0.3, 0.31, 0.31)}}}),
                                  district("1", {Polygon{{square(0, 0, 1, 1)}}})});
  EXPECT_EQ(adcode_of(nested.locate({0.305, 0.305})), "1");
  const JurisdictionIndex nested_low({district("1", {Polygon{{square(0.3, 0.3, 0.31, 0.31)}}}),
                                      district("2", {Polygon{{square(0, 0, 1, 1)}}})});
  EXPECT_EQ(adcode_of(nested_low.locate({0.305, 0.305})), "1");
  EXPECT_EQ(adcode_of(nested_low.locate({0.315, 0.305})), "2");
  expect_agreement(nested, BBox{-0.1, -0.1, 1.1, 1.1}, 20'000, 4, true);
  expect_agreement(nested_low, BBox{0.25, 0.25, 0.35, 0.35}, 20'000, 5, true);
}

TEST(JurisdictionIndex, OverlappingPartsOfOneDistrictAreAUnion) {
  // Invalid input (MakeValid would merge them): each part counts on its own.
  const JurisdictionIndex index(
      {district("1", {Polygon{{square(0, 0, 1, 1)}}, Polygon{{square(0.5, 0, 1.5, 1)}}})});
  EXPECT_EQ(index.locate({0.75, 0.5}).kind, Kind::inside);
}

TEST(JurisdictionIndex, SelfIntersectingRingUsesEvenOdd) {
  // A bow tie (left and right triangles), a ring that winds twice around a square (even-odd:
  // nothing inside) and a pentagram (even-odd: the points, not the central pentagon).
  const Ring bowtie{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}};
  const Ring twice{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}};
  Ring pentagram;
  for (int i = 0; i <= 5; ++i) {
    const double angle = std::numbers::pi / 2 + i * 4 * std::numbers::pi / 5;
    pentagram.push_back({5 + std::cos(angle), std::sin(angle)});
  }
  const JurisdictionIndex index({district("1", {Polygon{{bowtie}}}),
                                 district("2", {Polygon{{twice}}}),
                                 district("3", {Polygon{{pentagram}}})});
  EXPECT_EQ(adcode_of(index.locate({0.1, 0.5})), "1");
  EXPECT_EQ(adcode_of(index.locate({0.9, 0.5})), "1");
  EXPECT_EQ(index.locate({0.5, 0.9}).kind, Kind::outside);
  EXPECT_EQ(index.locate({1.5, 1.5}).kind, Kind::outside);
  EXPECT_EQ(adcode_of(index.locate({5, 0.9})), "3");
  EXPECT_EQ(index.locate({5, 0}).kind, Kind::outside);
  expect_agreement(index, BBox{-0.1, -0.1, 2.1, 2.1}, 20'000, 6, true);
  expect_agreement(index, BBox{3.9, -1.1, 6.1, 1.1}, 20'000, 7, true);
}

TEST(JurisdictionIndex, VerticesOnGridLinesAndQueriesOnVertexLatitudes) {
  // Grid lines sit at odd multiples of 1/2048°: put every vertex on them, and query on the
  // latitudes of vertices, where the half-open rules decide.
  const double h = 1.0 / 2048;
  const Ring diamond{{1 * h, 41 * h},  {39 * h, 1 * h},  {79 * h, 41 * h}, {59 * h, 61 * h},
                     {39 * h, 43 * h}, {19 * h, 61 * h}, {1 * h, 41 * h}};
  for (const double cell : {1.0 / 1024, 10.0 / 1024}) {
    JurisdictionIndexOptions options;
    options.cell_size_deg = cell;
    const JurisdictionIndex index({district("1", {Polygon{{diamond}}})}, options);
    expect_agreement(index, BBox{-h, -h, 81 * h, 61 * h}, 20'000, 8, true);
    const auto& districts = index.districts();
    const auto boxes = boxes_of(districts);
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> lon(-h, 81 * h);
    for (const LonLat v : diamond) {
      for (int i = 0; i < 500; ++i) {
        const LonLat p{lon(rng), v.lat};
        const Expected e = brute_force(districts, boxes, p, false);
        if (e.on_border) continue;
        EXPECT_EQ(index.locate(p).kind == Kind::inside, !e.containing.empty())
            << p.lon << "," << p.lat;
      }
    }
  }
}

TEST(JurisdictionIndex, EmptyInput) {
  const JurisdictionIndex index({});
  EXPECT_TRUE(index.districts().empty());
  EXPECT_TRUE(index.extent().empty());
  EXPECT_EQ(index.stats().cells, 0u);
  EXPECT_EQ(index.locate({106.5, 29.5}).kind, Kind::outside);

  const JurisdictionIndex no_area({district("1", {}), district("2", {Polygon{}})});
  EXPECT_EQ(no_area.districts().size(), 2u);
  EXPECT_EQ(no_area.locate({0, 0}).kind, Kind::outside);
}

TEST(JurisdictionIndex, DegenerateRingsAreSkipped) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Ring two_points{{0, 0}, {1, 1}, {0, 0}};
  const Ring collinear{{0, 0}, {1, 1}, {2, 2}, {0, 0}};
  const Ring repeated{{5, 5}, {5, 5}, {5, 5}, {5, 5}};
  const Ring with_nan{{0, 0}, {nan, 1}, {1, 1}, {0, 0}};
  const Ring huge{{0, 0}, {1e300, 0}, {0, 1e300}, {0, 0}};
  const Ring empty;
  Ring hole_of_nothing = square(0.2, 0.2, 0.8, 0.8);
  const JurisdictionIndex index({
      district("1", {Polygon{{two_points}}, Polygon{{collinear}}, Polygon{{repeated}}}),
      district("2", {Polygon{{with_nan}}, Polygon{{huge}}, Polygon{{empty}}}),
      district("3", {Polygon{{collinear, hole_of_nothing}}}),
      district("4", {Polygon{{square(10, 10, 11, 11), two_points}}}),
  });
  EXPECT_EQ(index.stats().polygons, 1u);
  EXPECT_EQ(index.stats().rings, 1u);
  EXPECT_EQ(index.stats().skipped_rings, 9u);
  EXPECT_EQ(index.locate({0.5, 0.5}).kind, Kind::outside);
  EXPECT_EQ(adcode_of(index.locate({10.5, 10.5})), "4");
  EXPECT_EQ(index.extent(), (BBox{10, 10, 11, 11}));
}

TEST(JurisdictionIndex, TinyAndHugePolygons) {
  // A 1 m square and one spanning most of the globe build and answer without trouble.
  const double m = 1.0 / 111'320.0;
  const JurisdictionIndex index({district("1", {Polygon{{square(0, 0, m, m)}}}),
                                 district("2", {Polygon{{square(-179, -89, 179, 89)}}})});
  EXPECT_EQ(adcode_of(index.locate({m / 2, m / 2})), "1");
  EXPECT_EQ(adcode_of(index.locate({100, 50})), "2");
  EXPECT_LE(index.stats().cells, JurisdictionIndexOptions{}.max_cells);
  expect_agreement(index, BBox{-180, -90, 180, 90}, 20'000, 10, true);
}

TEST(JurisdictionIndex, RejectsBadOptions) {
  JurisdictionIndexOptions options;
  options.tolerance_m = -1;
  EXPECT_THROW(JurisdictionIndex({}, options), std::invalid_argument);
  options.tolerance_m = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(JurisdictionIndex({}, options), std::invalid_argument);
  options = {};
  options.cell_size_deg = 0;
  EXPECT_THROW(JurisdictionIndex({}, options), std::invalid_argument);
  options = {};
  options.max_cells = 0;
  EXPECT_THROW(JurisdictionIndex({}, options), std::invalid_argument);
}

}  // namespace
}  // namespace quanyu::gis
