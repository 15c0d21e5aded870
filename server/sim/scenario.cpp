#include "server/sim/scenario.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <numbers>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "gis/geo/geodesic.hpp"

namespace quanyu::server::sim {
namespace {

constexpr double kHourS = 3600.0;

// The mix, as shares of the mean rate (see the header).
constexpr double kSmokeShare = 0.5;
constexpr double kCameraShare = 0.2;
constexpr double kGaugeShare = 0.3;
constexpr double kRealFireShare = 0.8;  // of the smoke detections; the rest are dust and cloud

// Fires.
constexpr double kFireMinDistanceM = 2000.0;
constexpr double kFireMaxDistanceM = 8000.0;
constexpr double kFireMinDurationS = 600.0;
constexpr double kFireMaxDurationS = 2400.0;
constexpr double kFireMeanDurationS = (kFireMinDurationS + kFireMaxDurationS) / 2.0;
// Simulated seconds between a fire's detections at the nominal pace; sets how many fires burn.
constexpr double kDetectionSpacingS = 30.0;
constexpr double kMinFiresBurning = 1.0;
constexpr double kMaxFiresBurning = 12.0;
// A fire meant to be seen by several towers starts towards a tower at most this far away.
constexpr double kNeighbourTowerM = 20'000.0;
constexpr int kPlacementAttempts = 8;
constexpr double kDefaultViewRadiusM = 8000.0;
constexpr double kDefaultMastHeightM = 30.0;
constexpr double kAzimuthSigmaDeg = 0.5;
constexpr double kDistanceSigma = 0.04;  // relative
constexpr double kConfidenceSigma = 0.03;
constexpr double kCameraSeesFireM = 5000.0;

// Camera alarms.
constexpr double kRepeatShare = 0.3;
constexpr double kFireAlarmShare = 0.1;
constexpr double kRepeatWindowS = 300.0;
constexpr std::size_t kMaxRecentAlarms = 32;

// Gauges.
constexpr std::size_t kMaxWaveGauges = 3;
constexpr double kLevelNoiseM = 0.01;

/// Random numbers from one seeded engine. The distributions are written out here rather than
/// taken from <random>, whose algorithms differ between standard libraries, so a seed tells the
/// same story wherever Quanyu is built.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  std::size_t index(std::size_t n) {
    return std::min(n - 1, static_cast<std::size_t>(uniform() * static_cast<double>(n)));
  }
  /// Waiting time of a Poisson process with this rate.
  double exponential(double rate) { return -std::log1p(-uniform()) / rate; }
  /// Normal with mean 0 (Box–Muller; one value per call keeps the draws in step).
  double normal(double sigma) {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

/// Rounded to `decimals` places, as a device reports it (and so the JSON stays short: dividing
/// by a power of ten gives the double nearest the decimal, which prints as that decimal).
double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

/// Degrees in [0, 360) to 0.01° (359.999 becomes 0, not 360; and never -0).
double bearing(double degrees) {
  double d = std::fmod(degrees, 360.0);
  if (d < 0.0) d += 360.0;
  d = round_to(d, 2);
  if (d >= 360.0) d -= 360.0;
  return d + 0.0;
}

double degrees(double radians) { return radians * 180.0 / std::numbers::pi; }

struct Tower {
  std::string id;
  gis::LonLat at;
  double view_radius_m = kDefaultViewRadiusM;
  double mast_height_m = kDefaultMastHeightM;
  std::vector<std::size_t> neighbours;  ///< other towers within kNeighbourTowerM
};

struct Camera {
  std::string id;
  gis::LonLat at;
};

/// One flood wave on a gauge: rise from `base` to `crest`, hold, fall back to `base`.
struct Wave {
  double rise_m_per_h = 0.0;
  double fall_m_per_h = 0.0;
  double crest_m = 0.0;
  double rain_mm_per_h = 0.0;
  double start_s = 0.0;
  double crest_s = 0.0;
  double fall_s = 0.0;
  double end_s = 0.0;
  bool counted = false;
};

enum class WaveClass { none, minor, major, extreme };

struct Gauge {
  std::string id;
  double warning_m = 0.0;
  double guarantee_m = 0.0;
  double battery_v = 12.8;
  // Quiet level: base plus a slow tide.
  double base_m = 0.0;
  double tide_m = 0.0;
  double tide_period_s = kHourS;
  double tide_phase = 0.0;
  WaveClass wave_class = WaveClass::none;
  Wave wave;
  bool above_warning = false;
};

struct Fire {
  gis::LonLat at;
  double start_s = 0.0;
  double end_s = 0.0;
  double flame_from = 1.0;  ///< share of the fire's life after which flames show
  /// Towers that see it, the first one being the tower it started near, with the share of the
  /// fire's life after which each sees the plume.
  std::vector<std::pair<std::size_t, double>> towers;
  std::optional<std::size_t> camera;  ///< a security camera near enough to see it
};

struct RecentAlarm {
  std::size_t camera = 0;
  v1::CameraAlarm::Type type = v1::CameraAlarm::TYPE_UNSPECIFIED;
  int priority = 0;
  double at_s = 0.0;
};

enum class EventKind {
  ignition,
  fire_detection,
  fire_out,
  false_smoke,
  camera_alarm,
  gauge_report
};

constexpr std::uint64_t kOneOff = 1;  // an ignition that does not schedule the next one

struct Event {
  double at_s;
  std::uint64_t order;  ///< ties go to the event scheduled first
  EventKind kind;
  std::uint64_t subject;  ///< fire id or gauge index
};

struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.at_s != b.at_s ? a.at_s > b.at_s : a.order > b.order;
  }
};

const char* describe(v1::CameraAlarm::Type type) {
  switch (type) {
    case v1::CameraAlarm::TYPE_INTRUSION:
      return "区域入侵：警戒区域内发现人员（模拟）";
    case v1::CameraAlarm::TYPE_LINE_CROSSING:
      return "越界：有人跨越警戒线（模拟）";
    case v1::CameraAlarm::TYPE_LOITERING:
      return "徘徊：人员在重点区域长时间逗留（模拟）";
    case v1::CameraAlarm::TYPE_CROWD:
      return "人员聚集：画面内人员密度超过阈值（模拟）";
    case v1::CameraAlarm::TYPE_VIDEO_LOSS:
      return "视频丢失：设备信号中断（模拟）";
    case v1::CameraAlarm::TYPE_SMOKE:
      return "烟雾：远处山林出现烟雾（模拟）";
    case v1::CameraAlarm::TYPE_FIRE:
      return "火焰：远处山林出现明火（模拟）";
    default:
      return "报警（模拟）";
  }
}

}  // namespace

struct Scenario::Impl {
  Impl(const gis::LayerSet& layer_set, const ScenarioOptions& o)
      : layers(layer_set),
        options(o),
        id_prefix("sim-" + std::to_string(o.seed) + "-" + std::to_string(o.start.seconds()) + "-"),
        random(o.seed) {}

  void read_sensors();
  void plan();

  void schedule(double at_s, EventKind kind, std::uint64_t subject = 0) {
    queue.push(Event{at_s, next_order++, kind, subject});
  }

  v1::Observation& emit(std::vector<v1::Observation>& out, const google::protobuf::Timestamp& now,
                        const std::string& sensor_id) {
    auto& o = out.emplace_back();
    o.set_id(id_prefix + std::to_string(stats.observations++));
    o.set_source("sim:" + sensor_id);
    *o.mutable_observed_at() = now;
    return o;
  }

  void handle(const Event& event, std::vector<v1::Observation>& out,
              const google::protobuf::Timestamp& now);
  void ignite(double t);
  void detect(std::uint64_t fire_id, double t, std::vector<v1::Observation>& out,
              const google::protobuf::Timestamp& now);
  void false_smoke(std::vector<v1::Observation>& out, const google::protobuf::Timestamp& now);
  void camera_alarm(double t, std::vector<v1::Observation>& out,
                    const google::protobuf::Timestamp& now);
  void gauge_report(std::size_t index, double t, std::vector<v1::Observation>& out,
                    const google::protobuf::Timestamp& now);
  Wave new_wave(const Gauge& gauge, double start_s);
  double level(Gauge& gauge, double t);

  const gis::LayerSet& layers;
  ScenarioOptions options;
  std::string id_prefix;
  Random random;

  std::vector<Tower> towers;
  std::vector<Camera> cameras;
  std::vector<Gauge> gauges;

  // Rates per simulated second.
  double ignition_rate = 0.0;
  double detection_rate = 0.0;  ///< per burning fire
  double false_rate = 0.0;
  double camera_rate = 0.0;
  double gauge_interval_s = 0.0;  ///< between two readings of one gauge

  std::priority_queue<Event, std::vector<Event>, Later> queue;
  std::uint64_t next_order = 0;
  std::map<std::uint64_t, Fire> fires;
  std::uint64_t next_fire = 0;
  std::deque<RecentAlarm> recent;
  double clock_s = 0.0;
  std::size_t above_warning = 0;
  ScenarioStats stats;
};

void Scenario::Impl::read_sensors() {
  for (const auto& layer : layers.layers()) {
    if (layer.role != gis::LayerRole::sensor) continue;
    for (const auto& feature : layer.features) {
      const auto* point = std::get_if<gis::LonLat>(&feature.geometry);
      const auto* registered = layers.sensor(feature.id);
      // Only what the server's sensor registry knows: a point, and the first of duplicate ids.
      if (point == nullptr || registered == nullptr || registered->feature != &feature) continue;
      const auto* kind_value = layer.field(feature, "kind");
      const std::string kind = kind_value != nullptr ? gis::to_text(*kind_value) : "";
      const auto number = [&](const char* name) -> std::optional<double> {
        const auto* value = layer.field(feature, name);
        if (value == nullptr) return std::nullopt;
        const auto parsed = gis::to_number(*value);
        if (!parsed || !std::isfinite(*parsed)) return std::nullopt;
        return parsed;
      };
      if (kind == "fire_tower_camera") {
        Tower tower;
        tower.id = feature.id;
        tower.at = *point;
        if (const auto r = number("viewRadiusM"); r && *r > 0.0) tower.view_radius_m = *r;
        if (const auto h = number("mastHeightM"); h && *h > 0.0) tower.mast_height_m = *h;
        towers.push_back(std::move(tower));
      } else if (kind == "security_camera") {
        cameras.push_back(Camera{.id = feature.id, .at = *point});
      } else if (kind == "water_gauge") {
        // The server refuses readings of a gauge without a warning level, so skip those.
        const auto warning = number("warningLevelM");
        if (!warning || *warning <= 0.0) continue;
        Gauge gauge;
        gauge.id = feature.id;
        gauge.warning_m = *warning;
        const auto guarantee = number("guaranteeLevelM");
        gauge.guarantee_m = guarantee && *guarantee > *warning ? *guarantee : *warning + 3.0;
        gauges.push_back(std::move(gauge));
      }
    }
  }
  for (std::size_t i = 0; i < towers.size(); ++i) {
    for (std::size_t j = 0; j < towers.size(); ++j) {
      if (i != j && gis::geodesic_distance_m(towers[i].at, towers[j].at) <= kNeighbourTowerM) {
        towers[i].neighbours.push_back(j);
      }
    }
  }
}

void Scenario::Impl::plan() {
  const double smoke = towers.empty() ? 0.0 : kSmokeShare;
  const double camera = cameras.empty() ? 0.0 : kCameraShare;
  const double gauge = gauges.empty() ? 0.0 : kGaugeShare;
  const double total = smoke + camera + gauge;
  if (total == 0.0) {
    throw std::invalid_argument(
        "the sensor layers have no fire_tower_camera, security_camera or water_gauge (with a "
        "warningLevelM) to simulate");
  }
  const double rate = options.rate_per_s;

  if (smoke > 0.0) {
    const double smoke_rate = rate * smoke / total;
    const double fire_rate = smoke_rate * kRealFireShare;
    false_rate = smoke_rate - fire_rate;
    const double burning =
        std::clamp(fire_rate * kDetectionSpacingS, kMinFiresBurning, kMaxFiresBurning);
    detection_rate = fire_rate / burning;
    ignition_rate = burning / kFireMeanDurationS;
    // Start in the steady state: the fires lit in the longest fire life before the start are
    // burning (replayed by the constructor without a detection). One more ignites within the
    // first simulated minute, so a demo shows a new fire at once.
    schedule(-kFireMaxDurationS + random.exponential(ignition_rate), EventKind::ignition);
    schedule(random.uniform(0.0, 60.0), EventKind::ignition, kOneOff);
    schedule(random.exponential(false_rate), EventKind::false_smoke);
  }
  if (camera > 0.0) {
    camera_rate = rate * camera / total;
    schedule(random.exponential(camera_rate), EventKind::camera_alarm);
  }
  if (gauge > 0.0) {
    gauge_interval_s = static_cast<double>(gauges.size()) / (rate * gauge / total);
    for (auto& g : gauges) {
      g.battery_v = random.uniform(12.4, 13.2);
      g.base_m = g.warning_m - random.uniform(0.8, 2.5);
      g.tide_m = random.uniform(0.05, 0.2);
      g.tide_period_s = random.uniform(3.0, 12.0) * kHourS;
      g.tide_phase = random.uniform(0.0, 2.0 * std::numbers::pi);
    }
    // A few gauges run flood waves: a minor one at once, a major and an extreme one later.
    constexpr std::array<std::pair<WaveClass, std::pair<double, double>>, kMaxWaveGauges> kWaves{{
        {WaveClass::minor, {0.0, 600.0}},
        {WaveClass::major, {0.5 * kHourS, 2.0 * kHourS}},
        {WaveClass::extreme, {1.0 * kHourS, 4.0 * kHourS}},
    }};
    std::vector<std::size_t> candidates(gauges.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) candidates[i] = i;
    for (const auto& [wave_class, start] : kWaves) {
      if (candidates.empty()) break;
      const std::size_t pick = random.index(candidates.size());
      Gauge& g = gauges[candidates[pick]];
      candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
      g.wave_class = wave_class;
      g.base_m = g.warning_m - random.uniform(0.2, 0.6);
      g.tide_m = 0.0;
      g.wave = new_wave(g, random.uniform(start.first, start.second));
    }
    for (std::size_t i = 0; i < gauges.size(); ++i) {
      schedule(random.uniform(0.0, gauge_interval_s), EventKind::gauge_report, i);
    }
  }
}

void Scenario::Impl::handle(const Event& event, std::vector<v1::Observation>& out,
                            const google::protobuf::Timestamp& now) {
  const double t = event.at_s;
  switch (event.kind) {
    case EventKind::ignition:
      ignite(t);
      if (event.subject != kOneOff) {
        schedule(t + random.exponential(ignition_rate), EventKind::ignition);
      }
      break;
    case EventKind::fire_detection:
      detect(event.subject, t, out, now);
      break;
    case EventKind::fire_out:
      fires.erase(event.subject);
      break;
    case EventKind::false_smoke:
      false_smoke(out, now);
      schedule(t + random.exponential(false_rate), EventKind::false_smoke);
      break;
    case EventKind::camera_alarm:
      camera_alarm(t, out, now);
      schedule(t + random.exponential(camera_rate), EventKind::camera_alarm);
      break;
    case EventKind::gauge_report:
      gauge_report(static_cast<std::size_t>(event.subject), t, out, now);
      schedule(t + gauge_interval_s * random.uniform(0.95, 1.05), EventKind::gauge_report,
               event.subject);
      break;
  }
}

void Scenario::Impl::ignite(double t) {
  const std::size_t primary = random.index(towers.size());
  const Tower& tower = towers[primary];
  const double k = random.uniform();
  const std::size_t wanted = k < 0.3 ? 1 : k < 0.75 ? 2 : 3;

  Fire fire;
  for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
    double azimuth = random.uniform(0.0, 360.0);
    if (wanted > 1 && !tower.neighbours.empty()) {
      const Tower& neighbour = towers[tower.neighbours[random.index(tower.neighbours.size())]];
      azimuth = gis::geodesic_azimuth_deg(tower.at, neighbour.at) + random.normal(25.0);
    }
    fire.at = gis::geodesic_destination(tower.at, azimuth,
                                        random.uniform(kFireMinDistanceM, kFireMaxDistanceM));
    // Keep fires inside the jurisdiction; after a few tries take the last place anyway.
    if (layers.jurisdiction().locate(fire.at).kind == gis::JurisdictionMatch::Kind::inside) break;
  }
  fire.start_s = t;
  fire.end_s = t + random.uniform(kFireMinDurationS, kFireMaxDurationS);
  fire.flame_from = random.uniform(0.55, 0.8);
  fire.towers.emplace_back(primary, 0.0);

  std::vector<std::pair<double, std::size_t>> seen_by;
  for (std::size_t j = 0; j < towers.size(); ++j) {
    if (j == primary) continue;
    const double d = gis::geodesic_distance_m(towers[j].at, fire.at);
    if (d <= 2.0 * towers[j].view_radius_m) seen_by.emplace_back(d, j);
  }
  std::sort(seen_by.begin(), seen_by.end());
  for (std::size_t i = 0; i < seen_by.size() && fire.towers.size() < wanted; ++i) {
    fire.towers.emplace_back(seen_by[i].second, random.uniform(0.15, 0.45));
  }

  double nearest_camera_m = kCameraSeesFireM;
  for (std::size_t c = 0; c < cameras.size(); ++c) {
    const double d = gis::geodesic_distance_m(cameras[c].at, fire.at);
    if (d <= nearest_camera_m) {
      nearest_camera_m = d;
      fire.camera = c;
    }
  }

  const std::uint64_t id = next_fire++;
  // Detections are memoryless: a fire lit before the start is first seen after it.
  const double first = std::max(t, 0.0) + random.exponential(detection_rate);
  if (first < fire.end_s) {
    schedule(first, EventKind::fire_detection, id);
  } else {
    schedule(fire.end_s, EventKind::fire_out, id);
  }
  fires.emplace(id, std::move(fire));
  ++stats.fires_started;
}

void Scenario::Impl::detect(std::uint64_t fire_id, double t, std::vector<v1::Observation>& out,
                            const google::protobuf::Timestamp& now) {
  const Fire& fire = fires.at(fire_id);
  const double progress = (t - fire.start_s) / (fire.end_s - fire.start_s);
  std::vector<std::size_t> seeing;
  for (const auto& [tower, from] : fire.towers) {
    if (progress >= from) seeing.push_back(tower);
  }
  const Tower& tower = towers[seeing[random.index(seeing.size())]];
  const double distance = gis::geodesic_distance_m(tower.at, fire.at);
  const double azimuth = gis::geodesic_azimuth_deg(tower.at, fire.at);

  auto& o = emit(out, now, tower.id);
  auto& smoke = *o.mutable_smoke_detection();
  smoke.set_tower_id(tower.id);
  smoke.set_confidence(
      round_to(std::clamp(0.5 + 0.45 * progress + random.normal(kConfidenceSigma), 0.05, 0.99), 3));
  smoke.set_flame(progress >= fire.flame_from && distance <= tower.view_radius_m);
  smoke.set_azimuth_deg(bearing(azimuth + random.normal(kAzimuthSigmaDeg)));
  smoke.set_elevation_deg(round_to(-degrees(std::atan2(tower.mast_height_m, distance)), 2));
  smoke.set_distance_m(
      std::round(std::clamp(distance * (1.0 + random.normal(kDistanceSigma)), 100.0, 60'000.0)));
  ++stats.smoke_detections;

  const double next = t + random.exponential(detection_rate);
  if (next < fire.end_s) {
    schedule(next, EventKind::fire_detection, fire_id);
  } else {
    schedule(fire.end_s, EventKind::fire_out, fire_id);
  }
}

void Scenario::Impl::false_smoke(std::vector<v1::Observation>& out,
                                 const google::protobuf::Timestamp& now) {
  const Tower& tower = towers[random.index(towers.size())];
  const bool cloud = random.chance(0.5);  // 云雾; else 扬尘 (dust)
  const double distance = cloud ? random.uniform(3000.0, 2.0 * tower.view_radius_m)
                                : random.uniform(500.0, tower.view_radius_m);
  auto& o = emit(out, now, tower.id);
  auto& smoke = *o.mutable_smoke_detection();
  smoke.set_tower_id(tower.id);
  smoke.set_confidence(round_to(random.uniform(0.3, 0.6), 3));
  smoke.set_azimuth_deg(bearing(random.uniform(0.0, 360.0)));
  // Clouds sit above the horizon; dust rises from the ground below the mast.
  smoke.set_elevation_deg(round_to(
      cloud ? random.uniform(1.0, 8.0) : -degrees(std::atan2(tower.mast_height_m, distance)), 2));
  smoke.set_distance_m(std::round(distance));
  ++stats.smoke_detections;
  ++stats.false_detections;
}

void Scenario::Impl::camera_alarm(double t, std::vector<v1::Observation>& out,
                                  const google::protobuf::Timestamp& now) {
  while (!recent.empty() && recent.front().at_s < t - kRepeatWindowS) recent.pop_front();

  std::size_t camera = 0;
  auto type = v1::CameraAlarm::TYPE_UNSPECIFIED;
  int priority = 0;
  double confidence = random.uniform(0.6, 0.98);

  std::vector<const Fire*> fires_in_view;
  for (const auto& [id, fire] : fires) {
    if (fire.camera) fires_in_view.push_back(&fire);
  }

  if (!recent.empty() && random.chance(kRepeatShare)) {
    // The same thing again on the same camera: someone still in the area.
    auto& again = recent[random.index(recent.size())];
    again.at_s = t;
    camera = again.camera;
    type = again.type;
    priority = again.priority;
    ++stats.camera_repeats;
  } else if (!fires_in_view.empty() && random.chance(kFireAlarmShare)) {
    const Fire& fire = *fires_in_view[random.index(fires_in_view.size())];
    const double progress = (t - fire.start_s) / (fire.end_s - fire.start_s);
    camera = *fire.camera;
    type = progress >= fire.flame_from ? v1::CameraAlarm::TYPE_FIRE : v1::CameraAlarm::TYPE_SMOKE;
    priority = 1;
    confidence = random.uniform(0.6, 0.9);
    ++stats.camera_fire_alarms;
  } else {
    camera = random.index(cameras.size());
    const double pick = random.uniform();
    if (pick < 0.38) {
      type = v1::CameraAlarm::TYPE_INTRUSION;
      priority = random.chance(0.25) ? 1 : 2;
    } else if (pick < 0.63) {
      type = v1::CameraAlarm::TYPE_LINE_CROSSING;
      priority = random.chance(0.5) ? 2 : 3;
    } else if (pick < 0.83) {
      type = v1::CameraAlarm::TYPE_LOITERING;
      priority = 3;
    } else if (pick < 0.92) {
      type = v1::CameraAlarm::TYPE_CROWD;
      priority = 2;
    } else {
      type = v1::CameraAlarm::TYPE_VIDEO_LOSS;
      priority = 4;
      confidence = 1.0;
    }
    recent.push_back(RecentAlarm{camera, type, priority, t});
    if (recent.size() > kMaxRecentAlarms) recent.pop_front();
  }

  auto& o = emit(out, now, cameras[camera].id);
  auto& alarm = *o.mutable_camera_alarm();
  alarm.set_camera_id(cameras[camera].id);
  alarm.set_type(type);
  alarm.set_priority(priority);
  alarm.set_confidence(round_to(confidence, 3));
  alarm.set_description(describe(type));
  ++stats.camera_alarms;
}

Wave Scenario::Impl::new_wave(const Gauge& gauge, double start_s) {
  const double span = gauge.guarantee_m - gauge.warning_m;
  Wave wave;
  wave.start_s = start_s;
  double hold_h = random.uniform(1.0, 3.0);
  switch (gauge.wave_class) {
    case WaveClass::minor:
      // Quick and small, so a demo sees a whole wave within a few simulated hours.
      wave.rise_m_per_h = random.uniform(0.4, 0.6);
      wave.fall_m_per_h = wave.rise_m_per_h * random.uniform(0.7, 1.0);
      wave.crest_m = std::min(gauge.warning_m + random.uniform(0.6, 1.2), gauge.guarantee_m - 0.2);
      hold_h = random.uniform(0.25, 1.0);
      break;
    case WaveClass::major:
      wave.rise_m_per_h = random.uniform(0.2, 0.6);
      wave.fall_m_per_h = wave.rise_m_per_h * random.uniform(0.6, 1.0);
      wave.crest_m = gauge.warning_m + random.uniform(0.5, 0.75) * span;
      break;
    case WaveClass::extreme:
    case WaveClass::none:
      wave.rise_m_per_h = random.uniform(0.2, 0.6);
      wave.fall_m_per_h = wave.rise_m_per_h * random.uniform(0.6, 1.0);
      wave.crest_m = gauge.guarantee_m + random.uniform(0.1, 0.5);
      break;
  }
  wave.crest_m = std::max(wave.crest_m, gauge.warning_m + 0.3);
  const double height = wave.crest_m - gauge.base_m;
  wave.crest_s = wave.start_s + height / wave.rise_m_per_h * kHourS;
  wave.fall_s = wave.crest_s + hold_h * kHourS;
  wave.end_s = wave.fall_s + height / wave.fall_m_per_h * kHourS;
  wave.rain_mm_per_h = random.uniform(3.0, 12.0);
  return wave;
}

double Scenario::Impl::level(Gauge& gauge, double t) {
  if (gauge.wave_class == WaveClass::none) {
    return gauge.base_m + gauge.tide_m * std::sin(2.0 * std::numbers::pi * t / gauge.tide_period_s +
                                                  gauge.tide_phase);
  }
  if (t >= gauge.wave.end_s) {
    gauge.wave = new_wave(gauge, gauge.wave.end_s + random.uniform(3.0, 8.0) * kHourS);
  }
  const Wave& w = gauge.wave;
  if (t < w.start_s) return gauge.base_m;
  if (!gauge.wave.counted) {
    gauge.wave.counted = true;
    ++stats.flood_waves_started;
  }
  if (t < w.crest_s) return gauge.base_m + w.rise_m_per_h * (t - w.start_s) / kHourS;
  if (t < w.fall_s) return w.crest_m;
  return w.crest_m - w.fall_m_per_h * (t - w.fall_s) / kHourS;
}

void Scenario::Impl::gauge_report(std::size_t index, double t, std::vector<v1::Observation>& out,
                                  const google::protobuf::Timestamp& now) {
  Gauge& gauge = gauges[index];
  const double water = round_to(level(gauge, t) + random.normal(kLevelNoiseM), 2);
  const bool raining =
      gauge.wave_class != WaveClass::none && t >= gauge.wave.start_s && t < gauge.wave.fall_s;
  auto& o = emit(out, now, gauge.id);
  auto& reading = *o.mutable_gauge_reading();
  reading.set_gauge_id(gauge.id);
  reading.set_water_level_m(water);
  if (raining) {
    reading.set_rainfall_mm(round_to(
        gauge.wave.rain_mm_per_h * random.uniform(0.5, 1.5) * gauge_interval_s / kHourS, 1));
  }
  reading.set_battery_v(round_to(gauge.battery_v + random.normal(0.02), 2));
  ++stats.gauge_readings;

  const bool above = water >= gauge.warning_m;
  if (above != gauge.above_warning) {
    gauge.above_warning = above;
    if (above) {
      ++above_warning;
    } else {
      --above_warning;
    }
  }
}

Scenario::Scenario(const gis::LayerSet& layers, const ScenarioOptions& options)
    : impl_(std::make_unique<Impl>(layers, options)) {
  if (!std::isfinite(options.rate_per_s) || options.rate_per_s <= 0.0) {
    throw std::invalid_argument(
        "the simulation rate must be a positive number of observations "
        "per second");
  }
  impl_->read_sensors();
  impl_->plan();
  // Replay what happened before the start (fires lighting and going out): nothing is due yet.
  auto& s = *impl_;
  std::vector<v1::Observation> none;
  while (!s.queue.empty() && s.queue.top().at_s < 0.0) {
    const Event event = s.queue.top();
    s.queue.pop();
    s.handle(event, none, options.start);
  }
}

Scenario::~Scenario() = default;

std::vector<v1::Observation> Scenario::next(const google::protobuf::Timestamp& now,
                                            double seconds_elapsed) {
  std::vector<v1::Observation> out;
  if (!std::isfinite(seconds_elapsed) || seconds_elapsed <= 0.0) return out;
  auto& s = *impl_;
  const double end = s.clock_s + seconds_elapsed;
  while (!s.queue.empty() && s.queue.top().at_s <= end) {
    const Event event = s.queue.top();
    s.queue.pop();
    s.clock_s = event.at_s;
    s.handle(event, out, now);
  }
  s.clock_s = end;
  return out;
}

double Scenario::simulated_s() const { return impl_->clock_s; }
std::size_t Scenario::fires_burning() const { return impl_->fires.size(); }
std::size_t Scenario::gauges_above_warning() const { return impl_->above_warning; }
const ScenarioStats& Scenario::stats() const { return impl_->stats; }

}  // namespace quanyu::server::sim
