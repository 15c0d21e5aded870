// Start-up cost of the GIS core: loading every shipped layer (GDAL read, MakeValid repair, CRS
// conversion) and building the jurisdiction and nearest indexes, as `quanyu serve` does.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <string>

#include "gis/layers/layer_set.hpp"

namespace {

using quanyu::gis::LayerRole;
using quanyu::gis::LayerSpec;

std::vector<LayerSpec> shipped_layers() {
  const std::string dir = QUANYU_CONFIG_DIR;
  return {
      {"districts", LayerRole::jurisdiction, dir + "/chongqing-districts.geojson", "", "", {}},
      {"resources", LayerRole::resource, dir + "/demo/resources.geojson", "", "", {}},
      {"sensors", LayerRole::sensor, dir + "/demo/sensors.geojson", "", "", {}},
      {"sensitive", LayerRole::sensitive, dir + "/demo/sensitive.geojson", "", "", {}},
      {"rivers", LayerRole::basemap, dir + "/demo/rivers.geojson", "", "", {}},
  };
}

void BM_LoadAllLayers(benchmark::State& state) {
  spdlog::set_level(spdlog::level::off);  // the repair warnings would dominate the timing
  const auto specs = shipped_layers();
  std::size_t features = 0;
  for (auto _ : state) {
    const auto set = quanyu::gis::LayerSet::load(specs, {});
    features = 0;
    for (const auto& layer : set->layers()) features += layer.features.size();
    benchmark::DoNotOptimize(features);
  }
  state.counters["features"] = static_cast<double>(features);
}
BENCHMARK(BM_LoadAllLayers)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
