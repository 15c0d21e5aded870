#pragma once
/// Loads one configured vector layer through GDAL/OGR into memory: GeoJSON, GeoPackage, Shapefile,
/// PostGIS (`PG:...`) or any other OGR source. Geometries are repaired (MakeValid) where invalid,
/// converted to lon/lat (EPSG:4326, traditional axis order; GCJ-02 sources are un-offset), and
/// polygon rings oriented as RFC 7946 wants (exterior counter-clockwise).

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "gis/layers/layer.hpp"

namespace quanyu::gis {

/// One layer as the configuration describes it.
struct LayerSpec {
  std::string name;
  LayerRole role = LayerRole::basemap;
  std::string source;  ///< file path or OGR connection string (PG:...)
  std::string layer;   ///< OGR layer inside the source; empty = the first one
  std::string
      crs;  ///< overrides the source's CRS (e.g. "EPSG:4490", "GCJ-02"); empty = as declared
  /// Logical field -> source field. Logical fields a role requires that are not mapped here are
  /// looked up under their own name.
  std::map<std::string, std::string> fields;
};

/// The logical fields each role requires, and those it reads when present.
const std::vector<std::string>& required_fields(LayerRole role);
const std::vector<std::string>& optional_fields(LayerRole role);

/// Start-up failure of a layer: missing source, missing field, wrong geometry type. what() is one
/// line naming the source, the layer and the field.
class LayerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Loads the layer or throws LayerError. Invalid geometries are repaired with a warning naming the
/// feature; unrepairable ones are skipped, warned about and counted in Layer::stats.
Layer load_layer(const LayerSpec& spec);

}  // namespace quanyu::gis
