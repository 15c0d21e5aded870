#pragma once
/// The documented, configurable rules of the engine: what an acceptable observation is, how
/// observations fuse into incidents, how severity is chosen, and task due times. Defaults are the
/// values the issue names; the YAML config (`rules:`) overrides them.

#include <cstddef>
#include <cstdint>

namespace quanyu::engine {

struct ValidationRules {
  std::int64_t max_age_s = 24 * 3600;  ///< observed_at may be this far before server time
  std::int64_t max_ahead_s = 300;      ///< ... or this far after it (device clock skew)
  std::size_t max_id_length = 128;     ///< ids, sources, device ids
  std::size_t max_text_length = 1024;  ///< descriptions, notes, URLs
  std::size_t max_batch = 10'000;      ///< observations in one request
};

/// Fire: smoke detections and camera smoke/fire alarms within radius and window join one incident.
struct FireRules {
  double radius_m = 2000.0;
  std::int64_t window_s = 1800;
  double sensitive_radius_m = 1000.0;  ///< a school or hazchem site this near escalates one level
};

/// Flood: a gauge at or above its warning level opens an incident that follows its readings.
struct FloodRules {
  std::uint32_t resolve_after_readings = 3;  ///< consecutive readings below warning
  double rising_m_per_h = 0.1;               ///< yellow from here
  double fast_rise_m_per_h = 0.5;            ///< orange from here
};

/// Security: camera intrusion and similar alarms, de-duplicated per camera within a window.
struct SecurityRules {
  std::int64_t dedup_window_s = 300;
  std::uint32_t repeat_escalation = 3;  ///< this many alarms in one incident escalate one level
  double sensitive_radius_m = 500.0;
};

struct TaskRules {
  std::int64_t verify_due_s = 1800;  ///< 核查: 30 minutes
  std::int64_t handle_due_s = 7200;
  std::int64_t evacuate_due_s = 3600;
};

struct EngineRules {
  ValidationRules validation;
  FireRules fire;
  FloodRules flood;
  SecurityRules security;
  TaskRules tasks;
  std::size_t nearest_k = 5;             ///< resources listed on each incident
  double nearest_radius_m = 50'000.0;    ///< ... within this distance
  std::size_t max_evidence = 200;        ///< evidence kept per incident (oldest dropped)
  std::int64_t retention_s = 24 * 3600;  ///< closed / false-alarm incidents leave the picture after
};

}  // namespace quanyu::engine
