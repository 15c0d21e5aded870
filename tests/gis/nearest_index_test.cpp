#include "gis/index/nearest_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gis/geo/geodesic.hpp"
#include "gis/layers/layer_loader.hpp"
#include "gtest_include.hpp"
#include "vincenty.hpp"

namespace quanyu::gis {
namespace {

// Chongqing's extent.
constexpr BBox kChongqing{105.29, 28.16, 110.20, 32.20};
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Relative error bounds of NearestIndex::distance_m against Karney (PROJ), as measured by
// DistanceAgreesWithKarney over Chongqing with a margin of about 1.5x: the closed form is used
// up to a 200 km chord, Karney itself beyond.
constexpr double kBoundTo50Km = 2e-8;
constexpr double kBoundTo200Km = 3e-7;

/// prefix + n. (GCC 12 warns falsely, -Wrestrict, on "literal" + std::to_string(n) at -O3.)
std::string numbered(const char* prefix, long n) {
  std::string text(prefix);
  text += std::to_string(n);
  return text;
}

LonLat random_point(std::mt19937_64& rng, const BBox& box = kChongqing) {
  std::uniform_real_distribution<double> lon(box.min_lon, box.max_lon);
  std::uniform_real_distribution<double> lat(box.min_lat, box.max_lat);
  return {lon(rng), lat(rng)};
}

std::vector<Site> random_sites(std::size_t count, unsigned seed) {
  std::mt19937_64 rng(seed);
  const char* kinds[] = {"fire_team", "supply_depot", "water_source", "shelter"};
  std::vector<Site> sites;
  for (std::size_t i = 0; i < count; ++i) {
    sites.push_back({numbered("site-", static_cast<long>(i)),
                     numbered("Site ", static_cast<long>(i)), kinds[i % 4], "resources",
                     random_point(rng)});
  }
  return sites;
}

/// The k nearest by Karney's distance, ties by id: what nearest() must match.
std::vector<std::pair<double, std::size_t>> brute_force(const std::vector<Site>& sites, LonLat p,
                                                        std::size_t k, double radius_m,
                                                        const SiteFilter& filter = {}) {
  std::vector<std::pair<double, std::size_t>> all;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    if (filter && !filter(sites[i])) continue;
    const double d = geodesic_distance_m(p, sites[i].position);
    if (d <= radius_m) all.push_back({d, i});
  }
  std::sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && sites[a.second].id < sites[b.second].id);
  });
  if (all.size() > k) all.resize(k);
  return all;
}

void expect_matches_brute_force(const NearestIndex& index, LonLat p, std::size_t k, double radius_m,
                                const SiteFilter& filter = {}) {
  const auto& sites = index.sites();
  const auto want = brute_force(sites, p, k, radius_m, filter);
  const auto got = index.nearest(p, k, radius_m, filter);
  // A site within rounding of the radius may fall either way.
  if (got.size() != want.size()) {
    const double edge = want.size() > got.size()
                            ? want.back().first
                            : geodesic_distance_m(p, sites[got.back().site].position);
    EXPECT_NEAR(edge, radius_m, radius_m * kBoundTo200Km + 1e-6) << p.lon << "," << p.lat;
    return;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double karney = geodesic_distance_m(p, sites[got[i].site].position);
    EXPECT_NEAR(got[i].distance_m, karney, karney * kBoundTo200Km + 1e-9);
    if (got[i].site != want[i].second) {
      // Only a tie may swap two sites. (Ranking by chord could in principle swap sites whose
      // geodesic distances differ by less than about 1e-8 of the distance; the seeded data here
      // never comes that close.)
      EXPECT_NEAR(karney, want[i].first, 1e-6)
          << "rank " << i << " at " << p.lon << "," << p.lat << ": " << sites[got[i].site].id
          << " vs " << sites[want[i].second].id;
    }
    if (filter) {
      EXPECT_TRUE(filter(sites[got[i].site]));
    }
    if (i > 0) {
      EXPECT_LE(got[i - 1].distance_m, got[i].distance_m);
    }
  }
}

TEST(NearestIndex, DistanceAgreesWithKarney) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> azimuth(-180.0, 180.0);
  double worst_50 = 0.0;
  double worst_200 = 0.0;
  for (const double max_distance : {50'000.0, 200'000.0}) {
    std::uniform_real_distribution<double> distance(0.0, max_distance);
    for (int i = 0; i < 20'000; ++i) {
      const LonLat a = random_point(rng);
      const LonLat b = geodesic_destination(a, azimuth(rng), distance(rng));
      const double karney = geodesic_distance_m(a, b);
      const double relative = std::abs(NearestIndex::distance_m(a, b) - karney) / karney;
      (max_distance <= 50'000.0 ? worst_50 : worst_200) =
          std::max(max_distance <= 50'000.0 ? worst_50 : worst_200, relative);
    }
  }
  RecordProperty("worst_relative_error_50km", std::to_string(worst_50));
  RecordProperty("worst_relative_error_200km", std::to_string(worst_200));
  std::printf("worst relative error vs Karney: %.3g up to 50 km, %.3g up to 200 km\n", worst_50,
              worst_200);
  EXPECT_LT(worst_50, kBoundTo50Km);
  EXPECT_LT(worst_200, kBoundTo200Km);

  // Short distances: absolute error well under a millimetre.
  for (int i = 0; i < 2'000; ++i) {
    const LonLat a = random_point(rng);
    const LonLat b =
        geodesic_destination(a, azimuth(rng), std::uniform_real_distribution(0.0, 100.0)(rng));
    EXPECT_NEAR(NearestIndex::distance_m(a, b), geodesic_distance_m(a, b), 1e-6);
  }
  EXPECT_EQ(NearestIndex::distance_m({106.5, 29.5}, {106.5, 29.5}), 0.0);

  // Beyond a 200 km chord the distance is Karney's own.
  for (const auto& [a, b] : {std::pair<LonLat, LonLat>{{105.3, 28.2}, {110.2, 32.2}},
                             {{106.5, 29.5}, {116.4, 39.9}},
                             {{0, 0}, {179.5, 0.3}},
                             {{-70, -33}, {110, 33}}}) {
    EXPECT_EQ(NearestIndex::distance_m(a, b), geodesic_distance_m(a, b));
  }
}

TEST(NearestIndex, DemoResourceDistancesAgreeWithVincenty) {
  // The shipped resource layer, as the server indexes it, checked against an independent formula.
  LayerSpec spec;
  spec.name = "resources";
  spec.role = LayerRole::resource;
  spec.source = std::string(QUANYU_CONFIG_DIR) + "/demo/resources.geojson";
  const Layer layer = load_layer(spec);
  std::vector<Site> sites;
  for (const auto& feature : layer.features) {
    sites.push_back({feature.id, "", to_text(*layer.field(feature, "kind")), layer.name,
                     std::get<LonLat>(feature.geometry)});
  }
  ASSERT_GE(sites.size(), 40U);
  const NearestIndex index(sites);
  std::mt19937_64 rng(7);
  double worst = 0.0;
  std::size_t checked = 0;
  for (int i = 0; i < 500; ++i) {
    const LonLat p = random_point(rng);
    for (const auto& n : index.nearest(p, 5, 50'000.0)) {
      const double vincenty = test::vincenty_inverse(p, sites[n.site].position).distance_m;
      worst = std::max(worst, std::abs(n.distance_m - vincenty) / vincenty);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000U);
  EXPECT_LT(worst, 1e-3);  // the requirement: within 0.1%
  EXPECT_LT(worst, 1e-6);  // what the closed form actually achieves
}

TEST(NearestIndex, MatchesBruteForceKarneyRanking) {
  const NearestIndex index(random_sites(1000, 1));
  EXPECT_EQ(index.indexed(), 1000u);
  std::mt19937_64 rng(2);
  BBox around = kChongqing;
  around.min_lon -= 1;
  around.max_lon += 1;
  around.min_lat -= 1;
  around.max_lat += 1;
  for (int i = 0; i < 2'000; ++i) {
    const LonLat p = random_point(rng, around);
    expect_matches_brute_force(index, p, 5, 50'000.0);
    expect_matches_brute_force(index, p, 5, NearestIndex::kUnlimited);
    if (i % 10 == 0) {
      expect_matches_brute_force(index, p, 1, 10'000.0);
      expect_matches_brute_force(index, p, 40, 100'000.0);
    }
  }
}

TEST(NearestIndex, RadiusFilters) {
  const LonLat p{106.55, 29.56};
  std::vector<Site> sites;
  for (int km = 1; km <= 5; ++km) {
    sites.push_back(
        {numbered("s", km), "", "fire_team", "r", geodesic_destination(p, 37.0 * km, km * 1000.0)});
  }
  const NearestIndex index(sites);
  const auto within = index.nearest(p, 10, 2'500.0);
  ASSERT_EQ(within.size(), 2u);
  EXPECT_EQ(index.sites()[within[0].site].id, "s1");
  EXPECT_EQ(index.sites()[within[1].site].id, "s2");
  EXPECT_NEAR(within[0].distance_m, 1000.0, 1e-6);
  EXPECT_NEAR(within[1].distance_m, 2000.0, 1e-6);
  EXPECT_EQ(index.nearest(p, 10, 999.0).size(), 0u);
  EXPECT_EQ(index.nearest(p, 10, 4'999.0).size(), 4u);
  EXPECT_EQ(index.nearest(p, 10, 5'001.0).size(), 5u);
  EXPECT_EQ(index.nearest(p, 10).size(), 5u);
  EXPECT_EQ(index.nearest(p, 2, 5'001.0).size(), 2u);
  // A site at the query point is within any radius, zero included.
  const NearestIndex here({{"here", "", "k", "r", p}});
  ASSERT_EQ(here.nearest(p, 1, 0.0).size(), 1u);
  EXPECT_EQ(here.nearest(p, 1, 0.0)[0].distance_m, 0.0);
}

TEST(NearestIndex, KLargerThanTheCount) {
  const NearestIndex index(random_sites(3, 3));
  const auto all = index.nearest({107, 30}, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LE(all[0].distance_m, all[1].distance_m);
  EXPECT_LE(all[1].distance_m, all[2].distance_m);
  std::vector<std::size_t> seen;
  for (const auto& n : all) seen.push_back(n.site);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(NearestIndex, KindFilter) {
  const NearestIndex index(random_sites(1000, 4));
  const SiteFilter depots = [](const Site& s) { return s.kind == "supply_depot"; };
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    const LonLat p = random_point(rng);
    const auto got = index.nearest(p, 5, 80'000.0, depots);
    for (const auto& n : got) EXPECT_EQ(index.sites()[n.site].kind, "supply_depot");
    expect_matches_brute_force(index, p, 5, 80'000.0, depots);
  }
  const SiteFilter none = [](const Site&) { return false; };
  EXPECT_TRUE(index.nearest({107, 30}, 5, NearestIndex::kUnlimited, none).empty());
}

TEST(NearestIndex, TiesAreBrokenById) {
  const LonLat here{106.5, 29.5};
  const LonLat there{106.51, 29.5};
  // Same positions, ids out of order in the input.
  const std::vector<Site> sites{{"c", "", "k", "r", here},
                                {"b2", "", "k", "r", there},
                                {"a", "", "k", "r", here},
                                {"b", "", "k", "r", here},
                                {"b1", "", "k", "r", there}};
  const NearestIndex index(sites);
  const auto ids = [&](const std::vector<Neighbour>& ns) {
    std::vector<std::string> out;
    for (const auto& n : ns) out.push_back(index.sites()[n.site].id);
    return out;
  };
  EXPECT_EQ(ids(index.nearest(here, 1)), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ids(index.nearest(here, 2)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids(index.nearest(here, 4)), (std::vector<std::string>{"a", "b", "c", "b1"}));
  EXPECT_EQ(ids(index.nearest(there, 5)), (std::vector<std::string>{"b1", "b2", "a", "b", "c"}));
  // Many identical positions: still the lowest ids, whatever the tree's shape.
  std::vector<Site> crowd;
  for (int i = 99; i >= 0; --i) {
    crowd.push_back({numbered("id", 1000 + i), "", "k", "r", here});
  }
  const NearestIndex crowded(crowd);
  const auto top = crowded.nearest(here, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(crowded.sites()[top[0].site].id, "id1000");
  EXPECT_EQ(crowded.sites()[top[1].site].id, "id1001");
  EXPECT_EQ(crowded.sites()[top[2].site].id, "id1002");
}

TEST(NearestIndex, DegenerateInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const NearestIndex empty({});
  EXPECT_TRUE(empty.nearest({106.5, 29.5}, 5).empty());

  const NearestIndex index({{"nan", "", "k", "r", {nan, 29.5}},
                            {"inf", "", "k", "r", {106.5, kInfinity}},
                            {"pole+", "", "k", "r", {106.5, 91.0}},
                            {"ok", "", "k", "r", {106.5, 29.5}}});
  EXPECT_EQ(index.sites().size(), 4u);
  EXPECT_EQ(index.indexed(), 1u);
  const auto got = index.nearest({106.6, 29.6}, 5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].site, 3u);

  EXPECT_TRUE(index.nearest({106.6, 29.6}, 0).empty());
  EXPECT_TRUE(index.nearest({106.6, 29.6}, 5, -1.0).empty());
  EXPECT_TRUE(index.nearest({106.6, 29.6}, 5, nan).empty());
  EXPECT_TRUE(index.nearest({nan, 29.6}, 5).empty());
  EXPECT_TRUE(index.nearest({106.6, 120.0}, 5).empty());
}

TEST(NearestIndex, ConcurrentQueriesAgree) {
  const NearestIndex index(random_sites(1000, 6));
  std::mt19937_64 rng(7);
  std::vector<LonLat> points;
  for (int i = 0; i < 5'000; ++i) points.push_back(random_point(rng));
  std::vector<std::vector<Neighbour>> serial;
  for (const LonLat p : points) serial.push_back(index.nearest(p, 5, 50'000.0));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int& count : mismatches) {
    threads.emplace_back([&] {
      for (std::size_t i = 0; i < points.size(); ++i) {
        const auto got = index.nearest(points[i], 5, 50'000.0);
        bool same = got.size() == serial[i].size();
        for (std::size_t j = 0; same && j < got.size(); ++j) {
          same = got[j].site == serial[i][j].site && got[j].distance_m == serial[i][j].distance_m;
        }
        if (!same) ++count;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace quanyu::gis
