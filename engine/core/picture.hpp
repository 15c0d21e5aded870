#pragma once
/// Picture: the situational picture — incidents, tasks and gauge states — owned by one writer.
/// It changes only through apply(JournalEntry), so the same journal (with the same layers and
/// rules) always gives the same picture; state() returns it as a message whose bytes are
/// identical on every replay. Not thread-safe: the server calls it from the engine's strand only.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/rules.hpp"
#include "gis/layers/layer_set.hpp"
#include "quanyu/v1/journal.pb.h"
#include "quanyu/v1/live.pb.h"

namespace quanyu::engine {

/// What one entry changed, for the live channel and the request that submitted it.
struct Changes {
  std::vector<std::string> incidents;          ///< upserted incident ids, in order of change
  std::vector<std::string> removed_incidents;  ///< left the picture (retention)
  std::vector<std::string> tasks;              ///< upserted task ids
  bool gauges = false;                         ///< a gauge crossed its warning level
  std::vector<std::string> gauge_ids;          ///< gauges with a new reading
  std::optional<v1::CommandResult> result;     ///< for commands

  bool empty() const {
    return incidents.empty() && removed_incidents.empty() && tasks.empty() && !gauges &&
           gauge_ids.empty() && !result;
  }
};

/// An incident as lists and screens show it: everything but the evidence, of which only the
/// latest `evidence` entries are kept (evidence_count still says how many there were).
void copy_for_screen(const v1::Incident& incident, v1::Incident& out, std::size_t evidence = 10);

/// An incident as a wall draws it: every scalar field, the district, the task ids, the evidence
/// count and the latest evidence entry without its position; no nearby resources and no history (a
/// few hundred bytes instead of kilobytes, which is what lets one change reach hundreds of screens
/// at once).
void copy_summary(const v1::Incident& incident, v1::Incident& out);

class Picture {
 public:
  Picture(const gis::LayerSet& layers, const EngineRules& rules);

  /// Applies one journaled entry: an observation (already prepared), a command or a tick.
  Changes apply(const v1::JournalEntry& entry);

  /// Whether an observation id is already in the picture's idempotency window.
  bool seen(const std::string& observation_id) const { return seen_.count(observation_id) != 0; }

  /// Checks a command against the current picture without changing it (the server refuses
  /// what cannot succeed before journaling it). apply() checks again.
  std::optional<v1::CommandResult> check(const v1::Command& command) const;

  /// The earliest due time (µs) of a task not yet overdue or of an open warning's expiry, if
  /// any: when a tick is needed.
  std::optional<std::int64_t> next_deadline_us() const;

  const std::map<std::string, v1::Incident>& incidents() const { return incidents_; }
  const std::map<std::string, v1::Task>& tasks() const { return tasks_; }
  const v1::Incident* incident(const std::string& id) const;
  const v1::Task* task(const std::string& id) const;
  const std::map<std::string, v1::GaugeState>& gauges() const { return gauges_; }
  /// A gauge with at least one reading; nullptr otherwise.
  const v1::GaugeState* gauge(const std::string& id) const;
  /// A gauge as screens show it: name from the sensor layer, latest level, rise rate, and the
  /// last hour thinned to one reading per 5 minutes.
  void copy_gauge(const v1::GaugeState& gauge, v1::Gauge& out) const;
  std::uint64_t seq() const { return seq_; }
  std::int64_t now_us() const { return now_us_; }

  /// Figures for the wall within a set of districts (empty = everywhere).
  v1::Kpis kpis(const std::set<std::string>& districts) const;
  /// Incidents new, acknowledged or dispatched, everywhere (kept with the KPIs: no walk).
  std::size_t open_incident_count() const { return static_cast<std::size_t>(open_count_); }

  /// The whole state, deterministic: incidents, tasks, gauges and seen ids sorted by id.
  v1::EngineState state() const;
  /// Replaces everything with a saved state (a snapshot).
  void restore(const v1::EngineState& state);

 private:
  void apply_observation(const v1::Observation& o, Changes& changes);
  void apply_fire(const v1::Observation& o, Changes& changes);
  void apply_flood(const v1::Observation& o, Changes& changes);
  void apply_security(const v1::Observation& o, Changes& changes);
  void apply_warning(const v1::Observation& o, Changes& changes);
  void apply_tick(Changes& changes);
  /// Rise over the last hour in m/h; 0 until the readings span five minutes.
  static double rise_rate(const v1::GaugeState& gauge);
  /// The `name` of a sensor of the sensor layers, or the id itself.
  std::string sensor_name(const std::string& id) const;
  v1::CommandResult apply_command(const v1::Command& command, const std::string& actor,
                                  Changes& changes);

  v1::Incident& open_incident(v1::IncidentKind kind, const v1::Observation& o);
  v1::Evidence& add_evidence(v1::Incident& incident, const v1::Observation& o, double confidence,
                             const std::string& summary);
  void refresh_nearby(v1::Incident& incident);
  void transition(v1::Incident& incident, v1::IncidentStatus to, const std::string& by,
                  const std::string& note);
  void transition(v1::Task& task, v1::TaskState to, const std::string& by, const std::string& note);
  void cancel_open_tasks(v1::Incident& incident, const std::string& by, const std::string& why,
                         Changes& changes);
  void escalate(v1::Incident& incident, v1::Severity computed);
  bool near_sensitive(const v1::LonLat& position, double radius_m) const;
  void index_fire(const v1::Incident& incident);
  void unindex_fire(const v1::Incident& incident);
  std::vector<std::string> fire_candidates(const v1::LonLat& position) const;
  static bool is_open(v1::IncidentStatus status);
  static bool is_active(v1::TaskState state);
  void touch(v1::Incident& incident, Changes& changes);

  const gis::LayerSet& layers_;
  const EngineRules& rules_;

  std::uint64_t seq_ = 0;
  std::int64_t now_us_ = 0;
  std::string actor_;
  std::map<std::string, v1::Incident> incidents_;
  std::map<std::string, v1::Task> tasks_;
  std::map<std::string, v1::GaugeState> gauges_;
  std::map<std::string, std::int64_t> seen_;        ///< observation id -> observed_at (µs)
  std::map<std::string, v1::FireAggregate> fires_;  ///< open fire incidents' running sums
  std::map<std::string, std::string> warnings_;     ///< CAP identifier -> open warning incident
  std::uint64_t next_incident_number_ = 1;
  std::uint64_t next_task_number_ = 1;

  // Derived indexes, rebuilt by restore(): never serialised.
  std::unordered_map<std::int64_t, std::set<std::string>> fire_cells_;  ///< open fire incidents
  std::map<std::string, std::string> open_security_by_camera_;          ///< camera -> incident
  std::map<std::string, int> busy_teams_;  ///< resource id -> active tasks

  /// What one incident adds to the KPIs. Kept up to date from each entry's changes, so kpis()
  /// sums per district instead of walking every incident on every delta.
  struct KpiShare {
    std::string adcode;
    bool open = false;
    int kind = 0;
    int severity = 0;
    std::optional<std::int64_t> ack_us;     ///< first seen to acknowledged
    std::optional<std::int64_t> verify_us;  ///< first seen to its verify task done
  };
  struct KpiSums {
    std::map<std::pair<int, int>, std::int64_t> open;  ///< (kind, severity) -> open incidents
    std::int64_t ack_us = 0;
    std::int64_t ack_count = 0;
    std::int64_t verify_us = 0;
    std::int64_t verify_count = 0;
  };
  KpiShare kpi_share(const v1::Incident& incident) const;
  void add_share(const KpiShare& share, int sign);
  /// Adds the share of incident `id` as it is now.
  void index_kpis(const std::string& id, const v1::Incident& incident);
  /// Recomputes the shares of the incidents `changes` touched (directly or through a task).
  void reindex_kpis(const Changes& changes);
  std::unordered_map<std::string, KpiShare> kpi_shares_;  ///< incident id -> its share
  std::map<std::string, KpiSums> kpi_sums_;               ///< adcode -> sums of its shares
  std::int64_t open_count_ = 0;                           ///< open incidents in kpi_sums_
};

}  // namespace quanyu::engine
