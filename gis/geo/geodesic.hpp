#pragma once
/// Geodesic distances on the WGS84 / CGCS2000 ellipsoid (their flattening differs by 1e-10, far
/// below a millimetre at city scale) with PROJ's implementation of Karney's algorithms.

#include "gis/geo/geometry.hpp"

namespace quanyu::gis {

/// Distance in metres along the geodesic between two lon/lat positions.
double geodesic_distance_m(LonLat a, LonLat b);

/// Position reached from `from` after `distance_m` metres on initial azimuth `azimuth_deg`
/// (clockwise from north).
LonLat geodesic_destination(LonLat from, double azimuth_deg, double distance_m);

/// Initial azimuth in degrees (clockwise from north, -180..180] of the geodesic from a to b.
double geodesic_azimuth_deg(LonLat a, LonLat b);

}  // namespace quanyu::gis
