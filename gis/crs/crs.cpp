#include "gis/crs/crs.hpp"

#include <proj.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <memory>
#include <system_error>
#include <unordered_map>

#include "gis/crs/gcj02.hpp"

namespace quanyu::gis {
namespace {

constexpr int kWgs84Epsg = 4326;
constexpr int kCgcs2000Epsg = 4490;
constexpr int kWebMercatorEpsg = 3857;
constexpr int kFirstGaussKrugerEpsg = 4534;  // CGCS2000 / 3-degree Gauss-Kruger CM 75E
constexpr int kLastGaussKrugerEpsg = 4554;   // CGCS2000 / 3-degree Gauss-Kruger CM 135E

// A city mapped in one Gauss-Kruger zone often spills half a zone past the zone's edge
// (Chongqing's centre sits on 106.5E, the boundary between EPSG:4544 and EPSG:4545), and the
// projection is still accurate there. The bounds checks are for gross mistakes: swapped axes,
// zone-prefixed eastings, kilometres for metres, a wrong zone, which land hundreds of kilometres
// away.
constexpr double kAreaMarginDeg = 1.5;

// Rounding at the edge of the projected bounds (Web Mercator's x at exactly +-180 degrees) must
// not turn a valid coordinate away.
constexpr double kInputBoundsPadM = 1.0;

// proj_trans_bounds samples this many points along each edge, so the box holds the curved image
// of the area's edges and not only of its corners.
constexpr int kBoundsDensifyPoints = 21;

// Eastings of zone-prefixed Gauss-Kruger CRSs start at 13 500 000 (zone 13); ours stay below
// 1 000 000. Anything this large is almost surely prefixed, which merits a hint.
constexpr double kZonePrefixedEastingM = 10'000'000.0;

constexpr BBox kWorld{-180.0, -90.0, 180.0, 90.0};

constexpr std::string_view kSupported =
    "supported: EPSG:4326 (WGS84), EPSG:4490 (CGCS2000), EPSG:3857 (Web Mercator), "
    "EPSG:4534..EPSG:4554 (CGCS2000 3-degree Gauss-Kruger, CM 75E..135E, no zone prefix), "
    "GCJ-02";

struct ContextDeleter {
  void operator()(PJ_CONTEXT* context) const { proj_context_destroy(context); }
};
struct PjDeleter {
  void operator()(PJ* pj) const { proj_destroy(pj); }
};
using ContextHandle = std::unique_ptr<PJ_CONTEXT, ContextDeleter>;
using PjHandle = std::unique_ptr<PJ, PjDeleter>;

/// The PROJ side of one source CRS on one thread.
struct Transformer {
  PjHandle op;        ///< source CRS -> EPSG:4326, normalised: x = lon/easting, y = lat/northing
  BBox area;          ///< the source CRS's area of use, lon/lat
  BBox input_bounds;  ///< projected CRSs: the widened area of use in the source's x/y
};

BBox widened(const BBox& area) {
  return BBox{std::max(area.min_lon - kAreaMarginDeg, -180.0),
              std::max(area.min_lat - kAreaMarginDeg, -90.0),
              std::min(area.max_lon + kAreaMarginDeg, 180.0),
              std::min(area.max_lat + kAreaMarginDeg, 90.0)};
}

/// Shortest text that reads back as the same double, so a message shows the exact value. Fixed
/// notation reads best for coordinates ("5000000", not "5e+06"); the rare value too long for it
/// falls back to the shortest form.
std::string exact(double value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (result.ec != std::errc{}) result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return {buffer, result.ptr};
}

/// Ten significant digits: enough for bounds in a message, without noise.
std::string rounded(double value) {
  char buffer[32];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 10);
  return {buffer, result.ptr};
}

std::string describe_box(const BBox& box, bool geographic) {
  const char* x = geographic ? "lon " : "x ";
  const char* y = geographic ? ", lat " : ", y ";
  return x + rounded(box.min_lon) + ".." + rounded(box.max_lon) + y + rounded(box.min_lat) + ".." +
         rounded(box.max_lat);
}

/// "EPSG:4545 coordinate (x=1, y=2)" or, in a batch, "EPSG:4545 point 17 (x=1, y=2)".
std::string describe_input(const Crs& crs, double x, double y, std::optional<size_t> index) {
  const bool geographic = crs.geographic();
  std::string text = crs.name();
  text += index ? " point " + std::to_string(*index) : std::string(" coordinate");
  text += geographic ? " (lon=" : " (x=";
  text += exact(x);
  text += geographic ? ", lat=" : ", y=";
  text += exact(y);
  text += ")";
  return text;
}

/// Thread-local PROJ state: one context and one transformation per source CRS, built on first
/// use and kept for the thread's lifetime. PJ objects and contexts are not thread-safe, so
/// nothing here is ever shared between threads.
class TransformerCache {
 public:
  static TransformerCache& this_thread() {
    thread_local TransformerCache cache;
    return cache;
  }

  Result<const Transformer*> get(int epsg) {
    if (const auto found = transformers_.find(epsg); found != transformers_.end()) {
      return &found->second;
    }
    const std::string source = "EPSG:" + std::to_string(epsg);
    if (!context_) return unavailable(source, "cannot create a PROJ context");
    PJ_CONTEXT* ctx = context_.get();

    const PjHandle source_crs(proj_create(ctx, source.c_str()));
    if (!source_crs) return unavailable(source, last_error());
    // Every supported CRS is on WGS84 or CGCS2000, two frames PROJ (without a grid) and Quanyu
    // take as equal. Targeting the source's own geographic CRS therefore gives the same pipeline
    // as targeting EPSG:4326, but skips PROJ's search of proj.db for datum transformations, which
    // costs 25-150 ms per CRS and thread. A CRS on another datum (Beijing 1954, Xian 1980) would
    // need EPSG:4326 as its target.
    const PjHandle target_crs(proj_crs_get_geodetic_crs(ctx, source_crs.get()));
    if (!target_crs) return unavailable(source, last_error());

    Transformer transformer;
    double west = 0.0;
    double south = 0.0;
    double east = 0.0;
    double north = 0.0;
    // PROJ reports -1000 for an unknown extent; none of the supported codes lacks one.
    if (!proj_get_area_of_use(ctx, source_crs.get(), &west, &south, &east, &north, nullptr) ||
        west < -180.0) {
      return unavailable(source, "PROJ knows no area of use for it");
    }
    transformer.area = BBox{west, south, east, north};

    const PjHandle raw(
        proj_create_crs_to_crs_from_pj(ctx, source_crs.get(), target_crs.get(), nullptr, nullptr));
    if (!raw) return unavailable(source, last_error());
    // By EPSG definition geographic CRSs are lat/lon and the CGCS2000 Gauss-Kruger CRSs
    // northing/easting; normalising makes both ends x-first, which is what our callers use.
    transformer.op.reset(proj_normalize_for_visualization(ctx, raw.get()));
    if (!transformer.op) return unavailable(source, last_error());

    transformer.input_bounds = kWorld;
    if (proj_get_type(source_crs.get()) == PJ_TYPE_PROJECTED_CRS) {
      const BBox area = widened(transformer.area);
      BBox& bounds = transformer.input_bounds;
      if (!proj_trans_bounds(ctx, transformer.op.get(), PJ_INV, area.min_lon, area.min_lat,
                             area.max_lon, area.max_lat, &bounds.min_lon, &bounds.min_lat,
                             &bounds.max_lon, &bounds.max_lat, kBoundsDensifyPoints)) {
        return unavailable(source, "cannot project its area of use: " + last_error());
      }
      bounds = BBox{bounds.min_lon - kInputBoundsPadM, bounds.min_lat - kInputBoundsPadM,
                    bounds.max_lon + kInputBoundsPadM, bounds.max_lat + kInputBoundsPadM};
    }
    return &transformers_.emplace(epsg, std::move(transformer)).first->second;
  }

  std::string error_text(int error) const {
    const char* text = proj_context_errno_string(context_.get(), error);
    return text ? text : "unknown PROJ error " + std::to_string(error);
  }

 private:
  TransformerCache() : context_(proj_context_create()) {
    // Failures reach callers as Result errors; PROJ's own stderr logging would only duplicate them.
    if (context_) proj_log_level(context_.get(), PJ_LOG_NONE);
  }

  std::string last_error() const { return error_text(proj_context_errno(context_.get())); }

  static Error unavailable(const std::string& source, const std::string& why) {
    return Error{"crs_unavailable",
                 "PROJ cannot build the transformation from " + source + " to EPSG:4326: " + why};
  }

  // Declared before the transformers so that it is destroyed after them: a PJ must be destroyed
  // while its context is alive.
  ContextHandle context_;
  std::unordered_map<int, Transformer> transformers_;
};

/// Checks an input coordinate against crs.input_bounds(): invalid_coordinate if non-finite,
/// coordinate_out_of_bounds if outside.
std::optional<Error> check_input(const Crs& crs, double x, double y,
                                 std::optional<size_t> index = std::nullopt) {
  if (!std::isfinite(x) || !std::isfinite(y)) {
    return Error{"invalid_coordinate",
                 describe_input(crs, x, y, index) + " is not a pair of finite numbers"};
  }
  const BBox bounds = crs.input_bounds();
  if (bounds.contains(LonLat{x, y})) return std::nullopt;
  std::string message = describe_input(crs, x, y, index) + " is outside ";
  if (crs.geographic()) {
    message += "the valid range (" + describe_box(bounds, true) + ")";
  } else {
    message += "the accepted range of " + crs.name() + ", its area of use widened by " +
               rounded(kAreaMarginDeg) + " degrees (" + describe_box(bounds, false) + ")";
  }
  const int epsg = crs.epsg();
  if (epsg >= kFirstGaussKrugerEpsg && epsg <= kLastGaussKrugerEpsg &&
      std::abs(x) >= kZonePrefixedEastingM) {
    message +=
        "; the easting looks zone-prefixed, and only the CRSs without zone prefix "
        "(EPSG:4534..EPSG:4554) are supported";
  } else if (bounds.contains(LonLat{y, x})) {
    message += "; x and y look swapped";
  }
  return Error{"coordinate_out_of_bounds", std::move(message)};
}

/// True when a position PROJ produced for `crs` is usable: finite, and for projected CRSs inside
/// the widened area of use (the input box is a rectangle around a curved area, so its corners
/// reach further than the CRS is meant for).
bool output_ok(const Crs& crs, const BBox& widened_area, LonLat p) {
  return is_finite(p) && (crs.geographic() || widened_area.contains(p));
}

/// The error for a position that failed output_ok; `input` describes where it came from.
Error output_error(const Crs& crs, const BBox& widened_area, LonLat p, const std::string& input,
                   int proj_error) {
  if (!is_finite(p)) {
    const bool outside = proj_error == PROJ_ERR_COORD_TRANSFM_OUTSIDE_PROJECTION_DOMAIN;
    return Error{outside ? "coordinate_out_of_bounds" : "invalid_coordinate",
                 input + " cannot be transformed to EPSG:4326: " +
                     TransformerCache::this_thread().error_text(proj_error)};
  }
  return Error{"coordinate_out_of_bounds",
               input + " maps to (lon=" + exact(p.lon) + ", lat=" + exact(p.lat) +
                   "), outside the area of use of " + crs.name() + " widened by " +
                   rounded(kAreaMarginDeg) + " degrees (" + describe_box(widened_area, true) + ")"};
}

std::string upper_trimmed(std::string_view text) {
  const auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return upper;
}

/// The EPSG code in "EPSG:<n>" or "URN:OGC:DEF:CRS:EPSG::<n>" (already upper-cased), or 0.
int epsg_code(std::string_view text) {
  for (const std::string_view prefix : {"EPSG:", "URN:OGC:DEF:CRS:EPSG::"}) {
    if (!text.starts_with(prefix)) continue;
    const std::string_view digits = text.substr(prefix.size());
    int code = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
    if (error == std::errc{} && end == digits.data() + digits.size() && !digits.empty()) {
      return code;
    }
    return 0;
  }
  return 0;
}

}  // namespace

Result<Crs> Crs::parse(std::string_view text) {
  const std::string upper = upper_trimmed(text);
  if (upper.empty() || upper == "WGS84" || upper == "OGC:CRS84" ||
      upper == "URN:OGC:DEF:CRS:OGC:1.3:CRS84") {
    return Crs::wgs84();
  }
  if (upper == "GCJ-02" || upper == "GCJ02") {
    return Crs{Kind::kGcj02, 0, "GCJ-02", kGcj02Box, kWorld};
  }
  const int epsg = upper == "CGCS2000" ? kCgcs2000Epsg : epsg_code(upper);
  if (epsg == kWgs84Epsg) return Crs::wgs84();

  Kind kind = Kind::kProjected;
  if (epsg == kCgcs2000Epsg) {
    kind = Kind::kGeographic;
  } else if (epsg != kWebMercatorEpsg &&
             (epsg < kFirstGaussKrugerEpsg || epsg > kLastGaussKrugerEpsg)) {
    return Error{"unsupported_crs",
                 "unsupported CRS \"" + std::string(text) + "\"; " + std::string(kSupported)};
  }
  auto transformer = TransformerCache::this_thread().get(epsg);
  if (!transformer) return transformer.error();
  const Transformer& t = **transformer;
  return Crs{kind, epsg, "EPSG:" + std::to_string(epsg), t.area,
             kind == Kind::kProjected ? t.input_bounds : kWorld};
}

Result<LonLat> to_lonlat(const Crs& crs, double x, double y) {
  if (auto error = check_input(crs, x, y)) return *std::move(error);
  if (crs.epsg() == kWgs84Epsg) return LonLat{x, y};
  if (crs.is_gcj02()) return wgs84_from_gcj02(LonLat{x, y});

  auto transformer = TransformerCache::this_thread().get(crs.epsg());
  if (!transformer) return transformer.error();
  const Transformer& t = **transformer;
  proj_errno_reset(t.op.get());
  const PJ_COORD out = proj_trans(t.op.get(), PJ_FWD, proj_coord(x, y, 0.0, 0.0));
  const LonLat p{out.v[0], out.v[1]};
  const BBox area = widened(t.area);
  if (output_ok(crs, area, p)) return p;
  return output_error(crs, area, p, describe_input(crs, x, y, std::nullopt),
                      proj_errno(t.op.get()));
}

Result<std::pair<double, double>> from_lonlat(const Crs& crs, LonLat p) {
  const Crs lonlat = Crs::wgs84();
  if (auto error = check_input(lonlat, p.lon, p.lat)) {
    error->message += " (converting to " + crs.name() + ")";
    return *std::move(error);
  }
  if (crs.epsg() == kWgs84Epsg) return std::pair{p.lon, p.lat};
  if (crs.is_gcj02()) {
    const LonLat g = gcj02_from_wgs84(p);
    return std::pair{g.lon, g.lat};
  }

  auto transformer = TransformerCache::this_thread().get(crs.epsg());
  if (!transformer) return transformer.error();
  const Transformer& t = **transformer;
  if (!crs.geographic()) {
    const BBox area = widened(t.area);
    if (!area.contains(p)) {
      return Error{"coordinate_out_of_bounds", describe_input(lonlat, p.lon, p.lat, std::nullopt) +
                                                   " is outside the area of use of " + crs.name() +
                                                   " widened by " + rounded(kAreaMarginDeg) +
                                                   " degrees (" + describe_box(area, true) + ")"};
    }
  }
  proj_errno_reset(t.op.get());
  const PJ_COORD out = proj_trans(t.op.get(), PJ_INV, proj_coord(p.lon, p.lat, 0.0, 0.0));
  if (!std::isfinite(out.v[0]) || !std::isfinite(out.v[1])) {
    return Error{"invalid_coordinate",
                 describe_input(lonlat, p.lon, p.lat, std::nullopt) + " cannot be transformed to " +
                     crs.name() + ": " +
                     TransformerCache::this_thread().error_text(proj_errno(t.op.get()))};
  }
  return std::pair{out.v[0], out.v[1]};
}

std::optional<Error> to_lonlat_in_place(const Crs& crs, std::span<LonLat> points) {
  // Check everything first so that a bad input leaves the caller's data untouched.
  for (size_t i = 0; i < points.size(); ++i) {
    if (auto error = check_input(crs, points[i].lon, points[i].lat, i)) return error;
  }
  if (points.empty() || crs.epsg() == kWgs84Epsg) return std::nullopt;
  if (crs.is_gcj02()) {
    for (LonLat& p : points) p = wgs84_from_gcj02(p);
    return std::nullopt;
  }

  auto transformer = TransformerCache::this_thread().get(crs.epsg());
  if (!transformer) return transformer.error();
  const Transformer& t = **transformer;
  proj_errno_reset(t.op.get());
  // One call for the whole span: x and y are read and written in place, a LonLat apart.
  proj_trans_generic(t.op.get(), PJ_FWD, &points.front().lon, sizeof(LonLat), points.size(),
                     &points.front().lat, sizeof(LonLat), points.size(), nullptr, 0, 0, nullptr, 0,
                     0);
  const int proj_error = proj_errno(t.op.get());
  const BBox area = widened(t.area);
  for (size_t i = 0; i < points.size(); ++i) {
    if (output_ok(crs, area, points[i])) continue;
    return output_error(crs, area, points[i], crs.name() + " point " + std::to_string(i),
                        proj_error);
  }
  return std::nullopt;
}

}  // namespace quanyu::gis
