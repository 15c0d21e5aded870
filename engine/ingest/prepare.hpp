#pragma once
/// Prepares an observation for the journal: validates every field against the rules and server
/// time, derives its id when the feed gave none, converts its position to lon/lat, completes it
/// from the sensor registry, and finds its district. Pure and thread-safe: the server runs it on
/// I/O threads for a whole request before anything of that request is submitted.

#include <cstdint>
#include <string>

#include "engine/core/rules.hpp"
#include "gis/geo/result.hpp"
#include "gis/layers/layer_set.hpp"
#include "quanyu/v1/observation.pb.h"

namespace quanyu::engine {

class Preparer {
 public:
  Preparer(const gis::LayerSet& layers, const EngineRules& rules);

  /// The observation ready to journal (location, district, received_at and, when absent, id
  /// filled in), or an error whose code says what kind of problem it is and whose message names
  /// the field (proto3 JSON name, e.g. "smokeDetection.confidence") and the offending value.
  Result<v1::Observation> prepare(v1::Observation observation, std::int64_t now_us) const;

  /// "d-" + 32 hex digits of SHA-256 over source, time and payload: the same report from the same
  /// feed always gets the same id, so a resend is recognised as a duplicate.
  static std::string derive_id(const v1::Observation& observation);

 private:
  const gis::LayerSet& layers_;
  const EngineRules& rules_;
};

}  // namespace quanyu::engine
