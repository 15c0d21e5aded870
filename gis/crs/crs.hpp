#pragma once
/// Coordinate reference systems accepted at Quanyu's edges, and the conversions that bring every
/// input position to the one CRS used inside: lon/lat on EPSG:4326 with the traditional GIS axis
/// order (x = lon, y = lat), whatever the EPSG axis order says. Supported inputs are WGS84
/// (EPSG:4326), CGCS2000 geographic (EPSG:4490), Web Mercator (EPSG:3857), the CGCS2000 3-degree
/// Gauss-Kruger zones without zone prefix (EPSG:4534 at CM 75E ... EPSG:4554 at CM 135E, false
/// easting 500000 m) and GCJ-02 (see gcj02.hpp). CGCS2000 is taken as equal to WGS84, as PROJ
/// does without a grid: the two frames differ by a few centimetres.
///
/// PROJ transformations are built once per thread and per source CRS and reused for every point,
/// so all functions here may be called from many threads at once.
///
/// Errors (Error::code): "unsupported_crs" (parse), "crs_unavailable" (PROJ cannot build the CRS,
/// e.g. proj.db is missing), "invalid_coordinate" (non-finite input or a PROJ failure) and
/// "coordinate_out_of_bounds" (outside the CRS's valid range). Messages name the CRS and values.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "gis/geo/geometry.hpp"
#include "gis/geo/result.hpp"

namespace quanyu::gis {

/// A CRS an input position may be expressed in. A cheap value: copy it freely; it holds no PROJ
/// object. Default-constructed, it is EPSG:4326.
class Crs {
 public:
  Crs() = default;

  /// EPSG:4326 lon/lat, the CRS of every position inside Quanyu.
  static Crs wgs84() { return Crs{}; }

  /// Parses a CRS name, case-insensitively and ignoring surrounding blanks: "EPSG:4326" (also ""
  /// and "WGS84", "OGC:CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84"), "EPSG:4490" ("CGCS2000"),
  /// "EPSG:3857", "EPSG:4534".."EPSG:4554", "GCJ-02" ("GCJ02"); "urn:ogc:def:crs:EPSG::<code>" is
  /// read like "EPSG:<code>". Anything else is an "unsupported_crs" error that lists what is
  /// supported.
  static Result<Crs> parse(std::string_view text);

  /// Canonical name: "EPSG:4326", "EPSG:4545", "GCJ-02", ...
  const std::string& name() const { return name_; }
  /// The EPSG code, or 0 for GCJ-02, which has none.
  int epsg() const { return epsg_; }
  /// True for lon/lat CRSs (4326, 4490, GCJ-02); false for projected ones (easting/northing).
  bool geographic() const { return kind_ != Kind::kProjected; }
  bool is_gcj02() const { return kind_ == Kind::kGcj02; }
  /// Lon/lat box where this CRS is meant to be used: PROJ's area of use for EPSG codes, the box in
  /// which the offset applies for GCJ-02 (see gcj02_applies), the whole world for EPSG:4326.
  BBox area_of_use() const { return area_; }
  /// Box (in this CRS's own x/y) of the inputs to_lonlat accepts before transforming: lon/lat
  /// -180..180 / -90..90 for geographic CRSs; for projected ones the area of use, widened by 1.5
  /// degrees (crs.cpp says why), projected into the CRS.
  BBox input_bounds() const { return input_bounds_; }

  friend bool operator==(const Crs& a, const Crs& b) { return a.name_ == b.name_; }

 private:
  enum class Kind : unsigned char { kWgs84, kGeographic, kProjected, kGcj02 };

  Crs(Kind kind, int epsg, std::string name, BBox area, BBox input_bounds)
      : kind_(kind),
        epsg_(epsg),
        name_(std::move(name)),
        area_(area),
        input_bounds_(input_bounds) {}

  Kind kind_ = Kind::kWgs84;
  int epsg_ = 4326;
  std::string name_ = "EPSG:4326";
  BBox area_{-180.0, -90.0, 180.0, 90.0};
  BBox input_bounds_{-180.0, -90.0, 180.0, 90.0};
};

/// Converts a coordinate pair in `crs` (x = lon or easting, y = lat or northing, whatever the
/// EPSG axis order) to lon/lat. Fails with "invalid_coordinate" for non-finite input or a PROJ
/// failure, and with "coordinate_out_of_bounds" for input outside crs.input_bounds() or, for
/// projected CRSs, a result outside the area of use widened by the margin.
Result<LonLat> to_lonlat(const Crs& crs, double x, double y);

/// The inverse of to_lonlat: lon/lat to the (x, y) pair of `crs`. Fails for non-finite input,
/// |lon| > 180 or |lat| > 90, and for projected CRSs a position outside the widened area of use.
Result<std::pair<double, double>> from_lonlat(const Crs& crs, LonLat p);

/// Converts many positions expressed in `crs` (x in .lon, y in .lat) to lon/lat in place with one
/// PROJ call: the form for whole rings and lines. Returns the error of the first offending point
/// (its index in the message), or nullopt on success. Inputs are all checked before any is
/// changed, so an invalid or out-of-bounds input leaves `points` untouched; a failure found after
/// transforming (rare: a PROJ error or a result outside the curved area of use) leaves them
/// partially converted, and the caller should drop the geometry.
[[nodiscard]] std::optional<Error> to_lonlat_in_place(const Crs& crs, std::span<LonLat> points);

}  // namespace quanyu::gis
