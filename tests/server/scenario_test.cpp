// The simulation scenario over the shipped demo sensors: deterministic, at the configured rate and
// mix, valid observations, fires that cluster, flood waves that come and go.
#include "server/sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "gis/geo/geodesic.hpp"
#include "gtest_include.hpp"
#include "server/config/config.hpp"
#include "test_support.hpp"

namespace quanyu::server::sim {
namespace {

constexpr std::int64_t kStart = 1'795'400'000;  // 2026-11-22, an ordinary evening in Chongqing

google::protobuf::Timestamp at(double simulated_s) {
  google::protobuf::Timestamp t;
  const double whole = std::floor(simulated_s);
  t.set_seconds(kStart + static_cast<std::int64_t>(whole));
  t.set_nanos(static_cast<std::int32_t>(std::round((simulated_s - whole) * 1e9)) % 1'000'000'000);
  return t;
}

double seconds_since_start(const google::protobuf::Timestamp& t) {
  return static_cast<double>(t.seconds() - kStart) + t.nanos() * 1e-9;
}

class ScenarioTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Config config = load_config(test::config_dir() + "/quanyu.yaml");
    layers_ = gis::LayerSet::load(config.layers, {config.gis.jurisdiction_tolerance_m}).release();
  }
  static void TearDownTestSuite() { delete layers_; }

  static ScenarioOptions options(std::uint64_t seed, double rate, std::int64_t start = kStart) {
    ScenarioOptions o;
    o.seed = seed;
    o.rate_per_s = rate;
    o.start.set_seconds(start);
    return o;
  }

  /// Runs a scenario for `duration_s` simulated seconds in steps of `step_s`, stamping each step
  /// with the simulated time at its end.
  static std::vector<v1::Observation> run(Scenario& scenario, double duration_s, double step_s) {
    std::vector<v1::Observation> all;
    for (double t = step_s; t <= duration_s + 1e-9; t += step_s) {
      auto due = scenario.next(at(t), step_s);
      all.insert(all.end(), due.begin(), due.end());
    }
    return all;
  }

  static std::vector<std::string> serialized(const std::vector<v1::Observation>& observations,
                                             bool keep_id = true, bool keep_time = true) {
    std::vector<std::string> out;
    for (auto o : observations) {
      if (!keep_id) o.clear_id();
      if (!keep_time) o.clear_observed_at();
      out.push_back(o.SerializeAsString());
    }
    return out;
  }

  static std::string kind_of(const std::string& sensor_id) {
    const auto* sensor = layers_->sensor(sensor_id);
    if (sensor == nullptr) return "";
    const auto* kind = sensor->layer->field(*sensor->feature, "kind");
    return kind != nullptr ? gis::to_text(*kind) : "";
  }

  static double number(const std::string& sensor_id, const char* field) {
    const auto* sensor = layers_->sensor(sensor_id);
    return gis::to_number(*sensor->layer->field(*sensor->feature, field)).value();
  }

  static const gis::LayerSet* layers_;
};

const gis::LayerSet* ScenarioTest::layers_ = nullptr;

TEST_F(ScenarioTest, SameSeedAndStartGiveTheSameObservations) {
  Scenario a(*layers_, options(7, 1.0));
  Scenario b(*layers_, options(7, 1.0));
  const auto first = run(a, 7200, 10);
  const auto second = run(b, 7200, 10);
  ASSERT_GT(first.size(), 5000U);
  EXPECT_EQ(serialized(first), serialized(second));

  // Another seed tells another story, not only other ids.
  Scenario c(*layers_, options(8, 1.0));
  EXPECT_NE(serialized(first, false), serialized(run(c, 7200, 10), false));

  // Another start gives other ids (so a rerun is not taken for duplicates), the same story.
  Scenario d(*layers_, options(7, 1.0, kStart + 3600));
  const auto later = run(d, 7200, 10);
  EXPECT_EQ(serialized(first, false), serialized(later, false));
  EXPECT_EQ(first.front().id(), "sim-7-" + std::to_string(kStart) + "-0");
  EXPECT_EQ(later.front().id(), "sim-7-" + std::to_string(kStart + 3600) + "-0");
}

TEST_F(ScenarioTest, StepsDoNotChangeTheStory) {
  Scenario even(*layers_, options(3, 2.0));
  Scenario uneven(*layers_, options(3, 2.0));
  const auto a = run(even, 3600, 1);
  std::vector<v1::Observation> b;
  double t = 0.0;
  for (int i = 0; t < 3600.0; ++i) {
    const double step = std::min(3600.0 - t, 0.37 + (i * 7919 % 97));
    t += step;
    auto due = uneven.next(at(t), step);
    b.insert(b.end(), due.begin(), due.end());
  }
  EXPECT_EQ(serialized(a, true, false), serialized(b, true, false));
  EXPECT_NEAR(uneven.simulated_s(), 3600.0, 1e-6);
}

TEST_F(ScenarioTest, MeanRateAndMixOverALongWindow) {
  constexpr double kRate = 2.0;
  constexpr double kDuration = 24 * 3600.0;
  Scenario scenario(*layers_, options(11, kRate));
  const auto all = run(scenario, kDuration, 60);
  std::map<v1::Observation::PayloadCase, double> count;
  for (const auto& o : all) ++count[o.payload_case()];
  const auto total = static_cast<double>(all.size());
  EXPECT_NEAR(total / (kRate * kDuration), 1.0, 0.05);
  EXPECT_NEAR(count[v1::Observation::kSmokeDetection] / total, 0.5, 0.05);
  EXPECT_NEAR(count[v1::Observation::kCameraAlarm] / total, 0.2, 0.03);
  EXPECT_NEAR(count[v1::Observation::kGaugeReading] / total, 0.3, 0.02);

  const auto& stats = scenario.stats();
  EXPECT_EQ(stats.observations, all.size());
  EXPECT_EQ(stats.smoke_detections, count[v1::Observation::kSmokeDetection]);
  EXPECT_NEAR(
      static_cast<double>(stats.false_detections) / static_cast<double>(stats.smoke_detections),
      0.2, 0.03);
  EXPECT_GT(stats.fires_started, 100U);
  EXPECT_GT(stats.camera_repeats, 0U);
  EXPECT_GT(stats.camera_fire_alarms, 0U);
  EXPECT_GE(stats.flood_waves_started, 3U);
}

TEST_F(ScenarioTest, StartsInTheSteadyState) {
  // Fires lit before the start are burning at once, so the first minutes run at the full rate
  // (give or take how many fires happen to burn: a Poisson number, 12 on average at this rate).
  Scenario scenario(*layers_, options(12, 2.0));
  EXPECT_GE(scenario.fires_burning(), 5U);
  const auto first = run(scenario, 600, 10);
  std::size_t smoke = 0;
  for (const auto& o : first) smoke += o.has_smoke_detection() ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(first.size()) / 1200.0, 1.0, 0.35);
  EXPECT_NEAR(static_cast<double>(smoke) / static_cast<double>(first.size()), 0.5, 0.15);
}

TEST_F(ScenarioTest, EveryObservationIsValid) {
  Scenario scenario(*layers_, options(5, 1.0));
  std::set<std::string> ids;
  std::set<std::string> towers;
  std::set<std::string> cameras;
  std::set<std::string> gauges;
  const std::string prefix = "sim-5-" + std::to_string(kStart) + "-";
  for (double t = 7.5; t <= 6 * 3600.0; t += 7.5) {
    const auto now = at(t);
    for (const auto& o : scenario.next(now, 7.5)) {
      SCOPED_TRACE(o.DebugString());
      EXPECT_TRUE(ids.insert(o.id()).second);
      EXPECT_EQ(o.id().rfind(prefix, 0), 0U);
      EXPECT_EQ(o.observed_at().seconds(), now.seconds());
      EXPECT_EQ(o.observed_at().nanos(), now.nanos());
      EXPECT_FALSE(o.has_position());
      switch (o.payload_case()) {
        case v1::Observation::kSmokeDetection: {
          const auto& s = o.smoke_detection();
          EXPECT_EQ(kind_of(s.tower_id()), "fire_tower_camera");
          EXPECT_EQ(o.source(), "sim:" + s.tower_id());
          EXPECT_TRUE(s.confidence() >= 0.0 && s.confidence() <= 1.0);
          EXPECT_TRUE(s.azimuth_deg() >= 0.0 && s.azimuth_deg() < 360.0);
          EXPECT_TRUE(s.distance_m() > 0.0 && s.distance_m() <= 60'000.0);
          EXPECT_TRUE(std::isfinite(s.elevation_deg()) && std::abs(s.elevation_deg()) < 90.0);
          towers.insert(s.tower_id());
          break;
        }
        case v1::Observation::kCameraAlarm: {
          const auto& a = o.camera_alarm();
          EXPECT_EQ(kind_of(a.camera_id()), "security_camera");
          EXPECT_EQ(o.source(), "sim:" + a.camera_id());
          EXPECT_NE(a.type(), v1::CameraAlarm::TYPE_UNSPECIFIED);
          EXPECT_TRUE(a.priority() >= 1 && a.priority() <= 4);
          EXPECT_TRUE(a.confidence() >= 0.0 && a.confidence() <= 1.0);
          EXPECT_FALSE(a.description().empty());
          cameras.insert(a.camera_id());
          break;
        }
        case v1::Observation::kGaugeReading: {
          const auto& g = o.gauge_reading();
          EXPECT_EQ(kind_of(g.gauge_id()), "water_gauge");
          EXPECT_EQ(o.source(), "sim:" + g.gauge_id());
          const double warning = number(g.gauge_id(), "warningLevelM");
          const double guarantee = number(g.gauge_id(), "guaranteeLevelM");
          EXPECT_TRUE(std::isfinite(g.water_level_m()));
          EXPECT_GT(g.water_level_m(), warning - 3.0);
          EXPECT_LT(g.water_level_m(), guarantee + 1.0);
          EXPECT_TRUE(std::isfinite(g.rainfall_mm()) && g.rainfall_mm() >= 0.0);
          EXPECT_TRUE(g.battery_v() > 11.0 && g.battery_v() < 14.0);
          EXPECT_EQ(g.warning_level_m(), 0.0);  // the server takes it from the sensor layer
          gauges.insert(g.gauge_id());
          break;
        }
        case v1::Observation::kPublishedWarning:
          ADD_FAILURE() << "the simulator does not publish warnings";
          break;
        case v1::Observation::PAYLOAD_NOT_SET:
          ADD_FAILURE() << "no payload";
          break;
      }
    }
  }
  EXPECT_GT(ids.size(), 15'000U);
  EXPECT_GT(towers.size(), 25U);   // of 37
  EXPECT_GT(cameras.size(), 35U);  // of 40
  EXPECT_EQ(gauges.size(), 26U);   // every gauge reports
}

TEST_F(ScenarioTest, FiresProduceClusteredDetectionsFromSeveralTowers) {
  Scenario scenario(*layers_, options(1, 1.0));
  struct Detection {
    gis::LonLat at;
    double t;
    std::string tower;
    bool flame;
  };
  std::vector<Detection> detections;
  for (const auto& o : run(scenario, 6 * 3600.0, 10)) {
    if (!o.has_smoke_detection()) continue;
    const auto& s = o.smoke_detection();
    const auto* tower = layers_->sensor(s.tower_id());
    ASSERT_NE(tower, nullptr);
    const auto origin = std::get<gis::LonLat>(tower->feature->geometry);
    detections.push_back({gis::geodesic_destination(origin, s.azimuth_deg(), s.distance_m()),
                          seconds_since_start(o.observed_at()), s.tower_id(), s.flame()});
  }
  ASSERT_GT(detections.size(), 5000U);

  // A detection with several others within 2 km and 30 min, from at least two towers: the
  // picture the fusion rules join into one fire.
  std::size_t multi_tower_clusters = 0;
  std::size_t isolated = 0;
  // Detections come in time order: only a 30-minute window of them needs looking at.
  std::size_t window_begin = 0;
  for (const auto& d : detections) {
    while (detections[window_begin].t < d.t - 1800.0) ++window_begin;
    std::size_t near = 0;
    std::set<std::string> near_towers{d.tower};
    for (std::size_t j = window_begin; j < detections.size() && detections[j].t <= d.t + 1800.0;
         ++j) {
      const auto& e = detections[j];
      // 0.03° is over 2.9 km in both directions at Chongqing's latitudes.
      if (&e == &d || std::abs(e.at.lat - d.at.lat) > 0.03 ||
          std::abs(e.at.lon - d.at.lon) > 0.03) {
        continue;
      }
      if (gis::geodesic_distance_m(d.at, e.at) > 2000.0) continue;
      ++near;
      near_towers.insert(e.tower);
    }
    if (near >= 3 && near_towers.size() >= 2) ++multi_tower_clusters;
    if (near == 0) ++isolated;
  }
  EXPECT_GT(multi_tower_clusters, detections.size() / 10);
  // The false detections (a fifth of them) are mostly alone.
  EXPECT_GT(isolated, detections.size() / 10);
  EXPECT_TRUE(std::any_of(detections.begin(), detections.end(),
                          [](const Detection& d) { return d.flame; }));
}

TEST_F(ScenarioTest, AGaugeCrossesWarningAndFallsBackWithinHours) {
  Scenario scenario(*layers_, options(1, 1.0));
  std::map<std::string, std::vector<std::pair<double, double>>> readings;  // gauge -> (t, level)
  for (const auto& o : run(scenario, 12 * 3600.0, 60)) {
    if (!o.has_gauge_reading()) continue;
    readings[o.gauge_reading().gauge_id()].emplace_back(seconds_since_start(o.observed_at()),
                                                        o.gauge_reading().water_level_m());
  }
  ASSERT_EQ(readings.size(), 26U);
  std::size_t waves = 0;
  std::size_t never_above = 0;
  for (const auto& [gauge, series] : readings) {
    const double warning = number(gauge, "warningLevelM");
    // Every few simulated minutes: 26 gauges at 0.3 readings/s is one every ~87 s.
    EXPECT_GT(series.size(), 400U) << gauge;
    std::optional<double> crossed_at;
    bool fell_back = false;
    for (const auto& [t, level] : series) {
      if (!crossed_at && level >= warning) crossed_at = t;
      if (crossed_at && level < warning) fell_back = true;
    }
    if (crossed_at && fell_back) ++waves;
    if (!crossed_at) ++never_above;
  }
  EXPECT_GE(waves, 1U);
  EXPECT_GE(never_above, 23U);  // the others fluctuate below warning
}

TEST_F(ScenarioTest, CameraAlarmsRepeatOnTheSameCamera) {
  Scenario scenario(*layers_, options(2, 1.0));
  std::map<std::pair<std::string, int>, std::vector<double>> alarms;  // (camera, type) -> times
  for (const auto& o : run(scenario, 3 * 3600.0, 10)) {
    if (!o.has_camera_alarm()) continue;
    alarms[{o.camera_alarm().camera_id(), o.camera_alarm().type()}].push_back(
        seconds_since_start(o.observed_at()));
  }
  std::size_t repeated_within_minutes = 0;
  for (const auto& [key, times] : alarms) {
    for (std::size_t i = 1; i < times.size(); ++i) {
      if (times[i] - times[i - 1] <= 300.0) ++repeated_within_minutes;
    }
  }
  EXPECT_GT(repeated_within_minutes, 100U);
  EXPECT_GT(scenario.stats().camera_repeats, 0U);
}

TEST_F(ScenarioTest, NothingIsDueInAnEmptyInterval) {
  Scenario scenario(*layers_, options(1, 100.0));
  EXPECT_TRUE(scenario.next(at(0), 0.0).empty());
  EXPECT_TRUE(scenario.next(at(0), -5.0).empty());
  EXPECT_TRUE(scenario.next(at(0), std::nan("")).empty());
  EXPECT_EQ(scenario.simulated_s(), 0.0);
}

TEST_F(ScenarioTest, RefusesABadRateAndLayersWithoutSensors) {
  const auto make = [](const gis::LayerSet& layers, double rate) {
    const Scenario scenario(layers, options(1, rate));
  };
  EXPECT_THROW(make(*layers_, 0.0), std::invalid_argument);
  EXPECT_THROW(make(*layers_, -1.0), std::invalid_argument);
  EXPECT_THROW(make(*layers_, std::nan("")), std::invalid_argument);

  const Config config = load_config(test::config_dir() + "/quanyu.yaml");
  std::vector<gis::LayerSpec> districts_only;
  for (const auto& spec : config.layers) {
    if (spec.role == gis::LayerRole::jurisdiction) districts_only.push_back(spec);
  }
  const auto bare = gis::LayerSet::load(districts_only, {});
  EXPECT_THROW(make(*bare, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace quanyu::server::sim
