#pragma once
/// Scenario: a deterministic generator of realistic Chongqing observation streams for demos and
/// load, built over the sensor layers (fire tower cameras, security cameras, water gauges). It
/// keeps its own simulated clock: next() is handed the time to stamp on the observations and how
/// many simulated seconds have passed, and never reads a clock or touches a socket. The same
/// layers, seed and start give the same observations, whatever steps the time is handed in
/// (only observedAt follows the steps).
///
/// The mix, in shares of the configured mean rate (renormalised over the kinds the layers have):
///
/// - 50% smoke detections from fire tower cameras. 80% of them come from real fires: fires
///   ignite as a Poisson process at a random point 2–8 km from a random tower (inside the
///   jurisdiction; towards a neighbouring tower when the fire should be seen by several), burn
///   10–40 simulated minutes and are seen by 1–3 towers (the tower it started near, and towers
///   within twice their viewing radius, which start seeing the plume once it has grown, at
///   15–45% of the fire's life). Each detection carries the geodesic azimuth from its tower
///   (σ 0.5°), the distance (σ 4%), a confidence rising 0.5 → 0.95 over the fire's life (σ 0.03),
///   an elevation below the horizon and flame=true late (after 55–80% of the life, within the
///   tower's viewing radius). About 30 simulated seconds pass between a fire's detections, so the
///   number of fires burning at once is about 30 s × the fire-detection rate, kept within 1..12;
///   at higher rates each fire is reported more often instead. The scenario starts in that
///   steady state (the fires lit in the 40 minutes before the start are burning), plus one fire
///   that ignites within the first simulated minute, so a demo shows one at once.
///   The other 20% are false detections (dust 扬尘, cloud 云雾): single, isolated, confidence
///   0.3–0.6, random azimuth and distance; clouds above the horizon.
/// - 20% camera alarms from security cameras: intrusion, line crossing, loitering, crowd, video
///   loss with priorities 1–4; 30% repeat an alarm of the last 5 simulated minutes on the same
///   camera; 10% are smoke/fire alarms of a camera within 5 km of a burning fire (when there is
///   one).
/// - 30% gauge readings: every gauge reports every n_gauges / gauge-rate simulated seconds (±5%;
///   about 4 minutes at --rate 20 --time-scale 60). Up to three gauges run flood waves: they rise
///   from 0.2–0.6 m below warning at 0.2–0.6 m/h, crest (a minor wave 0.6–1.2 m over warning, a
///   major one halfway to three quarters of the way to guarantee, an extreme one over guarantee),
///   hold the crest for a while and fall at 60–100% of the rise rate back below warning, then
///   rest 3–8 simulated hours before the next wave. The minor wave starts within the first 10
///   simulated minutes and is back below warning within about 10 simulated hours. The other
///   gauges fluctuate 0.8–2.5 m below warning (tides of 0.05–0.2 m over 3–12 hours, σ 1 cm).
///
/// Every observation has id "sim-<seed>-<start unix seconds>-<n>" (n counts from 0, so a rerun
/// with a new start is not taken for duplicates), source "sim:<sensor id>" and observedAt = the
/// time handed to next(). Position is left out: the server takes it from the sensor registry, and
/// for a smoke detection projects it along azimuthDeg and distanceM from the tower. Gauge
/// thresholds are left out too (the sensor layer has them).

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "gis/layers/layer_set.hpp"
#include "quanyu/v1/observation.pb.h"

namespace quanyu::server::sim {

struct ScenarioOptions {
  std::uint64_t seed = 1;
  /// Mean observations per simulated second, over all kinds. Must be finite and > 0.
  double rate_per_s = 20.0;
  /// Identifies the run: part of every id. Does not change the story the seed tells.
  google::protobuf::Timestamp start;
};

/// What the scenario has produced so far, by kind.
struct ScenarioStats {
  std::uint64_t observations = 0;
  std::uint64_t smoke_detections = 0;    ///< all of them, false ones included
  std::uint64_t false_detections = 0;    ///< dust and cloud
  std::uint64_t fires_started = 0;       ///< including those burning at the start
  std::uint64_t camera_alarms = 0;       ///< all of them
  std::uint64_t camera_repeats = 0;      ///< repeats of a recent alarm on the same camera
  std::uint64_t camera_fire_alarms = 0;  ///< smoke/fire alarms near a burning fire
  std::uint64_t gauge_readings = 0;
  std::uint64_t flood_waves_started = 0;
};

class Scenario {
 public:
  /// Reads the sensors of every sensor layer (field "kind": fire_tower_camera, security_camera,
  /// water_gauge; towers' "viewRadiusM" and "mastHeightM", gauges' "warningLevelM" and
  /// "guaranteeLevelM"). `layers` must outlive the scenario. Throws std::invalid_argument when
  /// the rate is not a positive number or the layers have none of those sensors.
  Scenario(const gis::LayerSet& layers, const ScenarioOptions& options);
  ~Scenario();
  Scenario(const Scenario&) = delete;
  Scenario& operator=(const Scenario&) = delete;

  /// Advances the simulated clock by `seconds_elapsed` and returns the observations due in that
  /// interval, in order, each stamped `now`. A non-positive or non-finite interval yields none.
  std::vector<v1::Observation> next(const google::protobuf::Timestamp& now, double seconds_elapsed);

  /// Simulated seconds since the start.
  double simulated_s() const;
  /// Fires burning at the current simulated time.
  std::size_t fires_burning() const;
  /// Gauges whose last reading was at or above their warning level.
  std::size_t gauges_above_warning() const;
  const ScenarioStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::server::sim
