#include "gis/index/jurisdiction_index.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace quanyu::gis {
namespace {

// Source data is quantised to 1/1024°; grid lines sit half a quantum off that lattice so that no
// vertex lies on a column line (the half-open rules below would cope, but this keeps the
// crossing lists free of vertex hits).
constexpr double kQuantum = 1.0 / 1024.0;
constexpr double kHalfQuantum = 1.0 / 2048.0;

constexpr double kWgs84A = 6378137.0;
constexpr double kWgs84F = 1.0 / 298.257223563;
constexpr double kWgs84E2 = kWgs84F * (2.0 - kWgs84F);
constexpr double kDegToRad = std::numbers::pi / 180.0;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

struct RawEdge {
  double ax, ay, bx, by;
  std::uint32_t polygon;
};

/// Metres per degree of longitude and latitude at a latitude: the local equirectangular scale
/// from the WGS84 prime-vertical (N) and meridional (M) radii of curvature.
struct MetresPerDegree {
  double lon;
  double lat;
};

MetresPerDegree metres_per_degree(double lat_deg) {
  const double phi = lat_deg * kDegToRad;
  const double sin_phi = std::sin(phi);
  const double w2 = 1.0 - kWgs84E2 * sin_phi * sin_phi;
  const double w = std::sqrt(w2);
  const double n = kWgs84A / w;
  const double m = kWgs84A * (1.0 - kWgs84E2) / (w2 * w);
  return {n * std::cos(phi) * kDegToRad, m * kDegToRad};
}

/// Half-open rule for column lines: an endpoint exactly on x is taken to lie right of it, so
/// each edge crosses a line at most once and shared vertices are never counted twice.
bool straddles_column(double ax, double bx, double x) { return (ax < x) != (bx < x); }

/// Where an edge that straddles x crosses it: exactly the vertex's latitude when a vertex lies
/// on the line, else interpolated and clamped to the edge's latitude range so that rounding can
/// never move a crossing outside the rows the edge spans.
double crossing_lat(const RawEdge& e, double x) {
  if (e.ax == x) return e.ay;
  if (e.bx == x) return e.by;
  const double t = (x - e.ax) / (e.bx - e.ax);
  const double y = e.ay + t * (e.by - e.ay);
  return std::clamp(y, std::min(e.ay, e.by), std::max(e.ay, e.by));
}

/// Index of the interval [lines[i], lines[i+1]) holding v, clamped to [0, lines.size() - 2].
/// The division is only a first guess; the stored lines decide.
std::size_t interval_of(const std::vector<double>& lines, double origin, double size, double v) {
  const std::size_t last = lines.size() - 2;
  const double guess = (v - origin) / size;
  std::size_t i = 0;
  if (guess >= static_cast<double>(last)) {
    i = last;
  } else if (guess > 0.0) {
    i = static_cast<std::size_t>(guess);
  }
  while (i > 0 && v < lines[i]) --i;
  while (i < last && v >= lines[i + 1]) ++i;
  return i;
}

/// Beyond this no value is a longitude or latitude; such rings would only stretch the grid.
constexpr double kMaxAbsDegrees = 1e6;

/// A ring bounds some area unless all its vertices lie on one line. (Its signed area is no test:
/// a bow tie's halves cancel, yet even-odd gives it two triangles.)
bool usable(const Ring& ring) {
  if (ring.size() < 3) return false;
  for (const LonLat& p : ring) {
    if (!is_finite(p) || std::abs(p.lon) > kMaxAbsDegrees || std::abs(p.lat) > kMaxAbsDegrees) {
      return false;
    }
  }
  const LonLat o = ring.front();
  std::size_t i = 1;
  while (i < ring.size() && ring[i] == o) ++i;
  if (i == ring.size()) return false;
  const double dx = ring[i].lon - o.lon;
  const double dy = ring[i].lat - o.lat;
  for (++i; i < ring.size(); ++i) {
    if (dx * (ring[i].lat - o.lat) - dy * (ring[i].lon - o.lon) != 0.0) return true;
  }
  return false;
}

/// Squared distance in metres from the origin of a local plane to the segment u-v in it. An
/// endpoint is measured as itself (not as u + 1 * (v - u)), so a vertex shared by neighbouring
/// districts is exactly as far from both and the tie goes to the lower adcode.
double segment_distance2(double ux, double uy, double vx, double vy) {
  const double dx = vx - ux;
  const double dy = vy - uy;
  const double along = -(ux * dx + uy * dy);
  const double length2 = dx * dx + dy * dy;
  if (along <= 0.0) return ux * ux + uy * uy;
  if (along >= length2) return vx * vx + vy * vy;
  const double t = along / length2;
  const double qx = ux + t * dx;
  const double qy = uy + t * dy;
  return qx * qx + qy * qy;
}

/// One edge touching one cell, before the cells are packed.
struct CellEdge {
  std::uint32_t cell;
  std::uint32_t rank;
  std::uint32_t polygon;
  std::uint32_t edge;
  double right_y;
  friend bool operator<(const CellEdge& a, const CellEdge& b) {
    return std::tie(a.cell, a.rank, a.polygon, a.edge, a.right_y) <
           std::tie(b.cell, b.rank, b.polygon, b.edge, b.right_y);
  }
};

/// An edge crossing column line `line` at latitude y, in grid row `row`.
struct Crossing {
  std::uint32_t line;
  std::uint32_t row;
  std::uint32_t polygon;
  friend bool operator<(const Crossing& a, const Crossing& b) {
    return std::tie(a.line, a.row, a.polygon) < std::tie(b.line, b.row, b.polygon);
  }
};

void check_fits(std::size_t count, const char* what) {
  if (count >= 0x80000000u) {
    throw std::length_error(std::string("JurisdictionIndex: too many ") + what);
  }
}

}  // namespace

const char* to_string(JurisdictionMatch::Kind kind) {
  switch (kind) {
    case JurisdictionMatch::Kind::inside:
      return "inside";
    case JurisdictionMatch::Kind::nearest:
      return "nearest";
    case JurisdictionMatch::Kind::outside:
      return "outside";
  }
  return "outside";
}

JurisdictionIndex::JurisdictionIndex(std::vector<District> districts,
                                     const JurisdictionIndexOptions& options)
    : districts_(std::move(districts)), tolerance_m_(options.tolerance_m) {
  if (!(std::isfinite(options.tolerance_m) && options.tolerance_m >= 0.0)) {
    throw std::invalid_argument("JurisdictionIndex: tolerance_m must be finite and >= 0");
  }
  if (!(std::isfinite(options.cell_size_deg) && options.cell_size_deg > 0.0)) {
    throw std::invalid_argument("JurisdictionIndex: cell_size_deg must be finite and > 0");
  }
  if (options.max_cells == 0) {
    throw std::invalid_argument("JurisdictionIndex: max_cells must be > 0");
  }
  build(options);
}

void JurisdictionIndex::build(const JurisdictionIndexOptions& options) {
  check_fits(districts_.size(), "districts");
  stats_.districts = districts_.size();

  // Overlap order: lowest adcode wins, then the earlier district.
  district_of_rank_.resize(districts_.size());
  std::iota(district_of_rank_.begin(), district_of_rank_.end(), 0u);
  std::stable_sort(district_of_rank_.begin(), district_of_rank_.end(),
                   [&](std::uint32_t a, std::uint32_t b) {
                     return districts_[a].adcode < districts_[b].adcode;
                   });
  rank_of_district_.resize(districts_.size());
  for (std::uint32_t rank = 0; rank < district_of_rank_.size(); ++rank) {
    rank_of_district_[district_of_rank_[rank]] = rank;
  }

  // Flatten every usable ring into edges tagged with their polygon: parity is kept per polygon,
  // so a MultiPolygon is the union of its parts.
  std::vector<RawEdge> raw;
  std::vector<std::uint32_t> polygon_rank;
  for (std::size_t d = 0; d < districts_.size(); ++d) {
    for (const Polygon& polygon : districts_[d].area) {
      if (polygon.rings.empty()) continue;
      if (!usable(polygon.rings.front())) {
        // Holes without their exterior mean nothing.
        stats_.skipped_rings += polygon.rings.size();
        continue;
      }
      const auto id = static_cast<std::uint32_t>(polygon_rank.size());
      polygon_rank.push_back(rank_of_district_[d]);
      for (const Ring& ring : polygon.rings) {
        if (!usable(ring)) {
          ++stats_.skipped_rings;
          continue;
        }
        ++stats_.rings;
        // Rings may or may not repeat their first vertex; zero-length edges are dropped.
        for (std::size_t i = 0; i < ring.size(); ++i) {
          const LonLat a = ring[i];
          const LonLat b = ring[(i + 1) % ring.size()];
          if (a == b) continue;
          raw.push_back({a.lon, a.lat, b.lon, b.lat, id});
          extent_.expand(a);
          extent_.expand(b);
        }
      }
      check_fits(polygon_rank.size(), "polygons");
    }
  }
  check_fits(raw.size(), "edges");
  stats_.polygons = polygon_rank.size();
  stats_.edges = raw.size();
  if (raw.empty()) return;

  // Grid: cells a whole number of quanta wide, origin half a quantum below the lattice.
  const double max_abs = std::max({std::abs(extent_.min_lon), std::abs(extent_.max_lon),
                                   std::abs(extent_.min_lat), std::abs(extent_.max_lat), 1.0});
  double size = std::max(1.0, std::round(options.cell_size_deg / kQuantum)) * kQuantum;
  // Cells narrower than the coordinates can resolve would collapse grid lines onto each other.
  size = std::max(size, std::ceil(std::ldexp(max_abs, -32) / kQuantum) * kQuantum);
  origin_lon_ = std::floor(extent_.min_lon / kQuantum) * kQuantum - kHalfQuantum;
  origin_lat_ = std::floor(extent_.min_lat / kQuantum) * kQuantum - kHalfQuantum;
  double columns = 0.0;
  double rows = 0.0;
  for (;;) {
    columns = std::floor((extent_.max_lon - origin_lon_) / size) + 1.0;
    rows = std::floor((extent_.max_lat - origin_lat_) / size) + 1.0;
    const double cells = columns * rows;
    if (cells <= static_cast<double>(options.max_cells)) break;
    size = std::ceil(size * std::sqrt(cells / static_cast<double>(options.max_cells)) * 1.01 /
                     kQuantum) *
           kQuantum;
  }
  columns_ = static_cast<std::size_t>(columns);
  rows_ = static_cast<std::size_t>(rows);
  // The last line must lie strictly beyond the extent so that every vertex is in a cell.
  while (origin_lon_ + static_cast<double>(columns_) * size <= extent_.max_lon) ++columns_;
  while (origin_lat_ + static_cast<double>(rows_) * size <= extent_.max_lat) ++rows_;
  check_fits(columns_ * rows_, "grid cells");
  cell_size_ = size;
  column_lines_.resize(columns_ + 1);
  row_lines_.resize(rows_ + 1);
  for (std::size_t i = 0; i <= columns_; ++i) {
    column_lines_[i] = origin_lon_ + static_cast<double>(i) * size;
  }
  for (std::size_t j = 0; j <= rows_; ++j) {
    row_lines_[j] = origin_lat_ + static_cast<double>(j) * size;
  }
  stats_.columns = columns_;
  stats_.rows = rows_;
  stats_.cells = columns_ * rows_;
  stats_.cell_size_deg = size;

  const auto column_of = [&](double lon) {
    return interval_of(column_lines_, origin_lon_, cell_size_, lon);
  };
  const auto row_of = [&](double lat) {
    return interval_of(row_lines_, origin_lat_, cell_size_, lat);
  };

  // Which cells each edge touches. Membership only has to be a superset of the cells whose
  // exact tests can see the edge, so the slabs are widened by a margin far above rounding error.
  const double margin = 1e-9 * max_abs;
  std::vector<CellEdge> cell_edges;
  cell_edges.reserve(raw.size() * 3);
  std::vector<Crossing> crossings;
  for (std::uint32_t e = 0; e < raw.size(); ++e) {
    const RawEdge& edge = raw[e];
    const std::uint32_t rank = polygon_rank[edge.polygon];
    const double min_x = std::min(edge.ax, edge.bx);
    const double max_x = std::max(edge.ax, edge.bx);
    const double min_y = std::min(edge.ay, edge.by);
    const double max_y = std::max(edge.ay, edge.by);
    const std::size_t first_column = column_of(min_x - margin);
    const std::size_t last_column = column_of(max_x + margin);
    for (std::size_t c = first_column; c <= last_column; ++c) {
      const double left = std::max(min_x, column_lines_[c] - margin);
      const double right = std::min(max_x, column_lines_[c + 1] + margin);
      double low = min_y;
      double high = max_y;
      if (edge.ax != edge.bx && left <= right) {
        const double slope = (edge.by - edge.ay) / (edge.bx - edge.ax);
        const double y_left = std::clamp(edge.ay + (left - edge.ax) * slope, min_y, max_y);
        const double y_right = std::clamp(edge.ay + (right - edge.ax) * slope, min_y, max_y);
        // A near-vertical edge can overflow the slope; then its whole latitude range will do.
        if (std::isfinite(y_left) && std::isfinite(y_right)) {
          low = std::min(y_left, y_right);
          high = std::max(y_left, y_right);
        }
      }
      const std::size_t first_row = row_of(low - margin);
      const std::size_t last_row = row_of(high + margin);
      for (std::size_t r = first_row; r <= last_row; ++r) {
        cell_edges.push_back(
            {static_cast<std::uint32_t>(r * columns_ + c), rank, edge.polygon, e, kInfinity});
      }
    }
    // Crossings of the column lines (each cell's right line is line column + 1).
    const std::size_t first_line = std::max<std::size_t>(1, column_of(min_x));
    const std::size_t last_line = std::min(columns_, column_of(max_x) + 1);
    for (std::size_t k = first_line; k <= last_line; ++k) {
      const double x = column_lines_[k];
      if (!straddles_column(edge.ax, edge.bx, x)) continue;
      const double y = crossing_lat(edge, x);
      const std::size_t r = row_of(y);
      // A query counts this crossing when it lies below the query's latitude, and also when it
      // is exactly level with it on an edge of non-negative slope: both legs of the path are
      // then judged as for the point nudged up by ε and the line nudged left by δ >> ε, which is
      // what the horizontal leg's half-open rule and ordinary ray casting amount to. Storing the
      // next lower double turns "<=" into the "<" the query tests.
      const double dy = edge.by - edge.ay;
      const bool non_negative_slope = dy == 0.0 || ((dy > 0.0) == (edge.bx > edge.ax));
      const double right_y = non_negative_slope ? std::nextafter(y, -kInfinity) : y;
      crossings.push_back(
          {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(r), edge.polygon});
      // The cell the crossing falls in must hold the edge with this exact latitude, so that the
      // query counts precisely the crossings the corner parity left out.
      cell_edges.push_back(
          {static_cast<std::uint32_t>(r * columns_ + k - 1), rank, edge.polygon, e, right_y});
    }
  }
  stats_.crossings = crossings.size();

  // Pack boundary cells: candidates ascend by rank so a query can stop at the first hit.
  std::sort(cell_edges.begin(), cell_edges.end());
  check_fits(cell_edges.size(), "cell edges");
  cells_.assign(columns_ * rows_, 0);
  std::vector<std::uint32_t> candidate_polygon;  // build-time only: parity is per polygon
  for (std::size_t i = 0; i < cell_edges.size();) {
    const CellEdge& first = cell_edges[i];
    const bool new_cell = i == 0 || cell_edges[i - 1].cell != first.cell;
    if (new_cell) {
      cells_[first.cell] = kBoundaryBit | static_cast<std::uint32_t>(boundary_cells_.size());
      boundary_cells_.push_back({static_cast<std::uint32_t>(candidates_.size()), 0, kNoRank});
    }
    const bool new_candidate = new_cell || cell_edges[i - 1].polygon != first.polygon;
    if (new_candidate) {
      candidates_.push_back({first.rank, static_cast<std::uint32_t>(edges_.size()), 0, 0});
      candidate_polygon.push_back(first.polygon);
      ++boundary_cells_.back().candidate_count;
    }
    // Duplicates of one edge in one cell are adjacent; the sort put a finite right_y first.
    const RawEdge& edge = raw[first.edge];
    edges_.push_back({edge.ax, edge.ay, edge.bx, edge.by, first.right_y});
    ++candidates_.back().edge_count;
    std::size_t next = i + 1;
    while (next < cell_edges.size() && cell_edges[next].cell == first.cell &&
           cell_edges[next].edge == first.edge) {
      ++next;
    }
    i = next;
  }
  stats_.boundary_cells = boundary_cells_.size();
  stats_.cell_edges = edges_.size();

  // Walk each column line upwards, toggling polygon parities at its crossings: the parity at a
  // cell's bottom-right corner resolves edge-free cells outright and seeds boundary cells.
  std::sort(crossings.begin(), crossings.end());
  std::vector<std::uint8_t> parity(polygon_rank.size(), 0);
  std::vector<std::uint32_t> odd;  // polygons with odd parity; rarely more than one
  const auto toggle = [&](std::uint32_t polygon) {
    parity[polygon] ^= 1u;
    if (parity[polygon] != 0) {
      odd.push_back(polygon);
    } else {
      *std::find(odd.begin(), odd.end(), polygon) = odd.back();
      odd.pop_back();
    }
  };
  for (std::size_t i = 0; i < crossings.size();) {
    const std::uint32_t line = crossings[i].line;
    const std::size_t column = line - 1;
    for (std::size_t row = 0; row < rows_; ++row) {
      while (i < crossings.size() && crossings[i].line == line && crossings[i].row < row) {
        toggle(crossings[i].polygon);
        ++i;
      }
      const std::uint32_t cell = cells_[row * columns_ + column];
      if ((cell & kBoundaryBit) != 0) {
        BoundaryCell& boundary = boundary_cells_[cell & ~kBoundaryBit];
        const std::uint32_t end = boundary.first_candidate + boundary.candidate_count;
        for (std::uint32_t c = boundary.first_candidate; c < end; ++c) {
          candidates_[c].corner_parity = parity[candidate_polygon[c]];
        }
        // A polygon containing the corner but with no edge in the cell covers the whole cell.
        for (std::uint32_t polygon : odd) {
          const auto begin_it = candidate_polygon.begin() + boundary.first_candidate;
          const auto end_it = candidate_polygon.begin() + end;
          if (std::find(begin_it, end_it, polygon) == end_it) {
            boundary.covering_rank = std::min(boundary.covering_rank, polygon_rank[polygon]);
          }
        }
      } else {
        std::uint32_t best = kNoRank;
        for (std::uint32_t polygon : odd) best = std::min(best, polygon_rank[polygon]);
        cells_[row * columns_ + column] = best == kNoRank ? 0 : best + 1;
      }
    }
    // The top row's crossings close every ring (a closed ring crosses a line an even number of
    // times), so the next line starts from even parity.
    while (i < crossings.size() && crossings[i].line == line) ++i;
    for (std::uint32_t polygon : odd) parity[polygon] = 0;
    odd.clear();
  }
}

bool JurisdictionIndex::cell_of(LonLat point, std::size_t& column, std::size_t& row) const {
  if (columns_ == 0) return false;
  if (!(point.lon >= column_lines_.front() && point.lon < column_lines_.back() &&
        point.lat >= row_lines_.front() && point.lat < row_lines_.back())) {
    return false;
  }
  column = interval_of(column_lines_, origin_lon_, cell_size_, point.lon);
  row = interval_of(row_lines_, origin_lat_, cell_size_, point.lat);
  return true;
}

std::uint32_t JurisdictionIndex::inside_rank(LonLat point, std::size_t column,
                                             std::size_t row) const {
  const std::uint32_t cell = cells_[row * columns_ + column];
  if ((cell & kBoundaryBit) == 0) return cell == 0 ? kNoRank : cell - 1;

  // Crossings of the path from the point right to the cell's right line x = right, then down
  // that line: the corner parity counts the line below the cell, the cell's edges the rest.
  const BoundaryCell& boundary = boundary_cells_[cell & ~kBoundaryBit];
  const double right = column_lines_[column + 1];
  const double x = point.lon;
  const double y = point.lat;
  const Candidate* candidate = candidates_.data() + boundary.first_candidate;
  const Candidate* const end = candidate + boundary.candidate_count;
  for (; candidate != end && candidate->rank < boundary.covering_rank; ++candidate) {
    std::uint32_t parity = candidate->corner_parity;
    const Edge* edge = edges_.data() + candidate->first_edge;
    const Edge* const edges_end = edge + candidate->edge_count;
    for (; edge != edges_end; ++edge) {
      if (edge->right_y < y) parity ^= 1u;
      // Half-open rule for the horizontal leg: an endpoint exactly at y counts as below it.
      // A crossing exactly on the right line belongs to the vertical leg (see the build).
      if ((edge->ay > y) != (edge->by > y)) {
        const double crossing_x =
            edge->ax + (y - edge->ay) * (edge->bx - edge->ax) / (edge->by - edge->ay);
        if (crossing_x > x && crossing_x < right) parity ^= 1u;
      }
    }
    if (parity != 0) return candidate->rank;
  }
  return boundary.covering_rank;
}

JurisdictionMatch JurisdictionIndex::nearest(LonLat point) const {
  if (columns_ == 0) return {};
  const MetresPerDegree scale = metres_per_degree(point.lat);
  // Near the poles a degree of longitude shrinks to nothing; the grid clamps the window anyway.
  const double kx = std::max(scale.lon, 1e-3);
  const double ky = scale.lat;
  // The metric is exactly this scaled plane, so this window holds every edge within tolerance;
  // the factor only absorbs rounding.
  const double half_lon = tolerance_m_ / kx * (1.0 + 1e-9);
  const double half_lat = tolerance_m_ / ky * (1.0 + 1e-9);
  const double west = point.lon - half_lon;
  const double east = point.lon + half_lon;
  const double south = point.lat - half_lat;
  const double north = point.lat + half_lat;
  if (east < column_lines_.front() || west >= column_lines_.back() || north < row_lines_.front() ||
      south >= row_lines_.back()) {
    return {};
  }
  const std::size_t first_column = interval_of(column_lines_, origin_lon_, cell_size_, west);
  const std::size_t last_column = interval_of(column_lines_, origin_lon_, cell_size_, east);
  const std::size_t first_row = interval_of(row_lines_, origin_lat_, cell_size_, south);
  const std::size_t last_row = interval_of(row_lines_, origin_lat_, cell_size_, north);

  // The nearest border point lies on an edge, and every edge is in a boundary cell.
  double best_distance2 = kInfinity;
  std::uint32_t best_rank = kNoRank;
  for (std::size_t row = first_row; row <= last_row; ++row) {
    for (std::size_t column = first_column; column <= last_column; ++column) {
      const std::uint32_t cell = cells_[row * columns_ + column];
      if ((cell & kBoundaryBit) == 0) continue;
      const BoundaryCell& boundary = boundary_cells_[cell & ~kBoundaryBit];
      const Candidate* candidate = candidates_.data() + boundary.first_candidate;
      const Candidate* const end = candidate + boundary.candidate_count;
      for (; candidate != end; ++candidate) {
        const Edge* edge = edges_.data() + candidate->first_edge;
        const Edge* const edges_end = edge + candidate->edge_count;
        for (; edge != edges_end; ++edge) {
          const double distance2 =
              segment_distance2((edge->ax - point.lon) * kx, (edge->ay - point.lat) * ky,
                                (edge->bx - point.lon) * kx, (edge->by - point.lat) * ky);
          if (distance2 < best_distance2 ||
              (distance2 == best_distance2 && candidate->rank < best_rank)) {
            best_distance2 = distance2;
            best_rank = candidate->rank;
          }
        }
      }
    }
  }
  if (best_rank == kNoRank || best_distance2 > tolerance_m_ * tolerance_m_) return {};
  return match(JurisdictionMatch::Kind::nearest, best_rank, std::sqrt(best_distance2));
}

JurisdictionMatch JurisdictionIndex::match(JurisdictionMatch::Kind kind, std::uint32_t rank,
                                           double distance_m) const {
  JurisdictionMatch result;
  result.kind = kind;
  result.index = district_of_rank_[rank];
  result.district = &districts_[result.index];
  result.distance_m = distance_m;
  return result;
}

JurisdictionMatch JurisdictionIndex::locate(LonLat point) const {
  if (!is_finite(point)) return {};
  std::size_t column = 0;
  std::size_t row = 0;
  if (cell_of(point, column, row)) {
    const std::uint32_t rank = inside_rank(point, column, row);
    if (rank != kNoRank) return match(JurisdictionMatch::Kind::inside, rank, 0.0);
  }
  return nearest(point);
}

}  // namespace quanyu::gis
