#include "engine/core/picture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/core/time.hpp"
#include "engine/fusion/severity.hpp"
#include "gis/index/nearest_index.hpp"

namespace quanyu::engine {
namespace {

constexpr double kMetresPerDegree = 111'320.0;
constexpr std::int64_t kHourUs = 3600 * kMicrosPerSecond;

const char* status_name(v1::IncidentStatus s) {
  switch (s) {
    case v1::INCIDENT_STATUS_NEW:
      return "new";
    case v1::INCIDENT_STATUS_ACKNOWLEDGED:
      return "acknowledged";
    case v1::INCIDENT_STATUS_DISPATCHED:
      return "dispatched";
    case v1::INCIDENT_STATUS_RESOLVED:
      return "resolved";
    case v1::INCIDENT_STATUS_CLOSED:
      return "closed";
    case v1::INCIDENT_STATUS_FALSE_ALARM:
      return "false_alarm";
    default:
      return "unspecified";
  }
}

const char* task_state_name(v1::TaskState s) {
  switch (s) {
    case v1::TASK_STATE_DISPATCHED:
      return "dispatched";
    case v1::TASK_STATE_ACCEPTED:
      return "accepted";
    case v1::TASK_STATE_EN_ROUTE:
      return "en_route";
    case v1::TASK_STATE_ON_SCENE:
      return "on_scene";
    case v1::TASK_STATE_DONE:
      return "done";
    case v1::TASK_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unspecified";
  }
}

double distance_m(const v1::LonLat& a, const v1::LonLat& b) {
  return gis::NearestIndex::distance_m({a.lon(), a.lat()}, {b.lon(), b.lat()});
}

std::string padded(const char* prefix, std::uint64_t number) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%06llu", prefix, static_cast<unsigned long long>(number));
  return buffer;
}

v1::CommandResult failure(const v1::Command& command, const char* code, std::string message) {
  v1::CommandResult result;
  result.set_correlation_id(command.correlation_id());
  result.set_ok(false);
  result.set_error_code(code);
  result.set_error_message(std::move(message));
  return result;
}

/// A camera alarm without a confidence is taken as fairly, not fully, certain.
double alarm_confidence(const v1::CameraAlarm& alarm) {
  return alarm.confidence() > 0.0 ? alarm.confidence() : 0.8;
}

bool is_fire_alarm(const v1::Observation& o) {
  if (o.has_smoke_detection()) return true;
  return o.has_camera_alarm() && (o.camera_alarm().type() == v1::CameraAlarm::TYPE_FIRE ||
                                  o.camera_alarm().type() == v1::CameraAlarm::TYPE_SMOKE);
}

const char* alarm_label(v1::CameraAlarm::Type type) {
  switch (type) {
    case v1::CameraAlarm::TYPE_INTRUSION:
      return "区域入侵";
    case v1::CameraAlarm::TYPE_LINE_CROSSING:
      return "越界";
    case v1::CameraAlarm::TYPE_FIRE:
      return "火焰";
    case v1::CameraAlarm::TYPE_SMOKE:
      return "烟雾";
    case v1::CameraAlarm::TYPE_CROWD:
      return "人员聚集";
    case v1::CameraAlarm::TYPE_LOITERING:
      return "徘徊";
    case v1::CameraAlarm::TYPE_VIDEO_LOSS:
      return "视频丢失";
    default:
      return "告警";
  }
}

std::string fixed(double value, int decimals) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace

namespace {

/// Copies everything but the evidence list, nearby resources and history (which the callers
/// choose), field by field: copying the whole message first would copy up to max_evidence
/// entries only to delete them. Picture tests check, by reflection, that no field is forgotten.
void copy_scalars(const v1::Incident& incident, v1::Incident& out) {
  out.Clear();
  out.set_id(incident.id());
  out.set_kind(incident.kind());
  out.set_severity(incident.severity());
  out.set_status(incident.status());
  out.set_title(incident.title());
  if (incident.has_position()) *out.mutable_position() = incident.position();
  if (incident.has_district()) *out.mutable_district() = incident.district();
  out.set_confidence(incident.confidence());
  if (incident.has_first_seen()) *out.mutable_first_seen() = incident.first_seen();
  if (incident.has_last_seen()) *out.mutable_last_seen() = incident.last_seen();
  *out.mutable_task_ids() = incident.task_ids();
  out.set_peak_level_m(incident.peak_level_m());
  out.set_rise_rate_m_per_h(incident.rise_rate_m_per_h());
  out.set_version(incident.version());
  out.set_device_id(incident.device_id());
  out.set_evidence_count(incident.evidence_count());
  if (incident.has_expires()) *out.mutable_expires() = incident.expires();
}

void copy_latest_evidence(const v1::Incident& incident, v1::Incident& out, std::size_t count) {
  const int first = std::max(0, incident.evidence_size() - static_cast<int>(count));
  for (int i = first; i < incident.evidence_size(); ++i) *out.add_evidence() = incident.evidence(i);
}

}  // namespace

void copy_for_screen(const v1::Incident& incident, v1::Incident& out, std::size_t evidence) {
  copy_scalars(incident, out);
  copy_latest_evidence(incident, out, evidence);
  *out.mutable_nearby() = incident.nearby();
  *out.mutable_history() = incident.history();
}

void copy_summary(const v1::Incident& incident, v1::Incident& out) {
  copy_scalars(incident, out);
  copy_latest_evidence(incident, out, 1);
  // Where the incident is matters to a wall; where each report put it, only to the detail pane.
  if (out.evidence_size() > 0) out.mutable_evidence(0)->clear_position();
}

Picture::Picture(const gis::LayerSet& layers, const EngineRules& rules)
    : layers_(layers), rules_(rules) {}

bool Picture::is_open(v1::IncidentStatus status) {
  return status == v1::INCIDENT_STATUS_NEW || status == v1::INCIDENT_STATUS_ACKNOWLEDGED ||
         status == v1::INCIDENT_STATUS_DISPATCHED;
}

bool Picture::is_active(v1::TaskState state) {
  return state != v1::TASK_STATE_DONE && state != v1::TASK_STATE_CANCELLED &&
         state != v1::TASK_STATE_UNSPECIFIED;
}

const v1::Incident* Picture::incident(const std::string& id) const {
  const auto it = incidents_.find(id);
  return it == incidents_.end() ? nullptr : &it->second;
}

const v1::Task* Picture::task(const std::string& id) const {
  const auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second;
}

Changes Picture::apply(const v1::JournalEntry& entry) {
  Changes changes;
  if (entry.seq() <= seq_) return changes;  // already in the picture (replay overlap)
  seq_ = entry.seq();
  now_us_ = std::max(now_us_, to_micros(entry.at()));
  actor_ = entry.actor();
  switch (entry.body_case()) {
    case v1::JournalEntry::kObservation:
      apply_observation(entry.observation(), changes);
      break;
    case v1::JournalEntry::kCommand:
      changes.result = apply_command(entry.command(), entry.actor(), changes);
      break;
    case v1::JournalEntry::kTick:
      apply_tick(changes);
      break;
    case v1::JournalEntry::BODY_NOT_SET:
      break;
  }
  reindex_kpis(changes);
  return changes;
}

Picture::KpiShare Picture::kpi_share(const v1::Incident& i) const {
  KpiShare share;
  share.adcode = i.district().adcode();
  share.open = is_open(i.status());
  share.kind = i.kind();
  share.severity = i.severity();
  for (const auto& t : i.history()) {
    if (t.to() == "acknowledged") {
      share.ack_us = to_micros(t.at()) - to_micros(i.first_seen());
      break;
    }
  }
  for (const auto& task_id : i.task_ids()) {
    const auto it = tasks_.find(task_id);
    if (it == tasks_.end()) continue;
    const v1::Task& task = it->second;
    if (task.kind() != v1::TASK_KIND_VERIFY || task.state() != v1::TASK_STATE_DONE) continue;
    share.verify_us =
        to_micros(task.history(task.history_size() - 1).at()) - to_micros(i.first_seen());
    break;
  }
  return share;
}

void Picture::add_share(const KpiShare& share, int sign) {
  KpiSums& sums = kpi_sums_[share.adcode];
  if (share.open) {
    open_count_ += sign;
    auto& count = sums.open[{share.kind, share.severity}];
    count += sign;
    if (count == 0) sums.open.erase({share.kind, share.severity});
  }
  if (share.ack_us) {
    sums.ack_us += sign * *share.ack_us;
    sums.ack_count += sign;
  }
  if (share.verify_us) {
    sums.verify_us += sign * *share.verify_us;
    sums.verify_count += sign;
  }
}

void Picture::index_kpis(const std::string& id, const v1::Incident& incident) {
  KpiShare share = kpi_share(incident);
  add_share(share, +1);
  kpi_shares_.emplace(id, std::move(share));
}

void Picture::reindex_kpis(const Changes& changes) {
  std::set<std::string> touched(changes.incidents.begin(), changes.incidents.end());
  for (const auto& task_id : changes.tasks) {
    if (const auto it = tasks_.find(task_id); it != tasks_.end()) {
      touched.insert(it->second.incident_id());
    }
  }
  touched.insert(changes.removed_incidents.begin(), changes.removed_incidents.end());
  for (const auto& id : touched) {
    if (const auto old = kpi_shares_.find(id); old != kpi_shares_.end()) {
      add_share(old->second, -1);
      kpi_shares_.erase(old);
    }
    if (const auto it = incidents_.find(id); it != incidents_.end()) index_kpis(id, it->second);
  }
}

// ---------------------------------------------------------------------------------------------
// Observations and fusion

void Picture::apply_observation(const v1::Observation& o, Changes& changes) {
  if (!seen_.emplace(o.id(), to_micros(o.observed_at())).second) return;  // idempotent
  if (o.has_gauge_reading()) {
    apply_flood(o, changes);
  } else if (is_fire_alarm(o)) {
    apply_fire(o, changes);
  } else if (o.has_camera_alarm()) {
    apply_security(o, changes);
  } else if (o.has_published_warning()) {
    apply_warning(o, changes);
  }
}

v1::Incident& Picture::open_incident(v1::IncidentKind kind, const v1::Observation& o) {
  const std::string id = padded("INC-", next_incident_number_++);
  v1::Incident& incident = incidents_[id];
  incident.set_id(id);
  incident.set_kind(kind);
  incident.set_status(v1::INCIDENT_STATUS_NEW);
  incident.set_severity(v1::SEVERITY_BLUE);
  *incident.mutable_position() = o.location();
  *incident.mutable_district() = o.district();
  *incident.mutable_first_seen() = o.observed_at();
  *incident.mutable_last_seen() = o.observed_at();
  v1::Transition* created = incident.add_history();
  created->set_to("new");
  created->set_by("system");
  *created->mutable_at() = to_timestamp(now_us_);
  created->set_note("由 " + o.source() + " 上报新建");  // notes are shown to operators
  return incident;
}

v1::Evidence& Picture::add_evidence(v1::Incident& incident, const v1::Observation& o,
                                    double confidence, const std::string& summary) {
  incident.set_evidence_count(incident.evidence_count() + 1);
  v1::Evidence* evidence = incident.add_evidence();
  evidence->set_observation_id(o.id());
  evidence->set_source(o.source());
  *evidence->mutable_observed_at() = o.observed_at();
  *evidence->mutable_position() = o.location();
  evidence->set_confidence(confidence);
  evidence->set_summary(summary);
  if (to_micros(o.observed_at()) > to_micros(incident.last_seen())) {
    *incident.mutable_last_seen() = o.observed_at();
  }
  if (to_micros(o.observed_at()) < to_micros(incident.first_seen())) {
    *incident.mutable_first_seen() = o.observed_at();
  }
  if (static_cast<std::size_t>(incident.evidence_size()) > rules_.max_evidence) {
    incident.mutable_evidence()->DeleteSubrange(0, 1);
  }
  return *incident.mutable_evidence(incident.evidence_size() - 1);
}

void Picture::refresh_nearby(v1::Incident& incident) {
  incident.clear_nearby();
  const auto& resources = layers_.resources();
  const gis::LonLat at{incident.position().lon(), incident.position().lat()};
  for (const auto& n : resources.nearest(at, rules_.nearest_k, rules_.nearest_radius_m)) {
    const auto& site = resources.sites()[n.site];
    v1::NearbyResource* r = incident.add_nearby();
    r->set_resource_id(site.id);
    r->set_name(site.name);
    r->set_kind(site.kind);
    r->set_layer(site.layer);
    r->mutable_position()->set_lon(site.position.lon);
    r->mutable_position()->set_lat(site.position.lat);
    r->set_distance_m(std::round(n.distance_m));
  }
}

bool Picture::near_sensitive(const v1::LonLat& position, double radius_m) const {
  return !layers_.sensitive().nearest({position.lon(), position.lat()}, 1, radius_m).empty();
}

void Picture::escalate(v1::Incident& incident, v1::Severity computed) {
  // Automatic changes only ever raise severity; lowering it is an operator's decision.
  if (computed <= incident.severity()) return;
  v1::Transition* t = incident.add_history();
  t->set_from(severity_name(incident.severity()));
  t->set_to(severity_name(computed));
  t->set_by("system");
  *t->mutable_at() = to_timestamp(now_us_);
  t->set_note("severity");
  incident.set_severity(computed);
}

void Picture::touch(v1::Incident& incident, Changes& changes) {
  incident.set_version(seq_);
  if (std::find(changes.incidents.begin(), changes.incidents.end(), incident.id()) ==
      changes.incidents.end()) {
    changes.incidents.push_back(incident.id());
  }
}

namespace {

/// One key for a grid cell's column and row.
std::int64_t pack_cell(std::int64_t x, std::int64_t y) { return (x << 32) ^ (y & 0xffffffff); }

std::int64_t fire_cell_key(double lon, double lat, double cell_deg) {
  return pack_cell(static_cast<std::int64_t>(std::floor(lon / cell_deg)),
                   static_cast<std::int64_t>(std::floor(lat / cell_deg)));
}

}  // namespace

void Picture::index_fire(const v1::Incident& incident) {
  const double cell = 2.0 * rules_.fire.radius_m / kMetresPerDegree;
  fire_cells_[fire_cell_key(incident.position().lon(), incident.position().lat(), cell)].insert(
      incident.id());
}

void Picture::unindex_fire(const v1::Incident& incident) {
  const double cell = 2.0 * rules_.fire.radius_m / kMetresPerDegree;
  const auto key = fire_cell_key(incident.position().lon(), incident.position().lat(), cell);
  const auto it = fire_cells_.find(key);
  if (it == fire_cells_.end()) return;
  it->second.erase(incident.id());
  if (it->second.empty()) fire_cells_.erase(it);
}

std::vector<std::string> Picture::fire_candidates(const v1::LonLat& position) const {
  // Cells are two radii wide in latitude degrees; in longitude that still spans at least one
  // radius below 60° of latitude, so the 3x3 block around the point holds every candidate.
  const double cell = 2.0 * rules_.fire.radius_m / kMetresPerDegree;
  const auto cx = static_cast<std::int64_t>(std::floor(position.lon() / cell));
  const auto cy = static_cast<std::int64_t>(std::floor(position.lat() / cell));
  std::vector<std::string> ids;
  for (std::int64_t dx = -1; dx <= 1; ++dx) {
    for (std::int64_t dy = -1; dy <= 1; ++dy) {
      const auto it = fire_cells_.find(pack_cell(cx + dx, cy + dy));
      if (it != fire_cells_.end()) ids.insert(ids.end(), it->second.begin(), it->second.end());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

void Picture::apply_fire(const v1::Observation& o, Changes& changes) {
  const std::int64_t t = to_micros(o.observed_at());
  const std::int64_t window = rules_.fire.window_s * kMicrosPerSecond;
  v1::Incident* target = nullptr;
  double best = rules_.fire.radius_m;
  for (const auto& id : fire_candidates(o.location())) {
    v1::Incident& candidate = incidents_.at(id);
    if (!is_open(candidate.status())) continue;
    if (t < to_micros(candidate.first_seen()) - window ||
        t > to_micros(candidate.last_seen()) + window) {
      continue;
    }
    const double d = distance_m(candidate.position(), o.location());
    if (d <= best) {  // ids are sorted: on a tie the lower id wins
      if (target == nullptr || d < best) target = &candidate;
      best = d;
    }
  }

  double confidence = 0.0;
  std::string summary;
  bool flame = false;
  if (o.has_smoke_detection()) {
    const auto& s = o.smoke_detection();
    confidence = s.confidence();
    flame = s.flame();
    summary = std::string(s.flame() ? "明火" : "烟雾") + " " + fixed(s.confidence(), 2) + " 方位 " +
              fixed(s.azimuth_deg(), 0) + "°";
    if (s.distance_m() > 0) summary += " 距离 " + fixed(s.distance_m() / 1000.0, 1) + " km";
  } else {
    confidence = alarm_confidence(o.camera_alarm());
    flame = o.camera_alarm().type() == v1::CameraAlarm::TYPE_FIRE;
    summary =
        std::string("视频") + alarm_label(o.camera_alarm().type()) + " " + fixed(confidence, 2);
  }

  if (target == nullptr) {
    target = &open_incident(v1::INCIDENT_KIND_FIRE, o);
    target->set_title(o.district().name().empty() ? std::string("辖区外 火情")
                                                  : o.district().name() + " 火情");
  } else {
    unindex_fire(*target);
  }
  add_evidence(*target, o, confidence, summary).set_flame(flame);

  // Noisy-OR over independent sources (each counted once, at its highest confidence); the
  // position is the confidence-weighted centre of all evidence. Kept as running sums.
  v1::FireAggregate& sums = fires_[target->id()];
  sums.set_incident_id(target->id());
  auto* sources = sums.mutable_sources();
  auto at = std::lower_bound(sources->begin(), sources->end(), o.source(),
                             [](const v1::FireAggregate::Source& s, const std::string& name) {
                               return s.source() < name;
                             });
  if (at == sources->end() || at->source() != o.source()) {
    const int index = static_cast<int>(at - sources->begin());
    sources->Add();
    for (int i = sources->size() - 1; i > index; --i) sources->SwapElements(i, i - 1);
    sources->Mutable(index)->set_source(o.source());
    at = sources->begin() + index;
  }
  at->set_confidence(std::max(at->confidence(), confidence));
  const double w = std::max(confidence, 0.05);
  sums.set_weight(sums.weight() + w);
  sums.set_weighted_lon(sums.weighted_lon() + w * o.location().lon());
  sums.set_weighted_lat(sums.weighted_lat() + w * o.location().lat());
  sums.set_flame(sums.flame() || flame);

  double miss = 1.0;
  for (const auto& s : sums.sources()) miss *= 1.0 - s.confidence();
  target->set_confidence(1.0 - miss);
  target->mutable_position()->set_lon(sums.weighted_lon() / sums.weight());
  target->mutable_position()->set_lat(sums.weighted_lat() / sums.weight());
  index_fire(*target);
  // The nearest resources change only when the centre moves noticeably.
  if (target->nearby_size() == 0 || distance_m(sums.nearby_at(), target->position()) > 100.0) {
    refresh_nearby(*target);
    *sums.mutable_nearby_at() = target->position();
  }

  FireFacts facts;
  facts.sources = static_cast<std::size_t>(sums.sources_size());
  facts.confidence = target->confidence();
  facts.flame = sums.flame();
  facts.near_sensitive = near_sensitive(target->position(), rules_.fire.sensitive_radius_m);
  escalate(*target, fire_severity(facts));
  touch(*target, changes);
}

void Picture::apply_flood(const v1::Observation& o, Changes& changes) {
  const auto& reading = o.gauge_reading();
  v1::GaugeState& gauge = gauges_[reading.gauge_id()];
  const bool was_above =
      gauge.last_hour_size() > 0 &&
      gauge.last_hour(gauge.last_hour_size() - 1).level_m() >= gauge.warning_level_m();
  gauge.set_gauge_id(reading.gauge_id());
  *gauge.mutable_position() = o.location();
  *gauge.mutable_district() = o.district();
  gauge.set_warning_level_m(reading.warning_level_m());
  gauge.set_guarantee_level_m(reading.guarantee_level_m());

  // Keep the last hour of readings, in time order, for the rise rate.
  const std::int64_t t = to_micros(o.observed_at());
  auto* readings = gauge.mutable_last_hour();
  int insert_at = readings->size();
  while (insert_at > 0 && to_micros(readings->Get(insert_at - 1).at()) > t) --insert_at;
  v1::GaugeState::Reading fresh;
  *fresh.mutable_at() = o.observed_at();
  fresh.set_level_m(reading.water_level_m());
  readings->Add(std::move(fresh));
  for (int i = readings->size() - 1; i > insert_at; --i) readings->SwapElements(i, i - 1);
  const std::int64_t newest = to_micros(readings->Get(readings->size() - 1).at());
  int drop = 0;
  while (drop < readings->size() - 1 && to_micros(readings->Get(drop).at()) < newest - kHourUs) {
    ++drop;
  }
  if (drop > 0) readings->DeleteSubrange(0, drop);

  const double rise = rise_rate(gauge);
  const double level = readings->Get(readings->size() - 1).level_m();
  const bool above = level >= gauge.warning_level_m();
  if (above != was_above) changes.gauges = true;
  changes.gauge_ids.push_back(reading.gauge_id());

  v1::Incident* incident = nullptr;
  if (!gauge.open_incident_id().empty()) {
    incident = &incidents_.at(gauge.open_incident_id());
    if (!is_open(incident->status())) {
      incident = nullptr;
      gauge.clear_open_incident_id();
    }
  }
  if (incident == nullptr && !above) return;

  const std::string summary = "水位 " + fixed(reading.water_level_m(), 2) + " m（警戒 " +
                              fixed(gauge.warning_level_m(), 2) + " m）涨率 " + fixed(rise, 2) +
                              " m/h";
  if (incident == nullptr) {
    incident = &open_incident(v1::INCIDENT_KIND_FLOOD, o);
    incident->set_device_id(reading.gauge_id());
    gauge.set_open_incident_id(incident->id());
    incident->set_title(sensor_name(reading.gauge_id()) + " 水位超警");
    refresh_nearby(*incident);
  }
  add_evidence(*incident, o, 1.0, summary);
  incident->set_peak_level_m(std::max(incident->peak_level_m(), level));
  incident->set_rise_rate_m_per_h(std::round(rise * 1000.0) / 1000.0);
  incident->set_confidence(1.0);

  if (above) {
    gauge.set_readings_below_warning(0);
    FloodFacts facts;
    facts.level_m = level;
    facts.warning_level_m = gauge.warning_level_m();
    facts.guarantee_level_m = gauge.guarantee_level_m();
    facts.rise_m_per_h = rise;
    escalate(*incident, flood_severity(facts, rules_.flood));
  } else {
    gauge.set_readings_below_warning(gauge.readings_below_warning() + 1);
    if (gauge.readings_below_warning() >= rules_.flood.resolve_after_readings) {
      transition(
          *incident, v1::INCIDENT_STATUS_RESOLVED, "system",
          "连续 " + std::to_string(gauge.readings_below_warning()) + " 次低于警戒水位，自动解除");
      gauge.clear_open_incident_id();
      gauge.set_readings_below_warning(0);
    }
  }
  touch(*incident, changes);
}

double Picture::rise_rate(const v1::GaugeState& gauge) {
  if (gauge.last_hour_size() == 0) return 0.0;
  const auto& oldest = gauge.last_hour(0);
  const auto& latest = gauge.last_hour(gauge.last_hour_size() - 1);
  const double span_h = static_cast<double>(to_micros(latest.at()) - to_micros(oldest.at())) /
                        static_cast<double>(kHourUs);
  // A rate over less than five minutes says more about noise than about the river.
  return span_h >= 5.0 / 60.0 ? (latest.level_m() - oldest.level_m()) / span_h : 0.0;
}

std::string Picture::sensor_name(const std::string& id) const {
  if (const auto* sensor = layers_.sensor(id)) {
    if (const auto* name = sensor->layer->field(*sensor->feature, "name")) {
      return gis::to_text(*name);
    }
  }
  return id;
}

const v1::GaugeState* Picture::gauge(const std::string& id) const {
  const auto it = gauges_.find(id);
  return it == gauges_.end() || it->second.last_hour_size() == 0 ? nullptr : &it->second;
}

void Picture::copy_gauge(const v1::GaugeState& gauge, v1::Gauge& out) const {
  out.Clear();
  out.set_gauge_id(gauge.gauge_id());
  out.set_name(sensor_name(gauge.gauge_id()));
  *out.mutable_position() = gauge.position();
  *out.mutable_district() = gauge.district();
  out.set_warning_level_m(gauge.warning_level_m());
  out.set_guarantee_level_m(gauge.guarantee_level_m());
  out.set_open_incident_id(gauge.open_incident_id());
  if (gauge.last_hour_size() == 0) return;
  const auto& latest = gauge.last_hour(gauge.last_hour_size() - 1);
  out.set_level_m(latest.level_m());
  *out.mutable_at() = latest.at();
  out.set_rise_rate_m_per_h(std::round(rise_rate(gauge) * 1000.0) / 1000.0);
  // The trend: the latest reading of each 5-minute slot back from the newest, oldest first.
  constexpr std::int64_t kSlotUs = 300 * kMicrosPerSecond;
  const std::int64_t newest = to_micros(latest.at());
  std::int64_t last_slot = -1;
  for (int i = gauge.last_hour_size() - 1; i >= 0; --i) {
    const auto& r = gauge.last_hour(i);
    const std::int64_t slot = (newest - to_micros(r.at())) / kSlotUs;
    if (slot == last_slot) continue;
    last_slot = slot;
    auto* point = out.add_recent();
    *point->mutable_at() = r.at();
    point->set_level_m(r.level_m());
  }
  std::reverse(out.mutable_recent()->begin(), out.mutable_recent()->end());
}

void Picture::apply_security(const v1::Observation& o, Changes& changes) {
  const auto& alarm = o.camera_alarm();
  const std::int64_t t = to_micros(o.observed_at());
  v1::Incident* incident = nullptr;
  const auto open = open_security_by_camera_.find(alarm.camera_id());
  if (open != open_security_by_camera_.end()) {
    v1::Incident& candidate = incidents_.at(open->second);
    if (is_open(candidate.status()) &&
        t <= to_micros(candidate.last_seen()) + rules_.security.dedup_window_s * kMicrosPerSecond) {
      incident = &candidate;
    }
  }
  if (incident == nullptr) {
    incident = &open_incident(v1::INCIDENT_KIND_SECURITY, o);
    incident->set_title(
        (o.district().name().empty() ? std::string("辖区外") : o.district().name()) + " " +
        alarm_label(alarm.type()));
    incident->set_device_id(alarm.camera_id());
    open_security_by_camera_[alarm.camera_id()] = incident->id();
    refresh_nearby(*incident);
  }
  const double confidence = alarm_confidence(alarm);
  // An alarm without a priority is taken as an ordinary one (3).
  const int priority = alarm.priority() == 0 ? 3 : alarm.priority();
  add_evidence(*incident, o, confidence,
               std::string(alarm_label(alarm.type())) + " 优先级 " + std::to_string(priority))
      .set_priority(priority);
  incident->set_confidence(std::max(incident->confidence(), confidence));

  SecurityFacts facts;
  facts.best_priority = 4;
  for (const auto& e : incident->evidence()) {
    facts.best_priority = std::min(facts.best_priority, e.priority());
  }
  facts.alarms = static_cast<std::uint32_t>(incident->evidence_size());
  facts.near_sensitive = near_sensitive(incident->position(), rules_.security.sensitive_radius_m);
  escalate(*incident, security_severity(facts, rules_.security));
  touch(*incident, changes);
}

// A published warning is one incident per CAP alert: its translations (several info blocks) and
// its Updates join it, an Update may change its colour either way (the publisher's word, not an
// automatic estimate), and a Cancel or the expiry time resolves it.
void Picture::apply_warning(const v1::Observation& o, Changes& changes) {
  const auto& w = o.published_warning();
  v1::Incident* incident = nullptr;
  auto find = [&](const std::string& identifier) -> v1::Incident* {
    const auto it = warnings_.find(identifier);
    if (it == warnings_.end()) return nullptr;
    v1::Incident& candidate = incidents_.at(it->second);
    return is_open(candidate.status()) ? &candidate : nullptr;
  };
  incident = find(w.identifier());
  for (int i = 0; incident == nullptr && i < w.references_size(); ++i) {
    incident = find(w.references(i));
  }
  if (w.msg_type() == v1::PublishedWarning::MSG_TYPE_CANCEL) {
    if (incident == nullptr) return;  // a Cancel of what is not (or no longer) open changes nothing
    add_evidence(*incident, o, 1.0,
                 "预警解除: " + (w.headline().empty() ? w.event() : w.headline()));
    transition(*incident, v1::INCIDENT_STATUS_RESOLVED, "system", "预警已由发布单位解除");
    touch(*incident, changes);
    return;
  }
  const bool opened = incident == nullptr;
  if (opened) {
    incident = &open_incident(v1::INCIDENT_KIND_WARNING, o);
    incident->set_device_id(w.identifier());
    incident->set_confidence(1.0);
    refresh_nearby(*incident);
  }
  warnings_[w.identifier()] = incident->id();
  const bool is_update = w.msg_type() == v1::PublishedWarning::MSG_TYPE_UPDATE;
  // The Chinese info block names the incident; a translation only adds evidence.
  if (opened || is_update || w.language().rfind("zh", 0) == 0) {
    incident->set_title(w.headline().empty() ? w.event() : w.headline());
  }
  if (w.has_expires()) *incident->mutable_expires() = w.expires();
  add_evidence(*incident, o, 1.0,
               std::string(is_update ? "预警更新: " : "发布预警: ") +
                   (w.headline().empty() ? w.event() : w.headline()));
  const v1::Severity published =
      w.severity() == v1::SEVERITY_UNSPECIFIED ? v1::SEVERITY_BLUE : w.severity();
  if (opened || (is_update && published != incident->severity())) {
    if (published != incident->severity()) {
      v1::Transition* t = incident->add_history();
      t->set_from(severity_name(incident->severity()));
      t->set_to(severity_name(published));
      t->set_by("system");
      *t->mutable_at() = to_timestamp(now_us_);
      t->set_note(opened ? "severity" : "发布单位调整预警级别");
      incident->set_severity(published);
    }
  } else {
    escalate(*incident, published);
  }
  touch(*incident, changes);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle, tasks, commands

void Picture::transition(v1::Incident& incident, v1::IncidentStatus to, const std::string& by,
                         const std::string& note) {
  v1::Transition* t = incident.add_history();
  t->set_from(status_name(incident.status()));
  t->set_to(status_name(to));
  t->set_by(by);
  *t->mutable_at() = to_timestamp(now_us_);
  t->set_note(note);
  const bool was_open = is_open(incident.status());
  incident.set_status(to);
  if (was_open && !is_open(to)) {
    if (incident.kind() == v1::INCIDENT_KIND_FIRE) {
      unindex_fire(incident);
      fires_.erase(incident.id());
    }
    if (incident.kind() == v1::INCIDENT_KIND_SECURITY) {
      for (auto it = open_security_by_camera_.begin(); it != open_security_by_camera_.end();) {
        it = it->second == incident.id() ? open_security_by_camera_.erase(it) : std::next(it);
      }
    }
    if (incident.kind() == v1::INCIDENT_KIND_WARNING) {
      for (auto it = warnings_.begin(); it != warnings_.end();) {
        it = it->second == incident.id() ? warnings_.erase(it) : std::next(it);
      }
    }
  }
}

void Picture::transition(v1::Task& task, v1::TaskState to, const std::string& by,
                         const std::string& note) {
  v1::Transition* t = task.add_history();
  t->set_from(task_state_name(task.state()));
  t->set_to(task_state_name(to));
  t->set_by(by);
  *t->mutable_at() = to_timestamp(now_us_);
  t->set_note(note);
  const bool was_active = is_active(task.state());
  task.set_state(to);
  task.set_version(seq_);
  if (was_active && !is_active(to) && --busy_teams_[task.resource_id()] <= 0) {
    busy_teams_.erase(task.resource_id());
  }
}

void Picture::cancel_open_tasks(v1::Incident& incident, const std::string& by,
                                const std::string& why, Changes& changes) {
  for (const auto& task_id : incident.task_ids()) {
    v1::Task& task = tasks_.at(task_id);
    if (!is_active(task.state())) continue;
    transition(task, v1::TASK_STATE_CANCELLED, by, why);
    changes.tasks.push_back(task_id);
  }
}

namespace {

/// The nearest rescue team without an active task, if there is one.
const gis::Site* choose_team(const gis::LayerSet& layers, const v1::LonLat& at,
                             const std::map<std::string, int>& busy) {
  const auto& resources = layers.resources();
  const auto found = resources.nearest(
      {at.lon(), at.lat()}, 1, gis::NearestIndex::kUnlimited, [&](const gis::Site& site) {
        return site.kind == "rescue_team" && busy.count(site.id) == 0;
      });
  return found.empty() ? nullptr : &resources.sites()[found.front().site];
}

const gis::Site* find_resource(const gis::LayerSet& layers, const std::string& id) {
  for (const auto& site : layers.resources().sites()) {
    if (site.id == id) return &site;
  }
  return nullptr;
}

int task_rank(v1::TaskState s) {
  switch (s) {
    case v1::TASK_STATE_DISPATCHED:
      return 1;
    case v1::TASK_STATE_ACCEPTED:
      return 2;
    case v1::TASK_STATE_EN_ROUTE:
      return 3;
    case v1::TASK_STATE_ON_SCENE:
      return 4;
    case v1::TASK_STATE_DONE:
      return 5;
    default:
      return 0;
  }
}

}  // namespace

std::optional<v1::CommandResult> Picture::check(const v1::Command& command) const {
  auto need_incident = [&](const std::string& id) -> const v1::Incident* { return incident(id); };
  switch (command.action_case()) {
    case v1::Command::kAcknowledge: {
      const auto* i = need_incident(command.acknowledge().incident_id());
      if (i == nullptr) {
        return failure(command, "unknown_incident",
                       "no incident '" + command.acknowledge().incident_id() + "'");
      }
      if (i->status() != v1::INCIDENT_STATUS_NEW) {
        return failure(command, "invalid_transition",
                       i->id() + " is " + status_name(i->status()) + ", not new");
      }
      return std::nullopt;
    }
    case v1::Command::kDispatch: {
      const auto& d = command.dispatch();
      const auto* i = need_incident(d.incident_id());
      if (i == nullptr) {
        return failure(command, "unknown_incident", "no incident '" + d.incident_id() + "'");
      }
      if (!is_open(i->status())) {
        return failure(command, "invalid_transition",
                       i->id() + " is " + status_name(i->status()) + ": nothing to dispatch to");
      }
      if (d.kind() == v1::TASK_KIND_UNSPECIFIED) {
        return failure(command, "invalid_command", "dispatch.kind is required");
      }
      if (d.resource_id().empty()) {
        if (choose_team(layers_, i->position(), busy_teams_) == nullptr) {
          return failure(command, "no_available_team", "every rescue team has an active task");
        }
      } else {
        const gis::Site* site = find_resource(layers_, d.resource_id());
        if (site == nullptr) {
          return failure(command, "unknown_resource", "no resource '" + d.resource_id() + "'");
        }
        if (site->kind != "rescue_team") {
          return failure(command, "invalid_command",
                         "'" + d.resource_id() + "' is a " + site->kind + ", not a rescue team");
        }
      }
      if (d.due_in_s() > 7 * 24 * 3600) {
        return failure(command, "invalid_command", "dispatch.dueInS is over a week");
      }
      return std::nullopt;
    }
    case v1::Command::kUpdateTask: {
      const auto& u = command.update_task();
      const auto* t = task(u.task_id());
      if (t == nullptr) return failure(command, "unknown_task", "no task '" + u.task_id() + "'");
      if (!is_active(t->state())) {
        return failure(command, "invalid_transition",
                       t->id() + " is " + task_state_name(t->state()) + " already");
      }
      if (u.state() == v1::TASK_STATE_CANCELLED) return std::nullopt;
      if (task_rank(u.state()) <= task_rank(t->state())) {
        return failure(command, "invalid_transition",
                       t->id() + " cannot go from " + task_state_name(t->state()) + " to " +
                           task_state_name(u.state()));
      }
      return std::nullopt;
    }
    case v1::Command::kClose: {
      const auto* i = need_incident(command.close().incident_id());
      if (i == nullptr) {
        return failure(command, "unknown_incident",
                       "no incident '" + command.close().incident_id() + "'");
      }
      if (i->status() == v1::INCIDENT_STATUS_NEW) {
        return failure(command, "invalid_transition", i->id() + " is new: acknowledge it first");
      }
      if (i->status() == v1::INCIDENT_STATUS_CLOSED ||
          i->status() == v1::INCIDENT_STATUS_FALSE_ALARM) {
        return failure(command, "invalid_transition",
                       i->id() + " is " + status_name(i->status()) + " already");
      }
      return std::nullopt;
    }
    case v1::Command::kFalseAlarm: {
      const auto* i = need_incident(command.false_alarm().incident_id());
      if (i == nullptr) {
        return failure(command, "unknown_incident",
                       "no incident '" + command.false_alarm().incident_id() + "'");
      }
      if (!is_open(i->status())) {
        return failure(command, "invalid_transition",
                       i->id() + " is " + status_name(i->status()) + ", no longer open");
      }
      return std::nullopt;
    }
    case v1::Command::kSetSeverity: {
      const auto& s = command.set_severity();
      const auto* i = need_incident(s.incident_id());
      if (i == nullptr) {
        return failure(command, "unknown_incident", "no incident '" + s.incident_id() + "'");
      }
      if (s.severity() < v1::SEVERITY_BLUE || s.severity() > v1::SEVERITY_RED) {
        return failure(command, "invalid_command", "setSeverity.severity must be blue..red");
      }
      if (!is_open(i->status())) {
        return failure(command, "invalid_transition",
                       i->id() + " is " + status_name(i->status()) + ", no longer open");
      }
      return std::nullopt;
    }
    case v1::Command::kResolve: {
      const auto* i = need_incident(command.resolve().incident_id());
      if (i == nullptr) {
        return failure(command, "unknown_incident",
                       "no incident '" + command.resolve().incident_id() + "'");
      }
      if (!is_open(i->status())) {
        return failure(command, "invalid_transition",
                       i->id() + " is " + status_name(i->status()) + ", no longer open");
      }
      return std::nullopt;
    }
    case v1::Command::ACTION_NOT_SET:
      break;
  }
  return failure(command, "invalid_command", "the command names no action");
}

v1::CommandResult Picture::apply_command(const v1::Command& command, const std::string& actor,
                                         Changes& changes) {
  if (auto refused = check(command)) return *refused;
  v1::CommandResult result;
  result.set_correlation_id(command.correlation_id());
  result.set_ok(true);
  switch (command.action_case()) {
    case v1::Command::kAcknowledge: {
      v1::Incident& i = incidents_.at(command.acknowledge().incident_id());
      transition(i, v1::INCIDENT_STATUS_ACKNOWLEDGED, actor, command.acknowledge().note());
      result.set_incident_id(i.id());
      touch(i, changes);
      break;
    }
    case v1::Command::kDispatch: {
      const auto& d = command.dispatch();
      v1::Incident& i = incidents_.at(d.incident_id());
      const gis::Site* team = d.resource_id().empty()
                                  ? choose_team(layers_, i.position(), busy_teams_)
                                  : find_resource(layers_, d.resource_id());
      const std::string id = padded("TASK-", next_task_number_++);
      v1::Task& task = tasks_[id];
      task.set_id(id);
      task.set_incident_id(i.id());
      task.set_kind(d.kind());
      task.set_state(v1::TASK_STATE_DISPATCHED);
      task.set_resource_id(team->id);
      task.set_resource_name(team->name);
      *task.mutable_created_at() = to_timestamp(now_us_);
      std::int64_t due_s = d.due_in_s();
      if (due_s == 0) {
        due_s = d.kind() == v1::TASK_KIND_VERIFY   ? rules_.tasks.verify_due_s
                : d.kind() == v1::TASK_KIND_HANDLE ? rules_.tasks.handle_due_s
                                                   : rules_.tasks.evacuate_due_s;
      }
      *task.mutable_due_at() = to_timestamp(now_us_ + due_s * kMicrosPerSecond);
      task.set_created_by(actor);
      task.set_note(d.note());
      *task.mutable_district() = i.district();
      v1::Transition* created = task.add_history();
      created->set_to("dispatched");
      created->set_by(actor);
      *created->mutable_at() = to_timestamp(now_us_);
      created->set_note(d.note());
      task.set_version(seq_);
      ++busy_teams_[team->id];
      i.add_task_ids(id);
      if (i.status() != v1::INCIDENT_STATUS_DISPATCHED) {
        transition(i, v1::INCIDENT_STATUS_DISPATCHED, actor, "派发任务 " + id);
      }
      result.set_incident_id(i.id());
      result.set_task_id(id);
      touch(i, changes);
      changes.tasks.push_back(id);
      break;
    }
    case v1::Command::kUpdateTask: {
      const auto& u = command.update_task();
      v1::Task& task = tasks_.at(u.task_id());
      transition(task, u.state(), actor, u.note());
      result.set_task_id(task.id());
      result.set_incident_id(task.incident_id());
      changes.tasks.push_back(task.id());
      break;
    }
    case v1::Command::kClose: {
      v1::Incident& i = incidents_.at(command.close().incident_id());
      cancel_open_tasks(i, actor, "事件销号", changes);
      transition(i, v1::INCIDENT_STATUS_CLOSED, actor, command.close().note());
      result.set_incident_id(i.id());
      touch(i, changes);
      break;
    }
    case v1::Command::kFalseAlarm: {
      v1::Incident& i = incidents_.at(command.false_alarm().incident_id());
      cancel_open_tasks(i, actor, "误报", changes);
      transition(i, v1::INCIDENT_STATUS_FALSE_ALARM, actor, command.false_alarm().note());
      result.set_incident_id(i.id());
      touch(i, changes);
      break;
    }
    case v1::Command::kSetSeverity: {
      const auto& s = command.set_severity();
      v1::Incident& i = incidents_.at(s.incident_id());
      v1::Transition* t = i.add_history();
      t->set_from(severity_name(i.severity()));
      t->set_to(severity_name(s.severity()));
      t->set_by(actor);
      *t->mutable_at() = to_timestamp(now_us_);
      t->set_note(s.note().empty() ? "severity" : "severity: " + s.note());
      i.set_severity(s.severity());
      result.set_incident_id(i.id());
      touch(i, changes);
      break;
    }
    case v1::Command::kResolve: {
      v1::Incident& i = incidents_.at(command.resolve().incident_id());
      transition(i, v1::INCIDENT_STATUS_RESOLVED, actor, command.resolve().note());
      result.set_incident_id(i.id());
      touch(i, changes);
      break;
    }
    case v1::Command::ACTION_NOT_SET:
      break;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Time

void Picture::apply_tick(Changes& changes) {
  for (auto& [id, task] : tasks_) {
    if (is_active(task.state()) && !task.overdue() && to_micros(task.due_at()) <= now_us_) {
      task.set_overdue(true);
      task.set_version(seq_);
      changes.tasks.push_back(id);
    }
  }
  // Published warnings past their expiry time are resolved.
  std::vector<std::string> lapsed;
  for (const auto& [identifier, incident_id] : warnings_) {
    const v1::Incident& i = incidents_.at(incident_id);
    if (i.has_expires() && to_micros(i.expires()) <= now_us_ &&
        std::find(lapsed.begin(), lapsed.end(), incident_id) == lapsed.end()) {
      lapsed.push_back(incident_id);
    }
  }
  for (const auto& id : lapsed) {
    v1::Incident& i = incidents_.at(id);
    transition(i, v1::INCIDENT_STATUS_RESOLVED, "system", "预警已到期");
    touch(i, changes);
  }
  // An id older than the acceptance window can never be resent successfully: forget it.
  const std::int64_t oldest = now_us_ - rules_.validation.max_age_s * kMicrosPerSecond;
  for (auto it = seen_.begin(); it != seen_.end();) {
    it = it->second < oldest ? seen_.erase(it) : std::next(it);
  }
  // Finished incidents leave the picture after the retention time, with their tasks.
  const std::int64_t expired = now_us_ - rules_.retention_s * kMicrosPerSecond;
  for (auto it = incidents_.begin(); it != incidents_.end();) {
    const v1::Incident& i = it->second;
    const bool finished = !is_open(i.status());
    const std::int64_t last_change =
        i.history_size() > 0 ? to_micros(i.history(i.history_size() - 1).at()) : 0;
    if (finished && last_change < expired) {
      for (const auto& task_id : i.task_ids()) tasks_.erase(task_id);
      changes.removed_incidents.push_back(i.id());
      it = incidents_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::int64_t> Picture::next_deadline_us() const {
  std::optional<std::int64_t> next;
  for (const auto& [id, task] : tasks_) {
    if (!is_active(task.state()) || task.overdue()) continue;
    const std::int64_t due = to_micros(task.due_at());
    if (!next || due < *next) next = due;
  }
  for (const auto& [identifier, incident_id] : warnings_) {
    const v1::Incident& i = incidents_.at(incident_id);
    if (!i.has_expires()) continue;
    const std::int64_t expires = to_micros(i.expires());
    if (!next || expires < *next) next = expires;
  }
  return next;
}

// ---------------------------------------------------------------------------------------------
// Figures and state

v1::Kpis Picture::kpis(const std::set<std::string>& districts) const {
  auto in_scope = [&](const v1::DistrictRef& d) {
    return districts.empty() || districts.count(d.adcode()) != 0;
  };
  v1::Kpis k;
  std::map<std::tuple<int, int, std::string>, std::int64_t> open;
  std::int64_t ack_us = 0;
  std::int64_t ack_count = 0;
  std::int64_t verify_us = 0;
  std::int64_t verify_count = 0;
  for (const auto& [adcode, sums] : kpi_sums_) {
    if (!districts.empty() && districts.count(adcode) == 0) continue;
    for (const auto& [key, count] : sums.open) open[{key.first, key.second, adcode}] += count;
    ack_us += sums.ack_us;
    ack_count += sums.ack_count;
    verify_us += sums.verify_us;
    verify_count += sums.verify_count;
  }
  const double ack_total = static_cast<double>(ack_us) / 1e6;
  const double verify_total = static_cast<double>(verify_us) / 1e6;
  for (const auto& [key, count] : open) {
    auto* c = k.add_open_incidents();
    c->set_kind(static_cast<v1::IncidentKind>(std::get<0>(key)));
    c->set_severity(static_cast<v1::Severity>(std::get<1>(key)));
    c->set_adcode(std::get<2>(key));
    c->set_count(static_cast<std::uint32_t>(count));
  }
  for (const auto& [id, task] : tasks_) {
    if (!in_scope(task.district()) || !is_active(task.state())) continue;
    k.set_open_tasks(k.open_tasks() + 1);
    if (task.overdue()) k.set_overdue_tasks(k.overdue_tasks() + 1);
  }
  for (const auto& [id, gauge] : gauges_) {
    if (!in_scope(gauge.district()) || gauge.last_hour_size() == 0) continue;
    if (gauge.last_hour(gauge.last_hour_size() - 1).level_m() >= gauge.warning_level_m()) {
      k.set_gauges_above_warning(k.gauges_above_warning() + 1);
    }
  }
  k.set_mean_time_to_acknowledge_s(ack_count == 0 ? 0.0
                                                  : ack_total / static_cast<double>(ack_count));
  k.set_mean_time_to_verify_s(verify_count == 0 ? 0.0
                                                : verify_total / static_cast<double>(verify_count));
  *k.mutable_as_of() = to_timestamp(now_us_);
  return k;
}

v1::EngineState Picture::state() const {
  v1::EngineState s;
  s.set_seq(seq_);
  *s.mutable_now() = to_timestamp(now_us_);
  for (const auto& [id, i] : incidents_) *s.add_incidents() = i;
  for (const auto& [id, t] : tasks_) *s.add_tasks() = t;
  for (const auto& [id, g] : gauges_) *s.add_gauges() = g;
  for (const auto& [id, at] : seen_) {
    auto* seen = s.add_seen();
    seen->set_id(id);
    *seen->mutable_observed_at() = to_timestamp(at);
  }
  s.set_next_incident_number(next_incident_number_);
  s.set_next_task_number(next_task_number_);
  for (const auto& [id, sums] : fires_) *s.add_fires() = sums;
  for (const auto& [identifier, incident_id] : warnings_) {
    auto* key = s.add_warnings();
    key->set_identifier(identifier);
    key->set_incident_id(incident_id);
  }
  return s;
}

void Picture::restore(const v1::EngineState& s) {
  seq_ = s.seq();
  now_us_ = to_micros(s.now());
  incidents_.clear();
  tasks_.clear();
  gauges_.clear();
  seen_.clear();
  fires_.clear();
  fire_cells_.clear();
  open_security_by_camera_.clear();
  warnings_.clear();
  busy_teams_.clear();
  for (const auto& i : s.incidents()) {
    const v1::Incident& incident = incidents_[i.id()] = i;
    if (!is_open(incident.status())) continue;
    if (incident.kind() == v1::INCIDENT_KIND_FIRE) index_fire(incident);
    if (incident.kind() == v1::INCIDENT_KIND_SECURITY) {
      open_security_by_camera_[incident.device_id()] = incident.id();
    }
  }
  for (const auto& t : s.tasks()) {
    const v1::Task& task = tasks_[t.id()] = t;
    if (is_active(task.state())) ++busy_teams_[task.resource_id()];
  }
  for (const auto& g : s.gauges()) gauges_[g.gauge_id()] = g;
  for (const auto& seen : s.seen()) seen_[seen.id()] = to_micros(seen.observed_at());
  next_incident_number_ = s.next_incident_number();
  next_task_number_ = s.next_task_number();
  for (const auto& sums : s.fires()) fires_[sums.incident_id()] = sums;
  for (const auto& key : s.warnings()) warnings_[key.identifier()] = key.incident_id();
  kpi_shares_.clear();
  kpi_sums_.clear();
  open_count_ = 0;
  for (const auto& [id, incident] : incidents_) index_kpis(id, incident);
}

}  // namespace quanyu::engine
