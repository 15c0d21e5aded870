#include "server/ingest/sl651/observations.hpp"

#include <cstdio>
#include <map>
#include <optional>

#include "engine/core/time.hpp"

namespace quanyu::ingest::sl651 {
namespace {

constexpr std::int64_t kMinute = 60'000'000;

struct Point {
  std::optional<double> level;     // Z, or a 31H Z series value
  std::optional<double> upstream;  // ZU
  std::optional<double> relative;  // DRZ1 + base
  std::optional<double> rain;      // PJ
  std::optional<double> drp_total;
  std::optional<double> battery;
};

std::string minute_key(std::int64_t us) {
  const StationTime t = station_time_from_us(us);
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02d%02d%02d%02d", t.year % 10000, t.month, t.day, t.hour,
                t.minute);
  return text;
}

}  // namespace

std::vector<v1::Observation> to_observations(const Report& report, const std::string& gauge_id,
                                             const ObservationOptions& options) {
  std::vector<v1::Observation> out;
  if (report.kind != Report::Kind::kHydrology) return out;
  if (report.header.function_code == kFunctionTest && !options.include_test_reports) return out;

  std::map<std::int64_t, Point> points;
  bool has_pj = false;
  for (const Element& e : report.elements) {
    // Readings of other stations relayed in the same body have other sensors.
    if (!report.station.empty() && e.station != report.station) continue;
    auto base = station_time_to_us(e.observed);
    if (!base) continue;
    if (e.kind == Element::Kind::kNumber) {
      if (!e.number) continue;
      Point& p = points[*base];
      switch (e.id) {
        case kWaterLevel:
          p.level = e.number;
          break;
        case kUpstreamLevel:
          p.upstream = e.number;
          break;
        case kCurrentRainfall:
          has_pj = true;
          if (*e.number >= 0) p.rain = e.number;
          break;
        case kVoltage:
          p.battery = e.number;
          break;
        default:
          break;
      }
      continue;
    }
    if (e.kind != Element::Kind::kSeries) continue;
    const std::int64_t step = static_cast<std::int64_t>(e.step_minutes) * kMinute;
    if (e.id == kFiveMinuteRainfall) {
      double sum = 0;
      bool any = false;
      for (const auto& v : e.series) {
        if (v) {
          sum += *v;
          any = true;
        }
      }
      if (!any || e.series.empty()) continue;
      // The sum covers the hour that ends with the last slot.
      Point& p = points[*base + step * static_cast<std::int64_t>(e.series.size() - 1)];
      p.drp_total = p.drp_total.value_or(0) + sum;
      continue;
    }
    for (std::size_t i = 0; i < e.series.size(); ++i) {
      if (!e.series[i]) continue;
      Point& p = points[*base + step * static_cast<std::int64_t>(i)];
      if (e.id == kWaterLevel) {
        p.level = e.series[i];
      } else if (e.id == kUpstreamLevel) {
        p.upstream = e.series[i];
      } else if (e.id == kFiveMinuteLevel1) {
        p.relative = *e.series[i] + options.relative_level_base_m;
      }
    }
  }

  const std::string station = report.station_id();
  for (const auto& [us, p] : points) {
    const std::optional<double> level = p.level ? p.level : p.upstream ? p.upstream : p.relative;
    if (!level) continue;  // a reading without a water level cannot be told from 0 m
    v1::Observation o;
    o.set_id("sl651:" + station + ":" + minute_key(us));
    o.set_source("sl651:" + station);
    *o.mutable_observed_at() = engine::to_timestamp(us);
    auto& g = *o.mutable_gauge_reading();
    g.set_gauge_id(gauge_id);
    g.set_water_level_m(*level);
    if (p.rain) {
      g.set_rainfall_mm(*p.rain);
    } else if (!has_pj && p.drp_total) {
      g.set_rainfall_mm(*p.drp_total);
    }
    if (p.battery) g.set_battery_v(*p.battery);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace quanyu::ingest::sl651
