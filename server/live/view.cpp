#include "server/live/view.hpp"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "engine/core/time.hpp"

namespace quanyu::server::live {
namespace {

/// The KPIs' figures without their time stamp: what decides whether they changed.
std::string kpi_figures(const v1::Kpis& kpis) {
  v1::Kpis copy = kpis;
  copy.clear_as_of();
  std::string out;
  copy.SerializeToString(&out);
  return out;
}

void append_number(std::string& out, double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g,", value);
  out += buffer;
}

}  // namespace

Payload encode(const v1::ServerMessage& message, Encoding encoding) {
  auto out = std::make_shared<std::string>();
  if (encoding == Encoding::protobuf) {
    message.SerializeToString(out.get());
  } else {
    // Default values are left out, as in the HTTP API's JSON.
    (void)google::protobuf::util::MessageToJsonString(message, out.get());
  }
  return out;
}

ViewFilter ViewFilter::of(const Scope& scope, const v1::Subscribe& subscribe,
                          v1::IncidentDetail detail) {
  ViewFilter filter;
  filter.detail = subscribe.detail() != v1::INCIDENT_DETAIL_UNSPECIFIED ? subscribe.detail()
                  : detail != v1::INCIDENT_DETAIL_UNSPECIFIED           ? detail
                                                              : v1::INCIDENT_DETAIL_SUMMARY;
  if (subscribe.districts_size() > 0) {
    std::set<std::string> wanted;
    for (const auto& adcode : subscribe.districts()) {
      // Narrowed to the scope: naming a district outside it shows nothing of it.
      if (scope.districts.empty() || scope.districts.count(adcode) != 0) wanted.insert(adcode);
    }
    filter.districts = std::move(wanted);
  } else if (!scope.districts.empty()) {
    filter.districts = scope.districts;
  }
  for (const int kind : subscribe.kinds()) filter.kinds.insert(static_cast<v1::IncidentKind>(kind));
  filter.min_severity = subscribe.min_severity();
  if (subscribe.has_bbox()) filter.bbox = subscribe.bbox();
  return filter;
}

std::optional<std::string> ViewFilter::validate(const v1::Subscribe& subscribe) {
  if (subscribe.has_bbox()) {
    const auto& b = subscribe.bbox();
    const bool finite = std::isfinite(b.min_lon()) && std::isfinite(b.min_lat()) &&
                        std::isfinite(b.max_lon()) && std::isfinite(b.max_lat());
    if (!finite || b.min_lon() > b.max_lon() || b.min_lat() > b.max_lat() || b.min_lat() < -90 ||
        b.max_lat() > 90) {
      return "subscribe.bbox: minLon <= maxLon and -90 <= minLat <= maxLat <= 90 in degrees";
    }
  }
  for (const int kind : subscribe.kinds()) {
    if (!v1::IncidentKind_IsValid(kind) || kind == v1::INCIDENT_KIND_UNSPECIFIED) {
      return "subscribe.kinds: unknown kind " + std::to_string(kind);
    }
  }
  if (!v1::Severity_IsValid(subscribe.min_severity())) {
    return "subscribe.minSeverity: unknown severity " + std::to_string(subscribe.min_severity());
  }
  if (!v1::IncidentDetail_IsValid(subscribe.detail())) {
    return "subscribe.detail: unknown detail level " + std::to_string(subscribe.detail());
  }
  return std::nullopt;
}

bool ViewFilter::matches(const v1::Incident& incident) const {
  if (!sees_district(incident.district().adcode())) return false;
  if (!kinds.empty() && kinds.count(incident.kind()) == 0) return false;
  if (incident.severity() < min_severity) return false;
  return in_bbox(incident.position());
}

bool ViewFilter::in_bbox(const v1::LonLat& position) const {
  if (!bbox) return true;
  const double lon = position.lon();
  const double lat = position.lat();
  return lon >= bbox->min_lon() && lon <= bbox->max_lon() && lat >= bbox->min_lat() &&
         lat <= bbox->max_lat();
}

bool ViewFilter::matches(const v1::GaugeState& gauge) const {
  if (!sees_district(gauge.district().adcode())) return false;
  if (!kinds.empty() && kinds.count(v1::INCIDENT_KIND_FLOOD) == 0) return false;
  return in_bbox(gauge.position());
}

void ViewFilter::copy(const v1::Incident& incident, v1::Incident& out) const {
  if (detail == v1::INCIDENT_DETAIL_FULL) {
    engine::copy_for_screen(incident, out);
  } else {
    engine::copy_summary(incident, out);
  }
}

std::string ViewFilter::key() const {
  std::string out = "v:" + std::to_string(detail) + "|d:";
  if (!districts) {
    out += '*';
  } else {
    for (const auto& d : *districts) out += d + ',';
  }
  out += "|k:";
  for (const auto k : kinds) out += std::to_string(k) + ',';
  out += "|s:" + std::to_string(min_severity) + "|b:";
  if (bbox) {
    append_number(out, bbox->min_lon());
    append_number(out, bbox->min_lat());
    append_number(out, bbox->max_lon());
    append_number(out, bbox->max_lat());
  }
  return out;
}

BatchChanges BatchChanges::merge(const std::vector<engine::Changes>& changes) {
  BatchChanges batch;
  std::unordered_set<std::string> incidents;
  std::unordered_set<std::string> tasks;
  std::unordered_set<std::string> gauges;
  for (const auto& c : changes) {
    for (const auto& id : c.gauge_ids) {
      if (gauges.insert(id).second) batch.gauges_read.push_back(id);
    }
    for (const auto& id : c.incidents) {
      if (incidents.insert(id).second) batch.incidents.push_back(id);
    }
    for (const auto& id : c.removed_incidents) {
      if (incidents.insert(id).second) batch.incidents.push_back(id);
      batch.removals = true;
    }
    for (const auto& id : c.tasks) {
      if (tasks.insert(id).second) batch.tasks.push_back(id);
    }
    batch.gauges = batch.gauges || c.gauges;
  }
  return batch;
}

void BatchChanges::add(const BatchChanges& later) {
  auto append = [](std::vector<std::string>& to, std::unordered_set<std::string>& have,
                   const std::vector<std::string>& from) {
    // The ids are distinct: a set of another size has not been built yet.
    if (have.size() != to.size()) have.insert(to.begin(), to.end());
    for (const auto& id : from) {
      if (have.insert(id).second) to.push_back(id);
    }
  };
  append(incidents, have_incidents_, later.incidents);
  append(tasks, have_tasks_, later.tasks);
  append(gauges_read, have_gauges_, later.gauges_read);
  removals = removals || later.removals;
  gauges = gauges || later.gauges;
}

const v1::Kpis& KpiCache::get(const ViewFilter& filter, const engine::Picture& picture) {
  auto it = cache_.find(filter.districts);
  if (it != cache_.end()) return it->second;
  v1::Kpis kpis;
  if (!filter.districts) {
    kpis = picture.kpis({});
  } else if (!filter.districts->empty()) {
    kpis = picture.kpis(*filter.districts);
  } else {
    // No district at all: Picture::kpis({}) would mean "everywhere". Zero figures, same time.
    *kpis.mutable_as_of() = engine::to_timestamp(picture.now_us());
  }
  return cache_.emplace(filter.districts, std::move(kpis)).first->second;
}

View::View(ViewFilter filter, const engine::Picture& picture, RingLimits limits)
    : filter_(std::move(filter)), limits_(limits), floor_(picture.seq()) {
  for (const auto& [id, incident] : picture.incidents()) {
    if (filter_.matches(incident)) members_.insert(id);
  }
  last_kpis_ = kpi_figures(kpis_now(picture));
}

v1::Kpis View::kpis_now(const engine::Picture& picture) const {
  KpiCache cache;
  return cache.get(filter_, picture);
}

v1::ServerMessage View::snapshot(const engine::Picture& picture, bool resync) const {
  v1::ServerMessage message;
  message.set_seq(picture.seq());
  auto* snapshot = message.mutable_snapshot();
  for (const auto& id : members_) {
    if (const auto* incident = picture.incident(id)) {
      filter_.copy(*incident, *snapshot->add_incidents());
    }
  }
  for (const auto& [id, task] : picture.tasks()) {
    if (members_.count(task.incident_id()) != 0 && filter_.matches(task)) {
      *snapshot->add_tasks() = task;
    }
  }
  for (const auto& [id, gauge] : picture.gauges()) {
    if (gauge.last_hour_size() > 0 && filter_.matches(gauge)) {
      picture.copy_gauge(gauge, *snapshot->add_gauges());
    }
  }
  *snapshot->mutable_kpis() = kpis_now(picture);
  snapshot->set_resync(resync);
  return message;
}

Payload View::snapshot_payload(const engine::Picture& picture, bool resync, Encoding encoding) {
  for (const auto& cached : snapshots_) {
    if (cached.seq == picture.seq() && cached.resync == resync && cached.encoding == encoding) {
      return cached.payload;
    }
  }
  if (!snapshots_.empty() && snapshots_.front().seq != picture.seq()) snapshots_.clear();
  Payload payload = encode(snapshot(picture, resync), encoding);
  snapshots_.push_back({picture.seq(), resync, encoding, payload});
  return payload;
}

std::optional<View::Published> View::apply(const BatchChanges& batch,
                                           const engine::Picture& picture, KpiCache& kpis,
                                           bool json) {
  v1::ServerMessage message;
  message.set_seq(picture.seq());
  auto* delta = message.mutable_delta();
  Held held;
  held.seq = picture.seq();
  // Whether the batch touched anything the KPIs of this view count.
  bool relevant = batch.gauges || batch.removals;
  std::vector<const v1::Incident*> entering;
  for (const auto& id : batch.incidents) {
    const v1::Incident* incident = picture.incident(id);
    if (incident != nullptr && filter_.sees_district(incident->district().adcode())) {
      relevant = true;
    }
    const bool now = incident != nullptr && filter_.matches(*incident);
    const bool was = members_.count(id) != 0;
    if (now) {
      filter_.copy(*incident, *delta->add_incidents());
      held.incidents.push_back(id);
      if (!was) {
        members_.insert(id);
        entering.push_back(incident);
      }
    } else if (was) {
      // Filtered out or gone from the picture: the client drops it and its tasks.
      delta->add_removed_incident_ids(id);
      held.incidents.push_back(id);
      members_.erase(id);
    }
  }
  std::unordered_set<std::string> sent_tasks;
  auto add_task = [&](const std::string& task_id) {
    const v1::Task* task = picture.task(task_id);
    if (task == nullptr || sent_tasks.count(task_id) != 0) return;
    if (filter_.matches(*task)) relevant = true;
    if (members_.count(task->incident_id()) == 0 || !filter_.matches(*task)) return;
    sent_tasks.insert(task_id);
    *delta->add_tasks() = *task;
    held.tasks.push_back(task_id);
  };
  for (const auto& task_id : batch.tasks) add_task(task_id);
  // An incident that enters the view (its severity rose above the minimum) brings its tasks.
  for (const auto* incident : entering) {
    for (const auto& task_id : incident->task_ids()) add_task(task_id);
  }
  for (const auto& gauge_id : batch.gauges_read) {
    if (add_gauge(gauge_id, picture, *delta)) held.gauges.push_back(gauge_id);
  }
  if (relevant) {
    const v1::Kpis& now = kpis.get(filter_, picture);
    std::string figures = kpi_figures(now);
    if (figures != last_kpis_) {
      *delta->mutable_kpis() = now;
      last_kpis_ = std::move(figures);
    }
  }
  if (delta->incidents_size() == 0 && delta->tasks_size() == 0 && delta->gauges_size() == 0 &&
      delta->removed_incident_ids_size() == 0 && !delta->has_kpis()) {
    return std::nullopt;
  }
  Published published;
  published.seq = held.seq;
  published.protobuf = encode(message, Encoding::protobuf);
  if (json) published.json = encode(message, Encoding::json);
  held.protobuf = published.protobuf;
  held.json = published.json;
  hold(std::move(held));
  snapshots_.clear();
  return published;
}

bool View::add_gauge(const std::string& id, const engine::Picture& picture,
                     v1::Delta& delta) const {
  const v1::GaugeState* gauge = picture.gauge(id);
  if (gauge == nullptr || !filter_.matches(*gauge)) return false;
  picture.copy_gauge(*gauge, *delta.add_gauges());
  return true;
}

void View::hold(Held held) {
  ring_bytes_ += held.protobuf->size() + (held.json ? held.json->size() : 0);
  ring_.push_back(std::move(held));
  while (ring_.size() > limits_.max_deltas ||
         (ring_.size() > 1 && ring_bytes_ > limits_.max_bytes)) {
    const Held& oldest = ring_.front();
    ring_bytes_ -= oldest.protobuf->size() + (oldest.json ? oldest.json->size() : 0);
    floor_ = oldest.seq;
    ring_.pop_front();
  }
}

std::vector<std::pair<std::uint64_t, Payload>> View::held_after(std::uint64_t after_seq,
                                                                Encoding encoding) {
  std::vector<std::pair<std::uint64_t, Payload>> out;
  for (auto& held : ring_) {
    if (held.seq <= after_seq) continue;
    if (encoding == Encoding::protobuf) {
      out.emplace_back(held.seq, held.protobuf);
      continue;
    }
    if (!held.json) {
      v1::ServerMessage message;
      message.ParseFromString(*held.protobuf);
      held.json = encode(message, Encoding::json);
      ring_bytes_ += held.json->size();
    }
    out.emplace_back(held.seq, held.json);
  }
  return out;
}

v1::ServerMessage View::coalesced_after(std::uint64_t after_seq,
                                        const engine::Picture& picture) const {
  std::vector<std::string> incidents;
  std::vector<std::string> tasks;
  std::vector<std::string> gauges;
  std::unordered_set<std::string> seen;
  for (const auto& held : ring_) {
    if (held.seq <= after_seq) continue;
    for (const auto& id : held.incidents) {
      if (seen.insert("i" + id).second) incidents.push_back(id);
    }
    for (const auto& id : held.tasks) {
      if (seen.insert("t" + id).second) tasks.push_back(id);
    }
    for (const auto& id : held.gauges) {
      if (seen.insert("g" + id).second) gauges.push_back(id);
    }
  }
  v1::ServerMessage message;
  message.set_seq(picture.seq());
  auto* delta = message.mutable_delta();
  for (const auto& id : incidents) {
    // Every id in the ring was in this view when it was held: naming it as removed tells the
    // client nothing it was not allowed to see.
    const v1::Incident* incident = picture.incident(id);
    if (incident != nullptr && members_.count(id) != 0) {
      filter_.copy(*incident, *delta->add_incidents());
    } else {
      delta->add_removed_incident_ids(id);
    }
  }
  for (const auto& id : tasks) {
    const v1::Task* task = picture.task(id);
    if (task != nullptr && members_.count(task->incident_id()) != 0 && filter_.matches(*task)) {
      *delta->add_tasks() = *task;
    }
  }
  for (const auto& id : gauges) add_gauge(id, picture, *delta);
  *delta->mutable_kpis() = kpis_now(picture);
  return message;
}

}  // namespace quanyu::server::live
