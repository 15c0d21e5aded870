#pragma once
/// A View is what one kind of live client sees: the token's districts narrowed by a subscription
/// (bbox, kinds, minimum severity, districts). Every WebSocket session with the same view shares
/// one View, so a delta is computed and serialised once per view and encoding and handed to all
/// of them as one immutable buffer. A View keeps the ids of the incidents currently in it (so an
/// incident that leaves it is reported as removed, and one that never was in it is never
/// mentioned) and a ring of its recent deltas for Resume. Not thread-safe: the hub touches Views
/// on the engine's strand only, where the Picture is. No Asio or Beast here.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/core/picture.hpp"
#include "quanyu/v1/live.pb.h"
#include "server/live/engine_service.hpp"

namespace quanyu::server::live {

/// How a session's frames are encoded: binary frames of Protobuf, or text frames of proto3 JSON.
enum class Encoding { protobuf, json };

/// One serialised ServerMessage, shared by every receiver and never changed.
using Payload = std::shared_ptr<const std::string>;

/// Serialises `message` once in `encoding`.
Payload encode(const v1::ServerMessage& message, Encoding encoding);

/// The effective filter of a view: scope and subscription combined.
struct ViewFilter {
  /// Adcodes an incident or task must be in; nullopt = everywhere. An empty set (a subscription
  /// naming only districts outside the token's scope) sees nothing.
  std::optional<std::set<std::string>> districts;
  std::set<v1::IncidentKind> kinds;  ///< empty = all
  v1::Severity min_severity = v1::SEVERITY_UNSPECIFIED;
  std::optional<v1::BBox> bbox;
  /// How much of each incident is sent (never UNSPECIFIED here).
  v1::IncidentDetail detail = v1::INCIDENT_DETAIL_SUMMARY;

  /// Combines a token's scope with a client's Subscribe (districts narrowed to the scope). A
  /// Subscribe without a detail level keeps `detail` (the connection's ?detail=, or SUMMARY).
  static ViewFilter of(const Scope& scope, const v1::Subscribe& subscribe,
                       v1::IncidentDetail detail = v1::INCIDENT_DETAIL_SUMMARY);
  /// Checks a Subscribe from a client; the message names the field at fault.
  static std::optional<std::string> validate(const v1::Subscribe& subscribe);

  bool sees_district(const std::string& adcode) const {
    return !districts || districts->count(adcode) != 0;
  }
  bool matches(const v1::Incident& incident) const;
  bool matches(const v1::Task& task) const { return sees_district(task.district().adcode()); }
  /// Gauges are in a view that shows floods (no kinds, or flood among them), by district and bbox.
  bool matches(const v1::GaugeState& gauge) const;
  /// Whether `position` lies in the subscription's bbox (true without one).
  bool in_bbox(const v1::LonLat& position) const;
  /// Writes `incident` into `out` at this view's detail level.
  void copy(const v1::Incident& incident, v1::Incident& out) const;
  /// A canonical text form: equal filters have equal keys (the hub's map of views).
  std::string key() const;
};

/// The changes of one applied batch, merged over its entries.
struct BatchChanges {
  std::vector<std::string> incidents;  ///< upserted or removed, each once, in order of change
  std::vector<std::string> tasks;
  std::vector<std::string> gauges_read;  ///< gauges with a new reading
  bool removals = false;
  bool gauges = false;  ///< a gauge crossed its warning level (the KPIs change)

  static BatchChanges merge(const std::vector<engine::Changes>& changes);
  /// Adds the changes of a later batch (each id still once, in order of first change), in the
  /// time of the later batch: a view holding back many changes adds each commit's few without
  /// looking at the others again.
  void add(const BatchChanges& later);
  bool empty() const {
    return incidents.empty() && tasks.empty() && gauges_read.empty() && !gauges;
  }

 private:
  /// The ids above as sets, built by the first add() (merge() leaves them empty).
  std::unordered_set<std::string> have_incidents_;
  std::unordered_set<std::string> have_tasks_;
  std::unordered_set<std::string> have_gauges_;
};

/// KPIs computed once per distinct set of districts within one batch.
class KpiCache {
 public:
  const v1::Kpis& get(const ViewFilter& filter, const engine::Picture& picture);

 private:
  std::map<std::optional<std::set<std::string>>, v1::Kpis> cache_;
};

/// Limits of a view's ring of recent deltas.
struct RingLimits {
  std::size_t max_deltas = 1024;
  std::size_t max_bytes = std::size_t{8} << 20;
};

class View {
 public:
  /// A view of `picture` as it is now: its members are the incidents matching `filter`.
  View(ViewFilter filter, const engine::Picture& picture, RingLimits limits);

  const ViewFilter& filter() const { return filter_; }

  /// Everything in the view now: incidents, their tasks and the KPIs, at picture.seq().
  v1::ServerMessage snapshot(const engine::Picture& picture, bool resync) const;
  /// The snapshot serialised, cached until the next delta (many clients join the same view).
  Payload snapshot_payload(const engine::Picture& picture, bool resync, Encoding encoding);

  /// Updates the members with one applied batch and returns the view's delta (null when the
  /// batch changed nothing in it); the delta is kept in the ring.
  struct Published {
    std::uint64_t seq = 0;
    Payload protobuf;
    Payload json;  ///< only when `json` was asked for
  };
  std::optional<Published> apply(const BatchChanges& batch, const engine::Picture& picture,
                                 KpiCache& kpis, bool json);

  /// Whether the ring holds every delta of this view after `after_seq` (up to `current_seq`).
  bool holds_after(std::uint64_t after_seq, std::uint64_t current_seq) const {
    return after_seq >= floor_ && after_seq <= current_seq;
  }
  /// The held deltas after `after_seq`, in order, serialised in `encoding`. Only when
  /// holds_after().
  std::vector<std::pair<std::uint64_t, Payload>> held_after(std::uint64_t after_seq,
                                                            Encoding encoding);
  /// One delta with the latest state of every entity changed after `after_seq`: what a slow
  /// client gets instead of the deltas dropped from its queue. Only when holds_after().
  v1::ServerMessage coalesced_after(std::uint64_t after_seq, const engine::Picture& picture) const;

  std::size_t ring_size() const { return ring_.size(); }
  std::size_t member_count() const { return members_.size(); }

 private:
  struct Held {
    std::uint64_t seq = 0;
    Payload protobuf;
    Payload json;                        ///< made on first use
    std::vector<std::string> incidents;  ///< upserted or removed by this delta
    std::vector<std::string> tasks;
    std::vector<std::string> gauges;
  };

  v1::Kpis kpis_now(const engine::Picture& picture) const;
  /// Adds gauge `id` to `delta` when it has a reading and is in this view.
  bool add_gauge(const std::string& id, const engine::Picture& picture, v1::Delta& delta) const;
  void hold(Held held);

  ViewFilter filter_;
  RingLimits limits_;
  std::set<std::string> members_;  ///< ids of the incidents in the view
  std::string last_kpis_;          ///< serialised without as_of, to send KPIs only on change
  std::deque<Held> ring_;
  std::size_t ring_bytes_ = 0;
  std::uint64_t floor_ = 0;  ///< the ring holds every delta of this view after this seq

  struct CachedSnapshot {
    std::uint64_t seq = 0;
    bool resync = false;
    Encoding encoding = Encoding::protobuf;
    Payload payload;
  };
  std::vector<CachedSnapshot> snapshots_;
};

}  // namespace quanyu::server::live
