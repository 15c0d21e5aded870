#pragma once
/// Serves layers as RFC 7946 GeoJSON: a FeatureCollection with its bbox, feature ids, all source
/// properties, lon/lat coordinates (exteriors counter-clockwise), filtered by bbox and properties.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gis/layers/layer.hpp"

namespace quanyu::gis {

/// Which features of a layer to return.
struct FeatureFilter {
  std::optional<BBox> bbox;  ///< keep features whose extent intersects it
  /// Keep features whose property `first` (as text) equals one of the values in `second`.
  /// All properties must match (AND); values of one property are alternatives (OR).
  std::vector<std::pair<std::string, std::vector<std::string>>> properties;
  std::size_t limit = 0;  ///< at most this many features; 0 = no limit

  bool matches(const Feature& feature) const;
};

/// Appends a JSON string literal (quoted, escaped per RFC 8259) to `out`.
void append_json_string(std::string& out, std::string_view text);

/// Appends a coordinate in degrees with 7 decimals (about 1 cm), trailing zeros removed.
void append_coordinate(std::string& out, double degrees);

/// The layer (or the features the filter keeps) as a GeoJSON FeatureCollection.
std::string to_geojson(const Layer& layer, const FeatureFilter& filter = {});

}  // namespace quanyu::gis
