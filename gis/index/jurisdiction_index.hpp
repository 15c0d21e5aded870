#pragma once
/// JurisdictionIndex answers "which district is this point in?" for the command picture: built
/// once at start-up from the jurisdiction layer's districts, immutable afterwards, and safe to
/// query from any number of threads at once (every query is a const walk over plain arrays).
///
/// A point gets one of three answers. `inside`: exact even-odd point-in-polygon says the point
/// lies in a district. `nearest`: the point is in no district but within the tolerance (default
/// 500 m) of a district border, as happens in the thin slivers that quantised neighbouring
/// borders leave between them, or just outside the outer border; the answer is the district with
/// the nearest border, and the distance to it. `outside`: farther than the tolerance from every
/// district; a normal answer, not an error.
///
/// Where polygons overlap (neighbours quantised onto each other, or invalid input), the point
/// belongs to the containing district with the lowest adcode (byte-wise string order; equal
/// adcodes fall back to the lower position in the input). Ties between equally near borders are
/// broken the same way. A MultiPolygon contains a point if any of its polygons does, and each
/// polygon uses the even-odd rule over its rings, so self-intersecting input gives a well-defined
/// answer instead of a crash.
///
/// Design: a uniform grid over the districts' extent (cells ~0.01°, on a 1/2048° offset so cell
/// lines miss vertices quantised to 1/1024°). A cell without border edges is resolved at build
/// time to one district or to "outside". A boundary cell keeps, per candidate polygon, the edges
/// that touch it and the polygon's crossing parity at the cell's bottom-right corner. The exact
/// test counts crossings of the path from the point right to the cell's right line and then down
/// that line: the corner parity covers the line below the cell, the cell's own edges the rest.
/// Distances for `nearest` are point-to-segment distances in a local equirectangular projection
/// scaled at the point's latitude with the WGS84 meridional and prime-vertical radii; at the
/// tolerances used (≤ a few km) it agrees with the ellipsoidal geodesic to better than 0.1%.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gis/geo/geometry.hpp"

namespace quanyu::gis {

/// One district of the jurisdiction: GB/T 2260 adcode, display name and area (lon/lat).
struct District {
  std::string adcode;
  std::string name;
  MultiPolygon area;
};

/// The answer of JurisdictionIndex::locate().
struct JurisdictionMatch {
  enum class Kind {
    inside,   ///< the point lies in `district`
    nearest,  ///< in no district, but within the tolerance of `district`'s border
    outside,  ///< farther than the tolerance from every district
  };
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

  Kind kind = Kind::outside;
  /// Position in JurisdictionIndex::districts(); kNone when outside.
  std::size_t index = kNone;
  /// Points into the index's own districts (valid as long as the index lives); null when outside.
  const District* district = nullptr;
  /// 0 when inside; metres to the nearest border when nearest; +infinity when outside (not
  /// measured beyond the tolerance).
  double distance_m = std::numeric_limits<double>::infinity();
};

const char* to_string(JurisdictionMatch::Kind kind);

struct JurisdictionIndexOptions {
  /// How far outside every district (slivers, the outer border) a point still gets the nearest
  /// district, in metres. Must be finite and ≥ 0.
  double tolerance_m = 500.0;
  /// Grid cell size in degrees, rounded to a multiple of 1/1024°. Smaller cells make lookups
  /// faster and the index larger; the default suits district-sized polygons.
  double cell_size_deg = 10.0 / 1024.0;
  /// Upper bound on the number of grid cells; an extent that would need more gets larger cells.
  std::size_t max_cells = std::size_t{1} << 22;
};

/// What the build produced, for the start-up log line.
struct JurisdictionIndexStats {
  std::size_t districts = 0;
  std::size_t polygons = 0;       ///< polygons with a usable exterior ring
  std::size_t rings = 0;          ///< rings indexed (exteriors and holes)
  std::size_t skipped_rings = 0;  ///< rings without area, or with non-finite or absurd coordinates
  std::size_t edges = 0;          ///< border segments indexed
  std::size_t columns = 0;
  std::size_t rows = 0;
  std::size_t cells = 0;
  std::size_t boundary_cells = 0;  ///< cells some border crosses (exact test at query time)
  std::size_t cell_edges = 0;      ///< edge references over all boundary cells
  std::size_t crossings = 0;       ///< edge crossings of the grid's column lines
  double cell_size_deg = 0.0;
};

class JurisdictionIndex {
 public:
  /// Builds the index. Throws std::invalid_argument if the options are out of range (start-up
  /// configuration); any geometry is accepted: rings without area, with non-finite coordinates
  /// or with values beyond ±1e6 degrees are skipped and counted in stats().
  explicit JurisdictionIndex(std::vector<District> districts,
                             const JurisdictionIndexOptions& options = {});

  /// The district containing `point`, else the nearest one within the tolerance, else outside.
  /// A non-finite point is outside.
  JurisdictionMatch locate(LonLat point) const;

  const std::vector<District>& districts() const { return districts_; }
  /// Bounds of all indexed borders; empty when no district has a usable polygon.
  BBox extent() const { return extent_; }
  double tolerance_m() const { return tolerance_m_; }
  const JurisdictionIndexStats& stats() const { return stats_; }

 private:
  struct Edge {
    double ax, ay, bx, by;
    /// Where the edge crosses the cell's right line, if it does so within the cell's rows;
    /// +infinity otherwise. Stored rather than recomputed so that query and build agree exactly.
    double right_y;
  };
  struct Candidate {
    std::uint32_t rank;  ///< of the polygon's district; a cell's candidates ascend by rank
    std::uint32_t first_edge;
    std::uint32_t edge_count;
    std::uint32_t corner_parity;  ///< crossings below the cell on its right line, mod 2
  };
  struct BoundaryCell {
    std::uint32_t first_candidate;
    std::uint32_t candidate_count;
    /// District whose polygon covers the whole cell without a border in it (overlaps only), as
    /// rank; kNoRank when none.
    std::uint32_t covering_rank;
  };
  static constexpr std::uint32_t kBoundaryBit = 0x80000000u;
  static constexpr std::uint32_t kNoRank = 0xffffffffu;

  void build(const JurisdictionIndexOptions& options);
  bool cell_of(LonLat point, std::size_t& column, std::size_t& row) const;
  std::uint32_t inside_rank(LonLat point, std::size_t column, std::size_t row) const;
  JurisdictionMatch nearest(LonLat point) const;
  JurisdictionMatch match(JurisdictionMatch::Kind kind, std::uint32_t rank,
                          double distance_m) const;

  std::vector<District> districts_;
  double tolerance_m_ = 0.0;
  BBox extent_;
  JurisdictionIndexStats stats_;

  // Rank of each district in the overlap order (adcode, then position) and its inverse.
  std::vector<std::uint32_t> rank_of_district_;
  std::vector<std::uint32_t> district_of_rank_;

  // Grid lines, stored so that every comparison against a cell boundary uses the same value.
  std::size_t columns_ = 0;
  std::size_t rows_ = 0;
  double origin_lon_ = 0.0;
  double origin_lat_ = 0.0;
  double cell_size_ = 0.0;
  std::vector<double> column_lines_;  ///< columns_ + 1 values, ascending
  std::vector<double> row_lines_;     ///< rows_ + 1 values, ascending

  /// Per cell (row-major): kBoundaryBit | boundary cell number, or 1 + rank of the district
  /// covering the whole cell, or 0 for a cell outside every district.
  std::vector<std::uint32_t> cells_;
  std::vector<BoundaryCell> boundary_cells_;
  std::vector<Candidate> candidates_;
  std::vector<Edge> edges_;
};

}  // namespace quanyu::gis
