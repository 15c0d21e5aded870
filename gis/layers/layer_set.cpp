#include "gis/layers/layer_set.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <limits>

namespace quanyu::gis {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string field_text(const Layer& layer, const Feature& feature, const char* logical) {
  const PropertyValue* value = layer.field(feature, logical);
  return value == nullptr ? std::string() : to_text(*value);
}

/// The point features of every layer with `role`, as sites for a NearestIndex.
std::vector<Site> sites_of(const std::vector<Layer>& layers, LayerRole role) {
  std::vector<Site> sites;
  for (const auto& layer : layers) {
    if (layer.role != role) continue;
    for (const auto& feature : layer.features) {
      const auto* point = std::get_if<LonLat>(&feature.geometry);
      if (point == nullptr) continue;  // areas (e.g. a chemical park outline) are display-only
      sites.push_back({feature.id, field_text(layer, feature, "name"),
                       field_text(layer, feature, "kind"), layer.name, *point});
    }
  }
  return sites;
}

}  // namespace

std::unique_ptr<const LayerSet> LayerSet::load(const std::vector<LayerSpec>& specs,
                                               const LayerSetOptions& options) {
  std::unique_ptr<LayerSet> set(new LayerSet());
  set->layers_.reserve(specs.size());
  for (const auto& spec : specs) {
    const auto start = std::chrono::steady_clock::now();
    set->layers_.push_back(load_layer(spec));
    const Layer& layer = set->layers_.back();
    if (layer.role == LayerRole::jurisdiction) set->jurisdiction_layer_ = set->layers_.size() - 1;
    spdlog::info("layer {} ({}) loaded: {} features, {} repaired, {} skipped, {} ({:.1f} ms)",
                 layer.name, to_string(layer.role), layer.features.size(), layer.stats.repaired,
                 layer.stats.skipped, layer.source_crs, ms_since(start));
  }

  auto start = std::chrono::steady_clock::now();
  const Layer& districts_layer = set->jurisdiction_layer();
  std::vector<District> districts;
  districts.reserve(districts_layer.features.size());
  for (const auto& feature : districts_layer.features) {
    districts.push_back({field_text(districts_layer, feature, "adcode"),
                         field_text(districts_layer, feature, "name"),
                         std::get<MultiPolygon>(feature.geometry)});
  }
  JurisdictionIndexOptions jurisdiction_options;
  jurisdiction_options.tolerance_m = options.jurisdiction_tolerance_m;
  set->jurisdiction_ =
      std::make_unique<JurisdictionIndex>(std::move(districts), jurisdiction_options);

  // A point inside each district, for what names a district rather than a place (a published
  // warning with only an adcode): the centre of its bounding box when that lies inside it, else
  // the inside point of a 24 x 24 grid over the box nearest to that centre.
  for (const auto& district : set->jurisdiction_->districts()) {
    BBox box;
    for (const auto& polygon : district.area) {
      for (const auto& ring : polygon.rings) {
        for (const auto& p : ring) box.expand(p);
      }
    }
    if (box.empty()) continue;
    const LonLat centre{(box.min_lon + box.max_lon) / 2, (box.min_lat + box.max_lat) / 2};
    auto inside = [&](LonLat p) {
      const auto match = set->jurisdiction_->locate(p);
      return match.kind == JurisdictionMatch::Kind::inside &&
             match.district->adcode == district.adcode;
    };
    std::optional<LonLat> best;
    if (inside(centre)) {
      best = centre;
    } else {
      double best_d = std::numeric_limits<double>::infinity();
      constexpr int kGrid = 24;
      for (int i = 0; i < kGrid; ++i) {
        for (int j = 0; j < kGrid; ++j) {
          const LonLat p{box.min_lon + (box.max_lon - box.min_lon) * (i + 0.5) / kGrid,
                         box.min_lat + (box.max_lat - box.min_lat) * (j + 0.5) / kGrid};
          const double d = std::hypot(p.lon - centre.lon, p.lat - centre.lat);
          if (d < best_d && inside(p)) {
            best = p;
            best_d = d;
          }
        }
      }
    }
    if (best) set->district_points_.emplace(district.adcode, *best);
  }
  const auto& stats = set->jurisdiction_->stats();
  spdlog::info(
      "jurisdiction index built: {} districts, {} edges, {}x{} cells ({} on borders) ({:.1f} ms)",
      stats.districts, stats.edges, stats.columns, stats.rows, stats.boundary_cells,
      ms_since(start));

  start = std::chrono::steady_clock::now();
  set->resources_ = std::make_unique<NearestIndex>(sites_of(set->layers_, LayerRole::resource));
  set->sensitive_ = std::make_unique<NearestIndex>(sites_of(set->layers_, LayerRole::sensitive));
  for (const auto& layer : set->layers_) {
    if (layer.role != LayerRole::sensor) continue;
    for (const auto& feature : layer.features) {
      const auto [it, inserted] =
          set->sensors_.try_emplace(feature.id, SensorRef{&layer, &feature});
      if (!inserted) {
        spdlog::warn("sensor id '{}' appears in layers {} and {}: the first one is used",
                     feature.id, it->second.layer->name, layer.name);
      }
      if (const auto* code = layer.field(feature, "stationCode")) {
        const std::string text = to_text(*code);
        if (!text.empty() && !set->stations_.try_emplace(text, feature.id).second) {
          spdlog::warn("stationCode '{}' is given to sensors '{}' and '{}': the first one is used",
                       text, set->stations_.at(text), feature.id);
        }
      }
    }
  }
  spdlog::info("nearest indexes built: {} resources, {} sensitive sites, {} sensors ({:.1f} ms)",
               set->resources_->indexed(), set->sensitive_->indexed(), set->sensors_.size(),
               ms_since(start));
  return set;
}

const Layer* LayerSet::find(std::string_view name) const {
  for (const auto& layer : layers_) {
    if (layer.name == name) return &layer;
  }
  return nullptr;
}

const LayerSet::SensorRef* LayerSet::sensor(std::string_view id) const {
  const auto it = sensors_.find(std::string(id));
  return it == sensors_.end() ? nullptr : &it->second;
}

std::optional<LonLat> LayerSet::district_point(std::string_view adcode) const {
  const auto it = district_points_.find(std::string(adcode));
  if (it == district_points_.end()) return std::nullopt;
  return it->second;
}

const std::string* LayerSet::sensor_by_station(std::string_view station_code) const {
  const auto it = stations_.find(std::string(station_code));
  return it == stations_.end() ? nullptr : &it->second;
}

}  // namespace quanyu::gis
