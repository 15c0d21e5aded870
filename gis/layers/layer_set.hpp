#pragma once
/// All configured layers of a deployment, loaded once at start-up, with the indexes built over
/// them: districts (jurisdiction), nearest resources, nearest sensitive sites, and the sensor
/// registry. Immutable after load(), so any number of threads may query it at once.

#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gis/index/jurisdiction_index.hpp"
#include "gis/index/nearest_index.hpp"
#include "gis/layers/layer_loader.hpp"

namespace quanyu::gis {

struct LayerSetOptions {
  double jurisdiction_tolerance_m = 500.0;
};

class LayerSet {
 public:
  /// Loads every layer and builds the indexes, logging one line per step with its duration.
  /// Throws LayerError on a layer that cannot be used (missing file, field, wrong geometry).
  static std::unique_ptr<const LayerSet> load(const std::vector<LayerSpec>& specs,
                                              const LayerSetOptions& options);

  const std::vector<Layer>& layers() const { return layers_; }
  const Layer* find(std::string_view name) const;
  const Layer& jurisdiction_layer() const { return layers_[jurisdiction_layer_]; }

  const JurisdictionIndex& jurisdiction() const { return *jurisdiction_; }
  /// Point features of every `resource` layer.
  const NearestIndex& resources() const { return *resources_; }
  /// Point features of every `sensitive` layer.
  const NearestIndex& sensitive() const { return *sensitive_; }

  /// A sensor of any `sensor` layer by its id, with the layer it belongs to; nullptr if unknown.
  struct SensorRef {
    const Layer* layer;
    const Feature* feature;
  };
  const SensorRef* sensor(std::string_view id) const;
  /// The id of the sensor whose `stationCode` (an SL 651 station address) is `station_code`,
  /// or nullptr.
  const std::string* sensor_by_station(std::string_view station_code) const;

  /// A point inside the district with this adcode (deterministic), or nullopt when no district
  /// has it.
  std::optional<LonLat> district_point(std::string_view adcode) const;

 private:
  LayerSet() = default;

  std::vector<Layer> layers_;
  std::size_t jurisdiction_layer_ = 0;
  std::unique_ptr<JurisdictionIndex> jurisdiction_;
  std::unique_ptr<NearestIndex> resources_;
  std::unique_ptr<NearestIndex> sensitive_;
  std::unordered_map<std::string, SensorRef> sensors_;
  std::unordered_map<std::string, std::string> stations_;    ///< stationCode -> sensor id
  std::unordered_map<std::string, LonLat> district_points_;  ///< adcode -> a point inside it
};

}  // namespace quanyu::gis
