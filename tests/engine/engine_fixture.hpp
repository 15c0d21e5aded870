#pragma once
// The shipped Chongqing layers and helpers to build journal entries, for the engine's tests.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "engine/core/picture.hpp"
#include "engine/core/time.hpp"
#include "engine/ingest/prepare.hpp"
#include "gis/layers/layer_set.hpp"

namespace quanyu::test {

/// Loaded once per test binary: the districts and the demo layers, as config/quanyu.yaml names
/// them.
inline const gis::LayerSet& shipped_layers() {
  static const std::unique_ptr<const gis::LayerSet> layers = [] {
    spdlog::set_level(spdlog::level::err);  // the 7 repair warnings are expected
    const std::string dir = QUANYU_CONFIG_DIR;
    using gis::LayerRole;
    return gis::LayerSet::load(
        {{"districts", LayerRole::jurisdiction, dir + "/chongqing-districts.geojson", "", "", {}},
         {"resources", LayerRole::resource, dir + "/demo/resources.geojson", "", "", {}},
         {"sensors", LayerRole::sensor, dir + "/demo/sensors.geojson", "", "", {}},
         {"sensitive", LayerRole::sensitive, dir + "/demo/sensitive.geojson", "", "", {}}},
        {});
  }();
  return *layers;
}

/// 2026-11-23T02:00:00Z (10:00 Beijing time), the tests' "now".
constexpr std::int64_t kT0 = 1'795'399'200LL * engine::kMicrosPerSecond;
constexpr std::int64_t kMinute = 60 * engine::kMicrosPerSecond;

/// Feeds a picture through the same steps as the server: prepare, journal entry, apply.
class Feeder {
 public:
  explicit Feeder(engine::Picture& picture, const engine::EngineRules& rules)
      : picture_(picture), preparer_(shipped_layers(), rules) {}

  /// Prepares and applies an observation at server time `at`; fails the test if it is refused.
  engine::Changes observe(v1::Observation o, std::int64_t at) {
    auto prepared = preparer_.prepare(std::move(o), at);
    if (!prepared) throw std::runtime_error("refused: " + prepared.error().message);
    v1::JournalEntry entry;
    entry.set_seq(++seq_);
    *entry.mutable_at() = engine::to_timestamp(at);
    entry.set_actor("feed");
    *entry.mutable_observation() = std::move(prepared).value();
    journal_.push_back(entry);
    return picture_.apply(entry);
  }

  engine::Changes command(v1::Command c, std::int64_t at, const std::string& actor = "duty-1") {
    v1::JournalEntry entry;
    entry.set_seq(++seq_);
    *entry.mutable_at() = engine::to_timestamp(at);
    entry.set_actor(actor);
    *entry.mutable_command() = std::move(c);
    journal_.push_back(entry);
    return picture_.apply(entry);
  }

  engine::Changes tick(std::int64_t at) {
    v1::JournalEntry entry;
    entry.set_seq(++seq_);
    *entry.mutable_at() = engine::to_timestamp(at);
    entry.set_actor("system");
    entry.mutable_tick();
    journal_.push_back(entry);
    return picture_.apply(entry);
  }

  const std::vector<v1::JournalEntry>& journal() const { return journal_; }
  const engine::Preparer& preparer() const { return preparer_; }

 private:
  engine::Picture& picture_;
  engine::Preparer preparer_;
  std::uint64_t seq_ = 0;
  std::vector<v1::JournalEntry> journal_;
};

inline v1::Observation smoke(const std::string& id, const std::string& tower, double confidence,
                             std::int64_t observed_at, double lon, double lat, bool flame = false) {
  v1::Observation o;
  o.set_id(id);
  o.set_source("tower:" + tower);
  *o.mutable_observed_at() = engine::to_timestamp(observed_at);
  o.mutable_position()->set_x(lon);
  o.mutable_position()->set_y(lat);
  auto* s = o.mutable_smoke_detection();
  s->set_tower_id(tower);
  s->set_confidence(confidence);
  s->set_flame(flame);
  return o;
}

inline v1::Observation gauge(const std::string& id, const std::string& gauge_id, double level,
                             std::int64_t observed_at) {
  v1::Observation o;
  o.set_id(id);
  o.set_source("sl651:" + gauge_id);
  *o.mutable_observed_at() = engine::to_timestamp(observed_at);
  auto* g = o.mutable_gauge_reading();
  g->set_gauge_id(gauge_id);
  g->set_water_level_m(level);
  return o;
}

inline v1::Observation camera(const std::string& id, const std::string& camera_id,
                              v1::CameraAlarm::Type type, int priority, std::int64_t observed_at) {
  v1::Observation o;
  o.set_id(id);
  o.set_source("gb28181:" + camera_id);
  *o.mutable_observed_at() = engine::to_timestamp(observed_at);
  auto* a = o.mutable_camera_alarm();
  a->set_camera_id(camera_id);
  a->set_type(type);
  a->set_priority(priority);
  return o;
}

/// A published warning (one CAP info block) over a circle around lon/lat.
inline v1::Observation warning(const std::string& identifier, v1::PublishedWarning::MsgType type,
                               v1::Severity severity, std::int64_t sent, double lon, double lat,
                               const std::string& language = "zh-CN") {
  v1::Observation o;
  o.set_id("cap:" + identifier + ":" + language);
  o.set_source("cap:cqqxt@cma.cn");
  *o.mutable_observed_at() = engine::to_timestamp(sent);
  auto* w = o.mutable_published_warning();
  w->set_identifier(identifier);
  w->set_sender("cqqxt@cma.cn");
  w->set_msg_type(type);
  w->set_event("暴雨预警");
  w->set_severity(severity);
  w->set_headline("江津区气象台发布暴雨预警");
  w->set_language(language);
  auto* circle = w->add_areas()->add_circles();
  circle->mutable_centre()->set_lon(lon);
  circle->mutable_centre()->set_lat(lat);
  circle->set_radius_km(10);
  return o;
}

}  // namespace quanyu::test
