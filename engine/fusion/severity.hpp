#pragma once
/// Severity rules: which of China's four warning colours (blue < yellow < orange < red) the
/// evidence of an incident calls for. Pure functions of the facts they are given, so each rule is
/// tested on its own; Picture applies them with "escalate automatically, de-escalate only by an
/// operator or on resolution". The rules, in words, are in docs/ARCHITECTURE.md ("Fusion rules").

#include <cstdint>

#include "engine/core/rules.hpp"
#include "quanyu/v1/common.pb.h"

namespace quanyu::engine {

const char* severity_name(v1::Severity severity);  ///< "blue", "yellow", "orange", "red"

struct FireFacts {
  std::size_t sources = 0;      ///< independent sources (devices) in the evidence
  double confidence = 0.0;      ///< combined, noisy-OR
  bool flame = false;           ///< a flame, not only smoke, was reported
  bool near_sensitive = false;  ///< a school or hazardous-chemical site within the radius
};
v1::Severity fire_severity(const FireFacts& facts);

struct FloodFacts {
  double level_m = 0.0;
  double warning_level_m = 0.0;
  double guarantee_level_m = 0.0;  ///< 0 when the gauge has none
  double rise_m_per_h = 0.0;       ///< over the last hour
};
v1::Severity flood_severity(const FloodFacts& facts, const FloodRules& rules);

struct SecurityFacts {
  int best_priority = 4;        ///< 1 (highest) .. 4 over the alarms
  std::uint32_t alarms = 0;     ///< alarms fused into the incident
  bool near_sensitive = false;  ///< a school or hazardous-chemical site within the radius
};
v1::Severity security_severity(const SecurityFacts& facts, const SecurityRules& rules);

}  // namespace quanyu::engine
