#pragma once
/// Plain geometry values used across Quanyu. Positions are always longitude/latitude in degrees
/// on EPSG:4326 with the traditional GIS axis order (x = lon, y = lat); every input CRS is
/// converted to this at the edge (see gis/crs).

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>
#include <vector>

namespace quanyu::gis {

struct LonLat {
  double lon = 0.0;
  double lat = 0.0;
  friend bool operator==(const LonLat&, const LonLat&) = default;
};

/// Axis-aligned box in lon/lat degrees. A default-constructed box is empty and grows by expand().
struct BBox {
  double min_lon = std::numeric_limits<double>::infinity();
  double min_lat = std::numeric_limits<double>::infinity();
  double max_lon = -std::numeric_limits<double>::infinity();
  double max_lat = -std::numeric_limits<double>::infinity();

  bool empty() const { return !(min_lon <= max_lon && min_lat <= max_lat); }
  void expand(LonLat p) {
    min_lon = std::min(min_lon, p.lon);
    min_lat = std::min(min_lat, p.lat);
    max_lon = std::max(max_lon, p.lon);
    max_lat = std::max(max_lat, p.lat);
  }
  void expand(const BBox& b) {
    if (b.empty()) return;
    expand(LonLat{b.min_lon, b.min_lat});
    expand(LonLat{b.max_lon, b.max_lat});
  }
  bool contains(LonLat p) const {
    return p.lon >= min_lon && p.lon <= max_lon && p.lat >= min_lat && p.lat <= max_lat;
  }
  bool intersects(const BBox& b) const {
    return !empty() && !b.empty() && b.min_lon <= max_lon && b.max_lon >= min_lon &&
           b.min_lat <= max_lat && b.max_lat >= min_lat;
  }
  friend bool operator==(const BBox&, const BBox&) = default;
};

/// A closed ring: the first and last positions are equal.
using Ring = std::vector<LonLat>;

/// rings[0] is the exterior ring, the rest are holes.
struct Polygon {
  std::vector<Ring> rings;
};

using MultiPolygon = std::vector<Polygon>;
using LineString = std::vector<LonLat>;
using MultiLineString = std::vector<LineString>;

/// The geometry of a layer feature: a point (sensors, resources), lines (rivers) or areas.
using Geometry = std::variant<std::monostate, LonLat, MultiLineString, MultiPolygon>;

BBox bounds(const Geometry& geometry);
BBox bounds(const MultiPolygon& polygons);

inline bool is_finite(LonLat p) { return std::isfinite(p.lon) && std::isfinite(p.lat); }

}  // namespace quanyu::gis
