#include "engine/ingest/prepare.hpp"

#include <google/protobuf/util/time_util.h>
#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstdio>

#include "engine/core/time.hpp"
#include "gis/crs/crs.hpp"
#include "gis/geo/geodesic.hpp"
#include "gis/index/district_ref.hpp"

namespace quanyu::engine {
namespace {

Error invalid(const std::string& field, const std::string& problem,
              const std::string& code = "invalid_observation") {
  return Error{code, field + ": " + problem};
}

std::string number(double value) {
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.10g", value);
  return buffer.data();
}

/// Checks an identifier-like string: present when required, bounded, no control characters.
std::optional<Error> check_id(const std::string& field, const std::string& value, std::size_t max,
                              bool required) {
  if (value.empty()) {
    if (required) return invalid(field, "required");
    return std::nullopt;
  }
  if (value.size() > max) {
    return invalid(field, "longer than " + std::to_string(max) + " bytes");
  }
  for (const char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return invalid(field, "contains a control character");
    }
  }
  return std::nullopt;
}

std::optional<Error> check_text(const std::string& field, const std::string& value,
                                std::size_t max) {
  if (value.size() > max) return invalid(field, "longer than " + std::to_string(max) + " bytes");
  return std::nullopt;
}

std::optional<Error> check_finite(const std::string& field, double value) {
  if (!std::isfinite(value)) return invalid(field, "must be a finite number");
  return std::nullopt;
}

std::optional<Error> check_unit(const std::string& field, double value) {
  if (!std::isfinite(value) || value < 0.0 || value > 1.0) {
    return invalid(field, number(value) + " is not between 0 and 1");
  }
  return std::nullopt;
}

bool valid_lonlat(const v1::LonLat& p) {
  return std::isfinite(p.lon()) && std::isfinite(p.lat()) && p.lon() >= -180.0 &&
         p.lon() <= 180.0 && p.lat() >= -90.0 && p.lat() <= 90.0;
}

/// A published warning's fields: identifiers bounded, a message type, texts bounded (warnings
/// carry longer texts than device alarms: four times the limit), shapes in range.
std::optional<Error> check_warning(const v1::PublishedWarning& w, const ValidationRules& limits) {
  if (auto e =
          check_id("publishedWarning.identifier", w.identifier(), limits.max_id_length, true)) {
    return e;
  }
  if (auto e = check_id("publishedWarning.sender", w.sender(), limits.max_id_length, true)) {
    return e;
  }
  if (w.msg_type() == v1::PublishedWarning::MSG_TYPE_UNSPECIFIED) {
    return invalid("publishedWarning.msgType", "required (MSG_TYPE_ALERT, _UPDATE or _CANCEL)");
  }
  if (w.msg_type() != v1::PublishedWarning::MSG_TYPE_ALERT && w.references().empty()) {
    return invalid("publishedWarning.references", "required for an Update or Cancel");
  }
  for (const auto& r : w.references()) {
    if (auto e = check_id("publishedWarning.references", r, limits.max_id_length, true)) return e;
  }
  if (w.event().empty()) return invalid("publishedWarning.event", "required");
  const std::size_t text_limit = 4 * limits.max_text_length;
  for (const auto& [field, value] : {std::pair{"publishedWarning.event", &w.event()},
                                     std::pair{"publishedWarning.headline", &w.headline()},
                                     std::pair{"publishedWarning.description", &w.description()},
                                     std::pair{"publishedWarning.instruction", &w.instruction()},
                                     std::pair{"publishedWarning.senderName", &w.sender_name()}}) {
    if (auto e = check_text(field, *value, text_limit)) return e;
  }
  if (w.areas_size() > 64) return invalid("publishedWarning.areas", "more than 64 areas");
  for (int a = 0; a < w.areas_size(); ++a) {
    const auto& area = w.areas(a);
    const std::string where = "publishedWarning.areas[" + std::to_string(a) + "]";
    std::size_t points = 0;
    for (int p = 0; p < area.polygons_size(); ++p) {
      const auto& ring = area.polygons(p).points();
      if (ring.size() < 4) {
        return invalid(where + ".polygons[" + std::to_string(p) + "]",
                       "a ring needs at least 4 points (closed)");
      }
      for (const auto& point : ring) {
        if (!valid_lonlat(point)) {
          return invalid(
              where + ".polygons[" + std::to_string(p) + "]",
              "point " + number(point.lon()) + "," + number(point.lat()) + " is not a lon/lat");
        }
      }
      points += static_cast<std::size_t>(ring.size());
    }
    if (points > 10'000) return invalid(where, "more than 10000 polygon points");
    for (int c = 0; c < area.circles_size(); ++c) {
      const auto& circle = area.circles(c);
      if (!valid_lonlat(circle.centre()) || !std::isfinite(circle.radius_km()) ||
          circle.radius_km() < 0.0 || circle.radius_km() > 20'000.0) {
        return invalid(where + ".circles[" + std::to_string(c) + "]",
                       "not a lon/lat centre with a radius of 0 to 20000 km");
      }
    }
  }
  return std::nullopt;
}

/// The centre of a warning's first area with a shape: its first circle's centre, else the
/// vertex average of its first polygon (good enough to find a district and nearby resources).
std::optional<gis::LonLat> warning_centre(const v1::PublishedWarning& w) {
  for (const auto& area : w.areas()) {
    if (area.circles_size() > 0) {
      return gis::LonLat{area.circles(0).centre().lon(), area.circles(0).centre().lat()};
    }
    if (area.polygons_size() > 0) {
      const auto& ring = area.polygons(0).points();
      double lon = 0.0;
      double lat = 0.0;
      const int n = ring.size() - 1;  // the closing point repeats the first
      for (int i = 0; i < n; ++i) {
        lon += ring[i].lon();
        lat += ring[i].lat();
      }
      return gis::LonLat{lon / n, lat / n};
    }
  }
  return std::nullopt;
}

}  // namespace

Preparer::Preparer(const gis::LayerSet& layers, const EngineRules& rules)
    : layers_(layers), rules_(rules) {}

std::string Preparer::derive_id(const v1::Observation& observation) {
  v1::Observation basis;
  basis.set_source(observation.source());
  *basis.mutable_observed_at() = observation.observed_at();
  *basis.mutable_position() = observation.position();
  switch (observation.payload_case()) {
    case v1::Observation::kCameraAlarm:
      *basis.mutable_camera_alarm() = observation.camera_alarm();
      break;
    case v1::Observation::kSmokeDetection:
      *basis.mutable_smoke_detection() = observation.smoke_detection();
      break;
    case v1::Observation::kGaugeReading:
      *basis.mutable_gauge_reading() = observation.gauge_reading();
      break;
    case v1::Observation::kPublishedWarning:
      *basis.mutable_published_warning() = observation.published_warning();
      break;
    case v1::Observation::PAYLOAD_NOT_SET:
      break;
  }
  std::string bytes;
  basis.SerializeToString(&bytes);  // no maps in these messages: the bytes are deterministic
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string id = "d-";
  for (unsigned int i = 0; i < 16; ++i) {
    id += kHex[digest[i] >> 4];
    id += kHex[digest[i] & 0xF];
  }
  return id;
}

Result<v1::Observation> Preparer::prepare(v1::Observation o, std::int64_t now_us) const {
  const auto& limits = rules_.validation;
  // Fields Quanyu fills in itself are never taken from a request.
  o.clear_location();
  o.clear_district();
  o.clear_received_at();

  if (auto e = check_id("id", o.id(), limits.max_id_length, false)) return *e;
  if (auto e = check_id("source", o.source(), limits.max_id_length, true)) return *e;
  if (o.payload_case() == v1::Observation::PAYLOAD_NOT_SET) {
    return invalid(
        "payload",
        "one of cameraAlarm, smokeDetection, gaugeReading, publishedWarning is required");
  }

  // Time: required, and within the acceptance window around server time.
  if (!o.has_observed_at()) return invalid("observedAt", "required");
  if (o.observed_at().seconds() < google::protobuf::util::TimeUtil::kTimestampMinSeconds ||
      o.observed_at().seconds() > google::protobuf::util::TimeUtil::kTimestampMaxSeconds ||
      o.observed_at().nanos() < 0 || o.observed_at().nanos() > 999'999'999) {
    return invalid("observedAt", "not a valid timestamp");
  }
  const std::int64_t observed_us = to_micros(o.observed_at());
  if (observed_us < now_us - limits.max_age_s * kMicrosPerSecond) {
    return invalid("observedAt",
                   format_utc(observed_us) + " is more than " + std::to_string(limits.max_age_s) +
                       " s before server time " + format_utc(now_us),
                   "stale_observation");
  }
  if (observed_us > now_us + limits.max_ahead_s * kMicrosPerSecond) {
    return invalid("observedAt",
                   format_utc(observed_us) + " is more than " + std::to_string(limits.max_ahead_s) +
                       " s after server time " + format_utc(now_us) + " (check the device clock)",
                   "future_observation");
  }

  // Payload fields, and the sensor each names.
  std::string device_id;
  std::string device_field;
  switch (o.payload_case()) {
    case v1::Observation::kCameraAlarm: {
      auto& alarm = *o.mutable_camera_alarm();
      device_id = alarm.camera_id();
      device_field = "cameraAlarm.cameraId";
      if (auto e = check_id(device_field, device_id, limits.max_id_length, true)) return *e;
      if (alarm.type() == v1::CameraAlarm::TYPE_UNSPECIFIED) {
        return invalid("cameraAlarm.type", "required (e.g. TYPE_INTRUSION, TYPE_SMOKE)");
      }
      if (alarm.priority() < 0 || alarm.priority() > 4) {
        return invalid("cameraAlarm.priority", std::to_string(alarm.priority()) +
                                                   " is not 1 (highest) to 4, or 0 for unknown");
      }
      if (auto e = check_unit("cameraAlarm.confidence", alarm.confidence())) return *e;
      if (auto e =
              check_text("cameraAlarm.description", alarm.description(), limits.max_text_length)) {
        return *e;
      }
      if (auto e =
              check_text("cameraAlarm.snapshotUrl", alarm.snapshot_url(), limits.max_text_length)) {
        return *e;
      }
      break;
    }
    case v1::Observation::kSmokeDetection: {
      const auto& smoke = o.smoke_detection();
      device_id = smoke.tower_id();
      device_field = "smokeDetection.towerId";
      if (auto e = check_id(device_field, device_id, limits.max_id_length, true)) return *e;
      if (auto e = check_unit("smokeDetection.confidence", smoke.confidence())) return *e;
      if (auto e = check_finite("smokeDetection.azimuthDeg", smoke.azimuth_deg())) return *e;
      if (auto e = check_finite("smokeDetection.elevationDeg", smoke.elevation_deg())) return *e;
      if (auto e = check_finite("smokeDetection.distanceM", smoke.distance_m())) return *e;
      if (smoke.azimuth_deg() < 0.0 || smoke.azimuth_deg() >= 360.0) {
        return invalid("smokeDetection.azimuthDeg",
                       number(smoke.azimuth_deg()) + " is not in 0 (north) .. 360 degrees");
      }
      if (smoke.distance_m() < 0.0 || smoke.distance_m() > 60'000.0) {
        return invalid("smokeDetection.distanceM",
                       number(smoke.distance_m()) + " is not between 0 and 60000 metres");
      }
      if (auto e = check_text("smokeDetection.snapshotUrl", smoke.snapshot_url(),
                              limits.max_text_length)) {
        return *e;
      }
      break;
    }
    case v1::Observation::kGaugeReading: {
      const auto& gauge = o.gauge_reading();
      device_id = gauge.gauge_id();
      device_field = "gaugeReading.gaugeId";
      if (auto e = check_id(device_field, device_id, limits.max_id_length, true)) return *e;
      for (const auto& [field, value] :
           {std::pair{"gaugeReading.waterLevelM", gauge.water_level_m()},
            std::pair{"gaugeReading.rainfallMm", gauge.rainfall_mm()},
            std::pair{"gaugeReading.warningLevelM", gauge.warning_level_m()},
            std::pair{"gaugeReading.guaranteeLevelM", gauge.guarantee_level_m()},
            std::pair{"gaugeReading.batteryV", gauge.battery_v()}}) {
        if (auto e = check_finite(field, value)) return *e;
        if (std::abs(value) > 100'000.0) {
          return invalid(field, number(value) + " is out of range");
        }
      }
      if (gauge.rainfall_mm() < 0.0) {
        return invalid("gaugeReading.rainfallMm", number(gauge.rainfall_mm()) + " is negative");
      }
      break;
    }
    case v1::Observation::kPublishedWarning:
      if (auto e = check_warning(o.published_warning(), limits)) return *e;
      // A warning covers an area, not a device: without a position it is placed at the centre
      // of its first area.
      if (!o.has_position()) {
        auto centre = warning_centre(o.published_warning());
        // Chinese warnings often name their area only by its code: place them in that district.
        for (const auto& area : o.published_warning().areas()) {
          for (const auto& code : area.geocodes()) {
            if (!centre && code.rfind("adcode=", 0) == 0) {
              if (auto point = layers_.district_point(code.substr(7, 6))) centre = *point;
            }
          }
        }
        if (!centre) {
          return invalid("position",
                         "required: the warning has no polygon or circle, nor the adcode of a "
                         "district of the jurisdiction, to place it by",
                         "invalid_observation");
        }
        o.mutable_position()->set_x(centre->lon);
        o.mutable_position()->set_y(centre->lat);
        o.mutable_position()->set_crs("EPSG:4326");
      }
      break;
    case v1::Observation::PAYLOAD_NOT_SET:
      break;
  }

  const gis::LayerSet::SensorRef* sensor = layers_.sensor(device_id);

  // Position: as given (in its CRS), else the registered sensor's.
  gis::LonLat location;
  if (o.has_position()) {
    const auto crs = gis::Crs::parse(o.position().crs());
    if (!crs) return invalid("position.crs", crs.error().message, crs.error().code);
    const auto converted = gis::to_lonlat(*crs, o.position().x(), o.position().y());
    if (!converted) return invalid("position", converted.error().message, converted.error().code);
    location = *converted;
  } else if (sensor != nullptr && std::holds_alternative<gis::LonLat>(sensor->feature->geometry)) {
    location = std::get<gis::LonLat>(sensor->feature->geometry);
    // A tower's detection lies along its bearing, at the estimated distance when there is one.
    if (o.has_smoke_detection() && o.smoke_detection().distance_m() > 0.0) {
      location = gis::geodesic_destination(location, o.smoke_detection().azimuth_deg(),
                                           o.smoke_detection().distance_m());
    }
  } else {
    return invalid("position",
                   "required: '" + device_id + "' (" + device_field +
                       ") is not a sensor of any sensor layer, so its position is unknown",
                   "unknown_sensor");
  }

  // Gauge thresholds: from the reading, else from the sensor layer.
  if (o.has_gauge_reading()) {
    auto& gauge = *o.mutable_gauge_reading();
    if (sensor != nullptr) {
      if (gauge.warning_level_m() == 0.0) {
        if (const auto* v = sensor->layer->field(*sensor->feature, "warningLevelM")) {
          gauge.set_warning_level_m(gis::to_number(*v).value_or(0.0));
        }
      }
      if (gauge.guarantee_level_m() == 0.0) {
        if (const auto* v = sensor->layer->field(*sensor->feature, "guaranteeLevelM")) {
          gauge.set_guarantee_level_m(gis::to_number(*v).value_or(0.0));
        }
      }
    }
    if (gauge.warning_level_m() == 0.0) {
      return invalid("gaugeReading.warningLevelM",
                     "required: gauge '" + device_id +
                         "' has no warning level in the sensor layer and the reading gives none",
                     "unknown_sensor");
    }
    if (gauge.guarantee_level_m() != 0.0 && gauge.guarantee_level_m() < gauge.warning_level_m()) {
      return invalid("gaugeReading.guaranteeLevelM", number(gauge.guarantee_level_m()) +
                                                         " is below the warning level " +
                                                         number(gauge.warning_level_m()));
    }
  }

  if (o.id().empty()) o.set_id(derive_id(o));

  o.mutable_location()->set_lon(location.lon);
  o.mutable_location()->set_lat(location.lat);
  gis::to_district_ref(layers_.jurisdiction().locate(location), *o.mutable_district());
  *o.mutable_received_at() = to_timestamp(now_us);
  return o;
}

}  // namespace quanyu::engine
