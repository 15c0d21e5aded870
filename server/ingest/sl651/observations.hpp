#pragma once
/// SL 651-2014 reports as Quanyu gauge readings. One GaugeReading per station and observation
/// time that has a water level: Z (39H) or, without it, ZU (3BH) in metres; each DRZ1 (F5H) value
/// of a 34H report at its own 5-minute time (slot i at observation time + 5 i minutes, table 36
/// note); each value of a 31H uniform-interval report at its step. Rainfall comes from PJ (20H)
/// at the same time, or, in a report without PJ, from the sum of the DRP (F4H) 5-minute values
/// at the end of their hour; battery from VT (38H). Times are Beijing time. Values the station
/// marked invalid or missing are left out, never sent as 0.

#include <string>
#include <vector>

#include "quanyu/v1/observation.pb.h"
#include "server/ingest/sl651/report.hpp"

namespace quanyu::ingest::sl651 {

struct ObservationOptions {
  /// 30H test reports belong in a test database (§6.6.4.3, H.4.8), not in the live picture.
  bool include_test_reports = false;
  /// DRZ values are relative to the station's water-level base (§3.1.4); add it here.
  double relative_level_base_m = 0.0;
};

/// Readings of `report` for the gauge `gauge_id` (the sensor whose stationCode is the report's
/// station address). Source "sl651:<station>"; id "sl651:<station>:<YYYYMMDDhhmm>", so a resend,
/// or the same reading in a timed and an hourly report, is one observation.
std::vector<v1::Observation> to_observations(const Report& report, const std::string& gauge_id,
                                             const ObservationOptions& options = {});

}  // namespace quanyu::ingest::sl651
