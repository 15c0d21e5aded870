// Benchmarks of gis/index on the Chongqing districts: point -> district lookups, 5 nearest among
// 1,000 resources, and the jurisdiction index's build (part of start-up).

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <random>
#include <string>
#include <vector>

#include "gis/index/jurisdiction_index.hpp"
#include "gis/index/nearest_index.hpp"
#include "gis/layers/layer_loader.hpp"

namespace {

using quanyu::gis::District;
using quanyu::gis::JurisdictionIndex;
using quanyu::gis::LonLat;
using quanyu::gis::NearestIndex;
using quanyu::gis::Site;

/// The districts as the server sees them: through the layer loader (MakeValid repairs included).
const std::vector<District>& chongqing() {
  static const std::vector<District> districts = [] {
    spdlog::set_level(spdlog::level::err);  // the loader warns about the 7 repaired polygons
    quanyu::gis::LayerSpec spec;
    spec.name = "districts";
    spec.role = quanyu::gis::LayerRole::jurisdiction;
    spec.source = std::string(QUANYU_CONFIG_DIR) + "/chongqing-districts.geojson";
    const quanyu::gis::Layer layer = quanyu::gis::load_layer(spec);
    std::vector<District> out;
    for (const auto& feature : layer.features) {
      const auto* name = layer.field(feature, "name");
      out.push_back({feature.id, name != nullptr ? quanyu::gis::to_text(*name) : std::string(),
                     std::get<quanyu::gis::MultiPolygon>(feature.geometry)});
    }
    return out;
  }();
  return districts;
}

const JurisdictionIndex& chongqing_index() {
  static const JurisdictionIndex index(chongqing());
  return index;
}

/// Uniform random points in `box`; a power-of-two count so the loop can mask the position.
std::vector<LonLat> random_points(const quanyu::gis::BBox& box, std::size_t count, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lon(box.min_lon, box.max_lon);
  std::uniform_real_distribution<double> lat(box.min_lat, box.max_lat);
  std::vector<LonLat> points(count);
  for (auto& p : points) p = {lon(rng), lat(rng)};
  return points;
}

constexpr std::size_t kPoints = 1 << 16;

/// Random points over Chongqing's bounding box: about 39% inside a district, the rest outside
/// or (~1%) in slivers and near the outer border, where the nearest-border search runs.
void BM_JurisdictionLocate(benchmark::State& state) {
  const JurisdictionIndex& index = chongqing_index();
  const auto points = random_points(index.extent(), kPoints, 1);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.locate(points[i++ & (kPoints - 1)]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_JurisdictionLocate);

/// Only points inside some district (the common case for incidents).
void BM_JurisdictionLocateInside(benchmark::State& state) {
  const JurisdictionIndex& index = chongqing_index();
  std::vector<LonLat> points;
  for (const LonLat p : random_points(index.extent(), 4 * kPoints, 2)) {
    if (points.size() == kPoints) break;
    if (index.locate(p).kind == quanyu::gis::JurisdictionMatch::Kind::inside) points.push_back(p);
  }
  points.resize(kPoints, points.front());
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.locate(points[i++ & (kPoints - 1)]));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_JurisdictionLocateInside);

void BM_BuildJurisdictionIndex(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<District> districts = chongqing();
    state.ResumeTiming();
    const JurisdictionIndex index(std::move(districts));
    benchmark::DoNotOptimize(index.stats().cells);
  }
  const auto& stats = chongqing_index().stats();
  state.counters["edges"] = static_cast<double>(stats.edges);
  state.counters["cells"] = static_cast<double>(stats.cells);
  state.counters["boundary_cells"] = static_cast<double>(stats.boundary_cells);
  state.counters["cell_edges"] = static_cast<double>(stats.cell_edges);
}
BENCHMARK(BM_BuildJurisdictionIndex)->Unit(benchmark::kMillisecond);

std::vector<Site> random_sites(std::size_t count) {
  const char* kinds[] = {"fire_team", "supply_depot", "water_source", "shelter"};
  std::vector<Site> sites;
  const auto positions = random_points(chongqing_index().extent(), count, 3);
  for (std::size_t i = 0; i < count; ++i) {
    std::string id("r");
    id += std::to_string(i);
    sites.push_back({id, id, kinds[i % 4], "resources", positions[i]});
  }
  return sites;
}

/// 5 nearest among 1,000 resources over Chongqing; arg = radius in km, 0 = unlimited.
void BM_Nearest5Among1000(benchmark::State& state) {
  const NearestIndex index(random_sites(1000));
  const double radius_m =
      state.range(0) == 0 ? NearestIndex::kUnlimited : static_cast<double>(state.range(0)) * 1000.0;
  const auto points = random_points(chongqing_index().extent(), kPoints, 4);
  std::size_t i = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    const auto result = index.nearest(points[i++ & (kPoints - 1)], 5, radius_m);
    found += result.size();
    benchmark::DoNotOptimize(result.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["found"] = static_cast<double>(found) /
                            static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}
BENCHMARK(BM_Nearest5Among1000)->Arg(50)->Arg(0);

/// The same with a kind filter that keeps one site in four.
void BM_Nearest5Among1000Filtered(benchmark::State& state) {
  const NearestIndex index(random_sites(1000));
  const quanyu::gis::SiteFilter depots = [](const Site& s) { return s.kind == "supply_depot"; };
  const auto points = random_points(chongqing_index().extent(), kPoints, 5);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(index.nearest(points[i++ & (kPoints - 1)], 5, 50'000.0, depots));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_Nearest5Among1000Filtered);

void BM_BuildNearestIndex1000(benchmark::State& state) {
  const auto sites = random_sites(1000);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Site> copy = sites;
    state.ResumeTiming();
    const NearestIndex index(std::move(copy));
    benchmark::DoNotOptimize(index.indexed());
  }
}
BENCHMARK(BM_BuildNearestIndex1000)->Unit(benchmark::kMicrosecond);

}  // namespace

// quanyu_gis_bench links benchmark::benchmark, not benchmark_main, so one source must supply
// main(); move this to the CMake target (benchmark::benchmark_main) once a second bench exists.
