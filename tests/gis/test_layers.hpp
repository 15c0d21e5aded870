#pragma once
/// The Chongqing districts (config/chongqing-districts.geojson) for the index tests, read through
/// the real layer loader (gis/layers), so the tests see exactly what `quanyu serve` indexes.

#include <optional>
#include <string>
#include <vector>

#include "gis/index/jurisdiction_index.hpp"
#include "gis/layers/layer_loader.hpp"

namespace quanyu::test {

struct TestDistrict {
  gis::District district;
  std::optional<gis::LonLat> center;  ///< the `center` property; absent for 开州区
};

inline std::string chongqing_districts_path() {
  return std::string(QUANYU_CONFIG_DIR) + "/chongqing-districts.geojson";
}

inline gis::Layer load_districts_layer(const std::string& path) {
  gis::LayerSpec spec;
  spec.name = "districts";
  spec.role = gis::LayerRole::jurisdiction;
  spec.source = path;
  return gis::load_layer(spec);
}

inline std::vector<TestDistrict> read_districts(const gis::Layer& layer) {
  std::vector<TestDistrict> districts;
  for (const auto& feature : layer.features) {
    TestDistrict out;
    out.district.adcode = gis::to_text(*layer.field(feature, "adcode"));
    out.district.name = gis::to_text(*layer.field(feature, "name"));
    out.district.area = std::get<gis::MultiPolygon>(feature.geometry);
    const auto* center = layer.field(feature, "center");
    if (const auto* lonlat = center ? std::get_if<std::vector<double>>(center) : nullptr;
        lonlat != nullptr && lonlat->size() == 2) {
      out.center = gis::LonLat{(*lonlat)[0], (*lonlat)[1]};
    }
    districts.push_back(std::move(out));
  }
  return districts;
}

inline std::vector<gis::District> districts_only(const std::vector<TestDistrict>& districts) {
  std::vector<gis::District> out;
  for (const auto& d : districts) out.push_back(d.district);
  return out;
}

}  // namespace quanyu::test
