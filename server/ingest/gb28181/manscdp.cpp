#include "server/ingest/gb28181/manscdp.hpp"
#include "server/ingest/common/text.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "engine/core/time.hpp"
#include "server/ingest/common/time.hpp"
#include "server/ingest/common/xml.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

constexpr std::size_t kMaxIdLength = 32;
// The engine refuses descriptions over 1024 bytes; an alarm is worth more than its wording, so a
// long description is cut (at a character boundary) rather than the alarm refused.
constexpr std::size_t kMaxDescriptionBytes = 1024;

Error invalid(std::string message) { return Error{"invalid_manscdp", std::move(message)}; }

std::string shown(std::string_view s) {
  std::string out = "\"";
  for (const char c : s.substr(0, 48)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > 48) out += "...";
  return out + "\"";
}

// The first child element with this name, whatever its case.
xml::Node child(const xml::Node& node, std::string_view name) {
  for (const auto& c : node.elements()) {
    if (iequals(c.name(), name)) return c;
  }
  return {};
}

std::optional<std::string> child_text(const xml::Node& node, std::string_view name) {
  const xml::Node c = child(node, name);
  if (!c) return std::nullopt;
  return c.text();
}

// Devices write standalone="true", which libxml2 rightly refuses; the pseudo-attribute says
// nothing a MANSCDP reader needs, so it is dropped. Trailing NULs (C strings sent with their
// terminator) are dropped too.
std::string repair(std::string_view body) {
  while (!body.empty() &&
         (body.back() == '\0' || std::isspace(static_cast<unsigned char>(body.back())))) {
    body.remove_suffix(1);
  }
  std::string out(body);
  std::size_t p = 0;
  if (out.compare(0, 3, "\xEF\xBB\xBF") == 0) p = 3;
  while (p < out.size() && std::isspace(static_cast<unsigned char>(out[p]))) ++p;
  if (out.compare(p, 5, "<?xml") != 0) return out;
  const auto end = out.find("?>", p);
  if (end == std::string::npos) return out;
  const auto key = out.find("standalone", p);
  if (key == std::string::npos || key > end) return out;
  const auto q1 = out.find_first_of("\"'", key);
  if (q1 == std::string::npos || q1 > end) return out;
  const auto q2 = out.find(out[q1], q1 + 1);
  if (q2 == std::string::npos || q2 > end) return out;
  const std::string value = out.substr(q1 + 1, q2 - q1 - 1);
  if (value == "yes" || value == "no") return out;
  std::size_t from = key;
  while (from > p && std::isspace(static_cast<unsigned char>(out[from - 1]))) --from;
  out.erase(from, q2 + 1 - from);
  return out;
}

// A small non-negative integer field; nullopt when the element is absent or empty.
Result<std::optional<int>> integer(const xml::Node& node, std::string_view name) {
  const auto text = child_text(node, name);
  if (!text || text->empty()) return std::optional<int>{};
  std::string_view s = *text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || s.size() > 9 || value < 0) {
    return invalid(std::string(name) + " " + shown(*text) + " is not a whole number");
  }
  return std::optional<int>(value);
}

Result<std::optional<double>> coordinate(const xml::Node& node, std::string_view name,
                                         double limit) {
  const auto text = child_text(node, name);
  if (!text || text->empty()) return std::optional<double>{};
  std::string_view s = *text;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value)) {
    return invalid(std::string(name) + " " + shown(*text) + " is not a number");
  }
  if (std::abs(value) > limit) {
    return invalid(std::string(name) + " " + shown(*text) + " is outside -" +
                   std::to_string(static_cast<int>(limit)) + ".." +
                   std::to_string(static_cast<int>(limit)) + " degrees");
  }
  return std::optional<double>(value);
}

Result<std::string> identifier(const xml::Node& root, std::string_view name, bool required) {
  const auto text = child_text(root, name);
  if (!text || text->empty()) {
    if (required) return invalid(std::string(name) + " is missing");
    return std::string();
  }
  if (text->size() > kMaxIdLength) {
    return invalid(std::string(name) + " " + shown(*text) + " is longer than " +
                   std::to_string(kMaxIdLength) + " characters");
  }
  for (const char c : *text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      return invalid(std::string(name) + " " + shown(*text) + " is not letters and digits");
    }
  }
  return *text;
}

Result<AlarmNotify> parse_alarm(const xml::Node& root, std::string sn, std::string device_id) {
  AlarmNotify a;
  a.sn = std::move(sn);
  if (device_id.empty()) return invalid("DeviceID is missing");
  a.device_id = std::move(device_id);

  auto priority = integer(root, "AlarmPriority");
  if (!priority) return priority.error();
  if (!*priority) return invalid("AlarmPriority is missing");
  if (**priority < 1 || **priority > 4) {
    return invalid("AlarmPriority " + std::to_string(**priority) + " is not 1 (highest) .. 4");
  }
  a.priority = **priority;

  auto method = integer(root, "AlarmMethod");
  if (!method) return method.error();
  if (!*method) return invalid("AlarmMethod is missing");
  if (**method < 1 || **method > 7) {
    return invalid("AlarmMethod " + std::to_string(**method) + " is not 1..7");
  }
  a.method = **method;

  const auto time = child_text(root, "AlarmTime");
  if (!time || time->empty()) return invalid("AlarmTime is missing");
  auto us = parse_datetime_us(*time, kBeijingOffsetMinutes);
  if (!us) return invalid("AlarmTime: " + us.error().message);
  a.time_us = *us;

  a.description = child_text(root, "AlarmDescription").value_or("");

  auto lon = coordinate(root, "Longitude", 180.0);
  if (!lon) return lon.error();
  auto lat = coordinate(root, "Latitude", 90.0);
  if (!lat) return lat.error();
  // 0 (or a missing one) means the device does not know where it is.
  if (*lon && *lat && **lon != 0.0 && **lat != 0.0) {
    a.longitude = **lon;
    a.latitude = **lat;
  }

  // A.2.5.3 puts AlarmType and AlarmTypeParam inside <Info>; some devices put them at the top.
  // <Info> wins when both are there.
  const xml::Node info = child(root, "Info");
  auto info_type = integer(info, "AlarmType");
  if (!info_type) return Error{info_type.error().code, "Info/" + info_type.error().message};
  auto top_type = integer(root, "AlarmType");
  if (!top_type) return top_type.error();
  a.alarm_type = info_type->value_or(top_type->value_or(0));

  xml::Node param = child(info, "AlarmTypeParam");
  if (!param) param = child(root, "AlarmTypeParam");
  auto event = integer(param, "EventType");
  if (!event) return Error{event.error().code, "AlarmTypeParam/" + event.error().message};
  a.event_type = *event;
  return a;
}

// Cuts UTF-8 text to at most `max` bytes without splitting a character.
std::string cut_utf8(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

bool contains_ci(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    if (iequals(text.substr(i, word.size()), word)) return true;
  }
  return false;
}

}  // namespace

Result<ManscdpBody> parse_manscdp(std::string_view body, std::string_view charset) {
  const std::string repaired = repair(body);
  auto doc = xml::Document::parse(repaired, charset);
  if (!doc && !charset.empty()) {
    // The Content-Type charset is wrong more often than the XML declaration; try that instead.
    doc = xml::Document::parse(repaired);
  }
  if (!doc) return doc.error();
  const xml::Node root = doc->root();
  ManscdpBody out;
  out.root = std::string(root.name());
  const auto cmd = child_text(root, "CmdType");
  if (!cmd || cmd->empty()) return invalid("CmdType is missing");
  out.cmd_type = *cmd;
  const auto sn = child_text(root, "SN").value_or("");
  if (sn.size() > kMaxIdLength) return invalid("SN " + shown(sn) + " is too long");
  for (const char c : sn) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return invalid("SN has a control character");
    }
  }
  out.sn = sn;
  const bool notify = iequals(out.root, "Notify");
  const bool alarm = notify && iequals(out.cmd_type, "Alarm");
  const bool keepalive = notify && iequals(out.cmd_type, "Keepalive");
  auto device_id = identifier(root, "DeviceID", alarm || keepalive);
  if (!device_id) return device_id.error();
  out.device_id = *device_id;
  if (keepalive) {
    out.command = Keepalive{out.device_id, child_text(root, "Status").value_or("")};
  } else if (alarm) {
    auto parsed = parse_alarm(root, out.sn, out.device_id);
    if (!parsed) return parsed.error();
    out.command = std::move(parsed).value();
  }
  return out;
}

v1::CameraAlarm::Type camera_alarm_type(int method, int alarm_type) {
  switch (static_cast<AlarmMethod>(method)) {
    case AlarmMethod::kVideo:
      switch (static_cast<VideoAlarmType>(alarm_type)) {
        case VideoAlarmType::kTripwire:
          return v1::CameraAlarm::TYPE_LINE_CROSSING;
        case VideoAlarmType::kIntrusion:
          return v1::CameraAlarm::TYPE_INTRUSION;
        case VideoAlarmType::kLoitering:
          return v1::CameraAlarm::TYPE_LOITERING;
        case VideoAlarmType::kDensity:
          return v1::CameraAlarm::TYPE_CROWD;
        default:
          return v1::CameraAlarm::TYPE_OTHER;
      }
    case AlarmMethod::kDevice:
      switch (static_cast<DeviceAlarmType>(alarm_type)) {
        case DeviceAlarmType::kVideoLoss:
        case DeviceAlarmType::kDiskFull:
        case DeviceAlarmType::kHighTemperature:
        case DeviceAlarmType::kLowTemperature:
          // The proto's VIDEO_LOSS stands for "video lost / device fault" (视频丢失 / 设备故障).
          return v1::CameraAlarm::TYPE_VIDEO_LOSS;
        default:
          // Tamper, and a plain device alarm (an alarm input) without AlarmType.
          return v1::CameraAlarm::TYPE_OTHER;
      }
    case AlarmMethod::kDeviceFault:
      return v1::CameraAlarm::TYPE_VIDEO_LOSS;
    default:
      return v1::CameraAlarm::TYPE_OTHER;
  }
}

v1::Observation to_observation(const AlarmNotify& alarm) {
  v1::Observation o;
  o.set_id("gb28181:" + alarm.device_id + ":" + std::to_string(alarm.time_us / 1'000'000) + ":" +
           alarm.sn + ":" + std::to_string(alarm.method) + "." + std::to_string(alarm.alarm_type));
  o.set_source("gb28181:" + alarm.device_id);
  *o.mutable_observed_at() = engine::to_timestamp(alarm.time_us);
  if (alarm.longitude && alarm.latitude) {
    o.mutable_position()->set_x(*alarm.longitude);
    o.mutable_position()->set_y(*alarm.latitude);
    o.mutable_position()->set_crs("EPSG:4326");
  }
  auto& c = *o.mutable_camera_alarm();
  c.set_camera_id(alarm.device_id);
  auto type = camera_alarm_type(alarm.method, alarm.alarm_type);
  if (type == v1::CameraAlarm::TYPE_OTHER) {
    // Devices with fire/smoke analytics report them as a generic video or device alarm and say
    // what it is in the description only.
    const std::string& d = alarm.description;
    if (contains_ci(d, "火焰") || contains_ci(d, "火警") || contains_ci(d, "火灾") ||
        contains_ci(d, "烟火") || contains_ci(d, "明火") || contains_ci(d, "fire") ||
        contains_ci(d, "flame")) {
      type = v1::CameraAlarm::TYPE_FIRE;
    } else if (contains_ci(d, "烟雾") || contains_ci(d, "烟感") || contains_ci(d, "smoke")) {
      type = v1::CameraAlarm::TYPE_SMOKE;
    }
  }
  c.set_type(type);
  c.set_priority(alarm.priority);
  c.set_confidence(1.0);  // GB/T 28181 alarms carry no confidence: the device asserts them
  c.set_description(cut_utf8(alarm.description, kMaxDescriptionBytes));
  return o;
}

std::string alarm_response_body(std::string_view sn, std::string_view device_id) {
  const auto escape = [](std::string_view s) {
    std::string out;
    for (const char c : s) {
      switch (c) {
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '&':
          out += "&amp;";
          break;
        default:
          out += c;
      }
    }
    return out;
  };
  return "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<Response>\r\n<CmdType>Alarm</CmdType>\r\n"
         "<SN>" +
         escape(sn) + "</SN>\r\n<DeviceID>" + escape(device_id) +
         "</DeviceID>\r\n<Result>OK</Result>\r\n</Response>\r\n";
}

}  // namespace quanyu::ingest::gb28181
