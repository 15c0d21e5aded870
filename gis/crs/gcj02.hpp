#pragma once
/// GCJ-02, the offset ("Mars") coordinates used by consumer Chinese maps (AMap/Gaode, Tencent,
/// Google China). It is WGS84 lon/lat plus a deliberate, position-dependent offset of a few
/// hundred metres inside China; outside China GCJ-02 equals WGS84. PROJ does not know it, so the
/// published forward algorithm (Krasovsky-ellipsoid polynomials) is implemented here and inverted
/// numerically. Use through gis::Crs ("GCJ-02") unless a caller works on GCJ-02 alone.

#include "gis/geo/geometry.hpp"

namespace quanyu::gis {

/// The rough China box in which the GCJ-02 offset is applied: the test every published
/// implementation uses, which consumer maps follow rather than the real border.
inline constexpr BBox kGcj02Box{72.004, 0.8293, 137.8347, 55.8271};

/// True when `p` lies inside kGcj02Box. False for non-finite input.
bool gcj02_applies(LonLat p);

/// WGS84 lon/lat to GCJ-02 lon/lat. Identity outside the China box (see gcj02_applies).
LonLat gcj02_from_wgs84(LonLat wgs84);

/// GCJ-02 lon/lat to WGS84 lon/lat, inverting gcj02_from_wgs84 by fixed-point iteration: the
/// result maps forward to within 1e-10 degrees (about 0.01 mm) of `gcj02`, far inside the 1 m
/// the offset is good for. Identity outside the China box.
LonLat wgs84_from_gcj02(LonLat gcj02);

}  // namespace quanyu::gis
