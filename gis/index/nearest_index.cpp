#include "gis/index/nearest_index.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

#include "gis/geo/geodesic.hpp"

namespace quanyu::gis {
namespace {

constexpr double kWgs84A = 6378137.0;
constexpr double kWgs84F = 1.0 / 298.257223563;
constexpr double kWgs84E2 = kWgs84F * (2.0 - kWgs84F);
constexpr double kDegToRad = std::numbers::pi / 180.0;

/// Up to this chord the spherical closed form stays within 3e-7 of Karney's geodesic; beyond it
/// the error grows with the square of the distance, so PROJ answers instead.
constexpr double kClosedFormMaxChordM = 200'000.0;

/// Small enough that a leaf fits a few cache lines, large enough to keep the tree shallow.
constexpr std::uint32_t kLeafSize = 8;

struct Ecef {
  double x, y, z;
};

Ecef to_ecef(LonLat p) {
  const double phi = p.lat * kDegToRad;
  const double lambda = p.lon * kDegToRad;
  const double sin_phi = std::sin(phi);
  const double cos_phi = std::cos(phi);
  const double n = kWgs84A / std::sqrt(1.0 - kWgs84E2 * sin_phi * sin_phi);
  return {n * cos_phi * std::cos(lambda), n * cos_phi * std::sin(lambda),
          n * (1.0 - kWgs84E2) * sin_phi};
}

bool indexable(LonLat p) { return is_finite(p) && std::abs(p.lat) <= 90.0; }

/// Surface distance for a chord between a and b (see the header for the error bound).
double arc_from_chord(double chord_m, LonLat a, LonLat b) {
  if (chord_m > kClosedFormMaxChordM) return geodesic_distance_m(a, b);
  const double sin_phi = std::sin((a.lat + b.lat) * 0.5 * kDegToRad);
  // Gaussian mean radius sqrt(M N) = a sqrt(1 - e²) / (1 - e² sin² phi).
  const double radius = kWgs84A * std::sqrt(1.0 - kWgs84E2) / (1.0 - kWgs84E2 * sin_phi * sin_phi);
  return 2.0 * radius * std::asin(std::min(1.0, chord_m / (2.0 * radius)));
}

}  // namespace

struct NearestIndex::Query {
  double x, y, z;
  std::size_t k;
  double radius_chord2;
  const SiteFilter* filter;
  std::vector<Best> heap;  ///< max-heap of the best so far, at most k entries

  double bound2() const { return heap.size() == k ? heap.front().chord2 : radius_chord2; }
};

NearestIndex::NearestIndex(std::vector<Site> sites) : sites_(std::move(sites)) {
  if (sites_.size() >= 0x80000000u) throw std::length_error("NearestIndex: too many sites");
  std::vector<std::uint32_t> by_id(sites_.size());
  std::iota(by_id.begin(), by_id.end(), 0u);
  std::stable_sort(by_id.begin(), by_id.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return sites_[a].id < sites_[b].id; });
  std::vector<std::uint32_t> order(sites_.size());
  for (std::uint32_t i = 0; i < by_id.size(); ++i) order[by_id[i]] = i;

  points_.reserve(sites_.size());
  for (std::uint32_t i = 0; i < sites_.size(); ++i) {
    if (!indexable(sites_[i].position)) continue;
    const Ecef e = to_ecef(sites_[i].position);
    points_.push_back({e.x, e.y, e.z, i, order[i]});
  }
  if (!points_.empty()) {
    nodes_.reserve(2 * points_.size() / kLeafSize + 2);
    build(0, static_cast<std::uint32_t>(points_.size()));
  }
}

std::uint32_t NearestIndex::build(std::uint32_t first, std::uint32_t last) {
  const auto id = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back({0.0, kLeaf, first, last, 0, 0});
  if (last - first <= kLeafSize) return id;

  // Split at the median of the axis with the widest spread.
  double low[3] = {points_[first].x, points_[first].y, points_[first].z};
  double high[3] = {low[0], low[1], low[2]};
  for (std::uint32_t i = first; i < last; ++i) {
    const double v[3] = {points_[i].x, points_[i].y, points_[i].z};
    for (int a = 0; a < 3; ++a) {
      low[a] = std::min(low[a], v[a]);
      high[a] = std::max(high[a], v[a]);
    }
  }
  std::uint32_t axis = 0;
  for (std::uint32_t a = 1; a < 3; ++a) {
    if (high[a] - low[a] > high[axis] - low[axis]) axis = a;
  }
  const auto coordinate = [axis](const Point& p) {
    return axis == 0 ? p.x : (axis == 1 ? p.y : p.z);
  };
  const std::uint32_t middle = first + (last - first) / 2;
  std::nth_element(points_.begin() + first, points_.begin() + middle, points_.begin() + last,
                   [&](const Point& a, const Point& b) { return coordinate(a) < coordinate(b); });
  const double split = coordinate(points_[middle]);
  const std::uint32_t left = build(first, middle);
  const std::uint32_t right = build(middle, last);
  nodes_[id] = {split, axis, first, last, left, right};
  return id;
}

void NearestIndex::search(std::uint32_t node_id, Query& query) const {
  const Node& node = nodes_[node_id];
  if (node.axis == kLeaf) {
    for (std::uint32_t i = node.first; i < node.last; ++i) {
      const Point& p = points_[i];
      const double dx = p.x - query.x;
      const double dy = p.y - query.y;
      const double dz = p.z - query.z;
      const Best candidate{dx * dx + dy * dy + dz * dz, p.order, i};
      if (candidate.chord2 > query.radius_chord2) continue;
      const bool full = query.heap.size() == query.k;
      if (full && !(candidate < query.heap.front())) continue;
      // The filter runs only for sites that would make the list, so a cheap query stays cheap.
      if (query.filter != nullptr && !(*query.filter)(sites_[p.site])) continue;
      if (full) {
        std::pop_heap(query.heap.begin(), query.heap.end());
        query.heap.back() = candidate;
      } else {
        query.heap.push_back(candidate);
      }
      std::push_heap(query.heap.begin(), query.heap.end());
    }
    return;
  }
  const double q = node.axis == 0 ? query.x : (node.axis == 1 ? query.y : query.z);
  const double diff = q - node.split;
  const std::uint32_t near_child = diff < 0.0 ? node.left : node.right;
  const std::uint32_t far_child = diff < 0.0 ? node.right : node.left;
  search(near_child, query);
  // Every point beyond the split is at least |diff| away; equality is still searched so that
  // ties resolve by id whatever the tree's shape.
  if (diff * diff <= query.bound2()) search(far_child, query);
}

std::vector<Neighbour> NearestIndex::nearest(LonLat point, std::size_t k, double radius_m,
                                             const SiteFilter& filter) const {
  std::vector<Neighbour> result;
  if (k == 0 || !(radius_m >= 0.0) || !indexable(point) || points_.empty()) return result;

  const Ecef e = to_ecef(point);
  Query query{e.x,
              e.y,
              e.z,
              std::min(k, points_.size()),
              // A chord is never longer than the surface distance, so this keeps every site
              // within the radius; the exact test follows on the winners.
              radius_m * radius_m,
              filter ? &filter : nullptr,
              {}};
  query.heap.reserve(query.k);
  search(0, query);

  // Ascending distance, then id (through the precomputed order) for equal distances.
  struct Ranked {
    Neighbour neighbour;
    std::uint32_t order;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(query.heap.size());
  for (const Best& best : query.heap) {
    const Point& p = points_[best.point];
    const double distance = arc_from_chord(std::sqrt(best.chord2), point, sites_[p.site].position);
    if (distance <= radius_m) ranked.push_back({{p.site, distance}, p.order});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    return a.neighbour.distance_m < b.neighbour.distance_m ||
           (a.neighbour.distance_m == b.neighbour.distance_m && a.order < b.order);
  });
  result.reserve(ranked.size());
  for (const Ranked& r : ranked) result.push_back(r.neighbour);
  return result;
}

double NearestIndex::distance_m(LonLat a, LonLat b) {
  const Ecef ea = to_ecef(a);
  const Ecef eb = to_ecef(b);
  const double dx = ea.x - eb.x;
  const double dy = ea.y - eb.y;
  const double dz = ea.z - eb.z;
  return arc_from_chord(std::sqrt(dx * dx + dy * dy + dz * dz), a, b);
}

}  // namespace quanyu::gis
