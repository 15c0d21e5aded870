#include "server/ingest/camera_push/push_support.hpp"

#include <google/protobuf/util/json_util.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/core/time.hpp"
#include "server/ingest/common/text.hpp"

namespace quanyu::ingest::camera_push::detail {

std::string_view trim(std::string_view s) { return ingest::trim(s); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return ingest::iequals(a, b); }

std::string quoted(std::string_view s, std::size_t max) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > max) out += "...";
  out += '"';
  return out;
}

std::string clip_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t end = max;
  // Step back over continuation bytes so the cut falls before a lead byte.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

std::string digest(std::initializer_list<std::string_view> fields) {
  std::uint64_t h = 14695981039346656037ULL;
  const auto mix = [&h](unsigned char byte) {
    h ^= byte;
    h *= 1099511628211ULL;
  };
  for (const std::string_view field : fields) {
    for (const char c : field) mix(static_cast<unsigned char>(c));
    mix(0);
  }
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[h & 0xF];
    h >>= 4;
  }
  return out;
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

std::optional<std::int64_t> parse_digits(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  // strtod wants a terminated string and honours the locale's decimal point only for "C"-like
  // locales; parsers never change the locale, so the copy is all that is needed.
  const std::string text(s);
  for (const char c : text) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' ||
          c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<Error> check_device_id(std::string_view id, std::string_view what) {
  if (id.empty()) return Error{"invalid_device_id", std::string(what) + ": empty device id"};
  if (id.size() > 64) {
    return Error{"invalid_device_id",
                 std::string(what) + ": device id " + quoted(id) + " is longer than 64 bytes"};
  }
  for (const char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return Error{"invalid_device_id", std::string(what) + ": device id " + quoted(id) +
                                            " contains a blank or control character"};
    }
  }
  return std::nullopt;
}

int json_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return -1;
    }
  }
  return (depth == 0 && !in_string) ? deepest : -1;
}

Result<google::protobuf::Struct> parse_json_object(std::string_view text, std::string_view where) {
  const std::string_view body = trim(text);
  if (body.empty() || body.front() != '{') {
    return Error{"invalid_json", std::string(where) + ": JSON is not an object (starts with " +
                                     quoted(body.substr(0, 8)) + ")"};
  }
  const int depth = json_depth(body);
  if (depth < 0) {
    return Error{"invalid_json", std::string(where) + ": JSON brackets or quotes do not balance"};
  }
  if (depth > kMaxJsonDepth) {
    return Error{"invalid_json", std::string(where) + ": JSON nests deeper than " +
                                     std::to_string(kMaxJsonDepth) + " levels"};
  }
  google::protobuf::Struct object;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &object);
  if (!status.ok()) {
    return Error{"invalid_json",
                 std::string(where) + ": " + clip_utf8(std::string(status.message()), 200)};
  }
  return object;
}

const google::protobuf::Value* member(const google::protobuf::Struct& object,
                                      std::string_view key) {
  const auto& fields = object.fields();
  if (const auto it = fields.find(std::string(key)); it != fields.end()) return &it->second;
  // Firmware disagrees about case ("uuid" in the guide, "UUID" on the wire); the map order is
  // unspecified, so the smallest matching key is taken to keep the choice deterministic.
  const google::protobuf::Value* found = nullptr;
  const std::string* found_key = nullptr;
  for (const auto& [name, value] : fields) {
    if (iequals(name, key) && (found_key == nullptr || name < *found_key)) {
      found = &value;
      found_key = &name;
    }
  }
  return found;
}

std::optional<std::string> scalar_text(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kBoolValue:
      return std::string(value.bool_value() ? "true" : "false");
    case google::protobuf::Value::kNumberValue: {
      const double v = value.number_value();
      if (!std::isfinite(v)) return std::nullopt;
      if (std::floor(v) == v && std::abs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
      }
      std::array<char, 32> buffer{};
      std::snprintf(buffer.data(), buffer.size(), "%.10g", v);
      return std::string(buffer.data());
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> member_text(const google::protobuf::Struct& object,
                                       std::string_view key) {
  const google::protobuf::Value* v = member(object, key);
  if (v == nullptr) return std::nullopt;
  return scalar_text(*v);
}

namespace {

struct NamedMapping {
  std::string_view name;
  Mapping mapping;
};

constexpr Mapping alarm(v1::CameraAlarm::Type type) { return {Kind::kAlarm, type, false}; }
constexpr Mapping smoke(bool flame) {
  return {Kind::kSmoke, v1::CameraAlarm::TYPE_UNSPECIFIED, flame};
}
constexpr Mapping kMotion{Kind::kMotion, v1::CameraAlarm::TYPE_OTHER, false};
constexpr Mapping kKeepalive{Kind::kKeepalive, v1::CameraAlarm::TYPE_UNSPECIFIED, false};

// ISAPI eventType values: the ISAPI developer guides and captured pushes.
constexpr NamedMapping kIsapi[] = {
    {"fielddetection", alarm(v1::CameraAlarm::TYPE_INTRUSION)},
    {"regionEntrance", alarm(v1::CameraAlarm::TYPE_INTRUSION)},
    {"regionExiting", alarm(v1::CameraAlarm::TYPE_INTRUSION)},
    {"regionExit", alarm(v1::CameraAlarm::TYPE_INTRUSION)},  // Scrypted's spelling
    {"linedetection", alarm(v1::CameraAlarm::TYPE_LINE_CROSSING)},
    {"loitering", alarm(v1::CameraAlarm::TYPE_LOITERING)},
    {"peopleGathering", alarm(v1::CameraAlarm::TYPE_CROWD)},
    {"videoloss", alarm(v1::CameraAlarm::TYPE_VIDEO_LOSS)},
    {"shelteralarm", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"IO", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"unattendedBaggage", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"attendedBaggage", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"parking", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"rapidMove", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"fireDetection", smoke(true)},
    {"smokeAndFireDetection", smoke(true)},
    {"smokeDetection", smoke(false)},
    {"VMD", kMotion},
    {"heartBeat", kKeepalive},
};

// Dahua event codes: the HTTP API's eventManager code list (DAHUA_HTTP_API V2.x).
constexpr NamedMapping kDahua[] = {
    {"CrossRegionDetection", alarm(v1::CameraAlarm::TYPE_INTRUSION)},
    {"CrossLineDetection", alarm(v1::CameraAlarm::TYPE_LINE_CROSSING)},
    {"WanderDetection", alarm(v1::CameraAlarm::TYPE_LOITERING)},
    {"RioterDetection", alarm(v1::CameraAlarm::TYPE_CROWD)},
    {"CrowdDetection", alarm(v1::CameraAlarm::TYPE_CROWD)},
    {"VideoLoss", alarm(v1::CameraAlarm::TYPE_VIDEO_LOSS)},
    {"LeftDetection", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"TakenAwayDetection", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"VideoBlind", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"AlarmLocal", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"ParkingDetection", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"MoveDetection", alarm(v1::CameraAlarm::TYPE_OTHER)},
    {"FireWarning", smoke(true)},
    {"FireDetection", smoke(true)},
    {"SmokeDetection", smoke(false)},
    {"VideoMotion", kMotion},
    {"SmartMotionHuman", kMotion},
    {"SmartMotionVehicle", kMotion},
};

template <std::size_t N>
Mapping lookup(const NamedMapping (&table)[N], std::string_view name) {
  for (const auto& entry : table) {
    if (iequals(entry.name, name)) return entry.mapping;
  }
  return {};
}

}  // namespace

Mapping map_isapi_event(std::string_view event_type) { return lookup(kIsapi, event_type); }
Mapping map_dahua_event(std::string_view code) { return lookup(kDahua, code); }

v1::Observation make_observation(const EventFacts& facts, const Mapping& mapping) {
  v1::Observation o;
  const std::string source = std::string(facts.source_kind) + ":" + facts.device_id;
  o.set_source(source);
  *o.mutable_observed_at() = engine::to_timestamp(facts.observed_us);
  // Case-folded type: firmware spells the same event "linedetection" and "lineDetection".
  o.set_id(source + "#" +
           digest({facts.source_kind, facts.device_id, facts.channel, lower(facts.event_type),
                   std::to_string(facts.observed_us), facts.counters}));
  if (mapping.kind == Kind::kSmoke) {
    auto& smoke_detection = *o.mutable_smoke_detection();
    smoke_detection.set_tower_id(facts.device_id);
    smoke_detection.set_confidence(facts.confidence > 0.0 ? facts.confidence
                                                          : kDefaultDetectionConfidence);
    smoke_detection.set_flame(facts.flame);
    smoke_detection.set_azimuth_deg(facts.azimuth_deg);
    smoke_detection.set_elevation_deg(facts.elevation_deg);
    smoke_detection.set_distance_m(facts.distance_m);
  } else {
    auto& camera_alarm = *o.mutable_camera_alarm();
    camera_alarm.set_camera_id(facts.device_id);
    camera_alarm.set_type(mapping.type);
    camera_alarm.set_confidence(facts.confidence);
    camera_alarm.set_description(clip_utf8(facts.description, kMaxDescriptionBytes));
  }
  return o;
}

void note_unsupported(PushResult& result, std::string_view type) {
  ++result.unsupported;
  const std::string name = clip_utf8(type, 64);
  for (const auto& seen : result.unsupported_types) {
    if (seen == name) return;
  }
  if (result.unsupported_types.size() < 16) result.unsupported_types.push_back(name);
}

}  // namespace quanyu::ingest::camera_push::detail
