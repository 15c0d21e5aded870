#include "engine/fusion/severity.hpp"

#include <algorithm>

namespace quanyu::engine {
namespace {

v1::Severity raise(v1::Severity severity, int levels) {
  return static_cast<v1::Severity>(std::min<int>(v1::SEVERITY_RED, severity + levels));
}

}  // namespace

const char* severity_name(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_BLUE:
      return "blue";
    case v1::SEVERITY_YELLOW:
      return "yellow";
    case v1::SEVERITY_ORANGE:
      return "orange";
    case v1::SEVERITY_RED:
      return "red";
    default:
      return "unspecified";
  }
}

v1::Severity fire_severity(const FireFacts& f) {
  v1::Severity s = v1::SEVERITY_BLUE;
  if (f.confidence >= 0.6 || f.sources >= 2) s = v1::SEVERITY_YELLOW;
  if ((f.sources >= 2 && f.confidence >= 0.85) || f.sources >= 3) s = v1::SEVERITY_ORANGE;
  if (f.flame && f.sources >= 2 && f.confidence >= 0.9) s = v1::SEVERITY_RED;
  return raise(s, f.near_sensitive ? 1 : 0);
}

v1::Severity flood_severity(const FloodFacts& f, const FloodRules& rules) {
  const bool has_guarantee = f.guarantee_level_m > f.warning_level_m;
  if (has_guarantee && f.level_m >= f.guarantee_level_m) return v1::SEVERITY_RED;
  const bool upper_half =
      has_guarantee && f.level_m >= (f.warning_level_m + f.guarantee_level_m) / 2.0;
  if (upper_half || f.rise_m_per_h >= rules.fast_rise_m_per_h) return v1::SEVERITY_ORANGE;
  if (f.rise_m_per_h >= rules.rising_m_per_h) return v1::SEVERITY_YELLOW;
  return v1::SEVERITY_BLUE;
}

v1::Severity security_severity(const SecurityFacts& f, const SecurityRules& rules) {
  v1::Severity s = f.best_priority <= 1   ? v1::SEVERITY_ORANGE
                   : f.best_priority == 2 ? v1::SEVERITY_YELLOW
                                          : v1::SEVERITY_BLUE;
  int levels = 0;
  if (f.alarms >= rules.repeat_escalation) ++levels;
  if (f.near_sensitive) ++levels;
  return raise(s, levels);
}

}  // namespace quanyu::engine
