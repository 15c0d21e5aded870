// Spatial enrichment in process, for the side-by-side with PostGIS (bench/run_postgis_bench.sh):
// reads points (id,lon,lat per line) and, for each, finds its district and its 5 nearest
// resources with the shipped layers, as the engine does for every observation. Prints the
// median over 3 passes of the points per second on one core, and a checksum of the answers so
// the run can be compared with PostGIS's.
//   quanyu_enrich_points CONFIG_DIR POINTS.csv
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "gis/layers/layer_set.hpp"

int main(int argc, char** argv) {
  using namespace quanyu::gis;
  if (argc != 3) {
    std::fprintf(stderr, "usage: quanyu_enrich_points CONFIG_DIR POINTS.csv\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::err);  // the layers' repair notes are known
  const std::string dir = argv[1];
  const auto layers = LayerSet::load(
      {{"districts", LayerRole::jurisdiction, dir + "/chongqing-districts.geojson", "", "", {}},
       {"resources", LayerRole::resource, dir + "/demo/resources.geojson", "", "", {}}},
      {});
  std::vector<LonLat> points;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, lon, lat;
    if (std::getline(fields, id, ',') && std::getline(fields, lon, ',') &&
        std::getline(fields, lat, ',')) {
      points.push_back({std::stod(lon), std::stod(lat)});
    }
  }
  if (points.empty()) {
    std::fprintf(stderr, "no points in %s\n", argv[2]);
    return 1;
  }
  std::vector<double> rates;
  std::size_t inside = 0;
  std::size_t neighbours = 0;
  for (int pass = 0; pass < 3; ++pass) {
    inside = 0;
    neighbours = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& p : points) {
      const auto match = layers->jurisdiction().locate(p);
      if (match.kind == JurisdictionMatch::Kind::inside) ++inside;
      neighbours += layers->resources().nearest(p, 5).size();
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(static_cast<double>(points.size()) / s);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("points=%zu inside=%zu neighbours=%zu rate=%.0f\n", points.size(), inside, neighbours,
              rates[1]);
  return 0;
}
