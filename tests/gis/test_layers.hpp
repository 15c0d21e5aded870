#pragma once
/// Reads the Chongqing districts (config/chongqing-districts.geojson) for the index tests and
/// benchmarks through GDAL's C API, repairing invalid polygons with OGR_G_MakeValid as the
/// layer loader does. A stand-in for gis/layers' loader in these tests; kept small on purpose.

// Targets that reach GDAL only through quanyu_gis (the benchmarks) lack its include directory;
// Debian also installs the headers under gdal/.
#if __has_include(<ogr_api.h>)
#include <cpl_error.h>
#include <ogr_api.h>
#else
#include <gdal/cpl_error.h>
#include <gdal/ogr_api.h>
#endif

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "gis/index/jurisdiction_index.hpp"

namespace quanyu::test {

struct TestDistrict {
  gis::District district;
  std::optional<gis::LonLat> center;  ///< the `center` property; absent for 开州区
  bool repaired = false;              ///< the source geometry was invalid
};

namespace detail {

struct DataSourceCloser {
  void operator()(OGRDataSourceH source) const { OGR_DS_Destroy(source); }
};
struct FeatureCloser {
  void operator()(OGRFeatureH feature) const { OGR_F_Destroy(feature); }
};
struct GeometryCloser {
  void operator()(OGRGeometryH geometry) const { OGR_G_DestroyGeometry(geometry); }
};
using GeometryPtr = std::unique_ptr<std::remove_pointer_t<OGRGeometryH>, GeometryCloser>;

inline gis::Ring read_ring(OGRGeometryH ring) {
  gis::Ring out;
  for (int i = 0; i < OGR_G_GetPointCount(ring); ++i) {
    out.push_back({OGR_G_GetX(ring, i), OGR_G_GetY(ring, i)});
  }
  return out;
}

/// Polygons of any geometry; lines and points that MakeValid may leave have no area.
inline void collect_polygons(OGRGeometryH geometry, gis::MultiPolygon& out) {
  const OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(geometry));
  if (type == wkbPolygon) {
    gis::Polygon polygon;
    for (int i = 0; i < OGR_G_GetGeometryCount(geometry); ++i) {
      polygon.rings.push_back(read_ring(OGR_G_GetGeometryRef(geometry, i)));
    }
    if (!polygon.rings.empty()) out.push_back(std::move(polygon));
  } else if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
    for (int i = 0; i < OGR_G_GetGeometryCount(geometry); ++i) {
      collect_polygons(OGR_G_GetGeometryRef(geometry, i), out);
    }
  }
}

}  // namespace detail

inline std::string chongqing_districts_path() {
  return std::string(QUANYU_CONFIG_DIR) + "/chongqing-districts.geojson";
}

/// Throws std::runtime_error if the file cannot be read.
inline std::vector<TestDistrict> read_districts(const std::string& path) {
  OGRRegisterAll();
  std::unique_ptr<std::remove_pointer_t<OGRDataSourceH>, detail::DataSourceCloser> source(
      OGROpen(path.c_str(), 0, nullptr));
  if (!source) throw std::runtime_error("cannot open " + path);
  OGRLayerH layer = OGR_DS_GetLayer(source.get(), 0);
  if (layer == nullptr) throw std::runtime_error(path + " has no layer");

  std::vector<TestDistrict> districts;
  OGR_L_ResetReading(layer);
  for (;;) {
    std::unique_ptr<std::remove_pointer_t<OGRFeatureH>, detail::FeatureCloser> feature(
        OGR_L_GetNextFeature(layer));
    if (!feature) break;
    TestDistrict out;
    const int adcode = OGR_F_GetFieldIndex(feature.get(), "adcode");
    const int name = OGR_F_GetFieldIndex(feature.get(), "name");
    const int center = OGR_F_GetFieldIndex(feature.get(), "center");
    if (adcode < 0 || name < 0) throw std::runtime_error(path + " lacks adcode or name");
    out.district.adcode = OGR_F_GetFieldAsString(feature.get(), adcode);
    out.district.name = OGR_F_GetFieldAsString(feature.get(), name);
    if (center >= 0 && OGR_F_IsFieldSetAndNotNull(feature.get(), center)) {
      int count = 0;
      const double* values = OGR_F_GetFieldAsDoubleList(feature.get(), center, &count);
      if (count == 2) out.center = gis::LonLat{values[0], values[1]};
    }
    OGRGeometryH geometry = OGR_F_GetGeometryRef(feature.get());
    if (geometry != nullptr) {
      detail::GeometryPtr repaired;
      // GEOS reports each self-intersection through CPLError; the repair is the point here.
      CPLPushErrorHandler(CPLQuietErrorHandler);
      const bool valid = OGR_G_IsValid(geometry) != 0;
      CPLPopErrorHandler();
      if (!valid) {
        repaired.reset(OGR_G_MakeValid(geometry));
        out.repaired = true;
        if (repaired) geometry = repaired.get();
      }
      detail::collect_polygons(geometry, out.district.area);
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
