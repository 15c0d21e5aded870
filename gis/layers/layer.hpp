#pragma once
/// A vector layer loaded into memory: its features in lon/lat (EPSG:4326, traditional axis order),
/// the role it plays in the command picture, and what loading had to repair or skip.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gis/geo/geometry.hpp"

namespace quanyu::gis {

/// What a layer means to Quanyu. The role decides which fields are required and which index
/// the layer feeds.
enum class LayerRole {
  jurisdiction,  ///< districts: GB/T 2260 adcode + name, polygons; exactly one per config
  resource,      ///< rescue teams, supply depots, water sources, shelters (kind, capacity)
  sensor,        ///< cameras, smoke towers, flood gauges (id, kind, thresholds, mast height)
  sensitive,     ///< schools, hazardous-chemical enterprises (kind, risk class)
  basemap,       ///< display-only context such as rivers
};

const char* to_string(LayerRole role);
bool parse_layer_role(const std::string& text, LayerRole& out);

/// A property value as read from the source, keeping its type for GeoJSON output. Numeric list
/// fields (a label point's [lon, lat], say) are kept as a list of numbers.
using PropertyValue =
    std::variant<std::monostate, bool, std::int64_t, double, std::string, std::vector<double>>;
using Properties = std::map<std::string, PropertyValue>;

struct Feature {
  std::string id;  ///< the mapped id field, else the source FID as text
  Geometry geometry;
  Properties properties;
};

struct LayerStats {
  std::size_t read = 0;      ///< features read from the source
  std::size_t repaired = 0;  ///< invalid geometries made valid
  std::size_t skipped = 0;   ///< features dropped (unrepairable or empty geometry)
};

struct Layer {
  std::string name;
  LayerRole role = LayerRole::basemap;
  std::string source;      ///< the OGR data source as configured (path or PG:... string)
  std::string source_crs;  ///< the CRS the source was in, e.g. "EPSG:4490", "GCJ-02"
  /// Logical field -> source field name, as configured (see LayerSpec).
  std::map<std::string, std::string> fields;
  std::vector<Feature> features;
  BBox extent;
  LayerStats stats;

  /// The value of a logical field (e.g. "adcode", "warningLevelM") of one of this layer's
  /// features, through the configured field mapping; nullptr when the feature lacks it.
  const PropertyValue* field(const Feature& feature, const std::string& logical) const;
};

/// A property as text ("" for null); numbers in their shortest round-trip form.
std::string to_text(const PropertyValue& value);
/// A property as a number, parsing text when it holds one; nullopt for null or non-numeric.
std::optional<double> to_number(const PropertyValue& value);

}  // namespace quanyu::gis
