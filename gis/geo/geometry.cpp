#include "gis/geo/geometry.hpp"

namespace quanyu::gis {

BBox bounds(const MultiPolygon& polygons) {
  BBox box;
  for (const auto& polygon : polygons) {
    // Holes lie inside the exterior ring, so the exterior alone bounds the polygon.
    if (!polygon.rings.empty()) {
      for (const auto& p : polygon.rings.front()) box.expand(p);
    }
  }
  return box;
}

BBox bounds(const Geometry& geometry) {
  BBox box;
  if (const auto* point = std::get_if<LonLat>(&geometry)) {
    box.expand(*point);
  } else if (const auto* lines = std::get_if<MultiLineString>(&geometry)) {
    for (const auto& line : *lines) {
      for (const auto& p : line) box.expand(p);
    }
  } else if (const auto* polygons = std::get_if<MultiPolygon>(&geometry)) {
    box = bounds(*polygons);
  }
  return box;
}

}  // namespace quanyu::gis
