#include "server/ingest/cap/export.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/core/time.hpp"
#include "server/ingest/cap/alert.hpp"
#include "server/ingest/common/charset.hpp"

namespace quanyu::ingest::cap {
namespace {

constexpr std::int64_t kMicros = 1'000'000;
// 9999-12-31T23:59:59Z: the last instant a four-digit CAP year can name.
constexpr std::int64_t kLastSecond = 253402300799;

bool digits_of_length(std::string_view s, std::size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string digits_or_zeros(std::string_view s, std::size_t n) {
  return digits_of_length(s, n) ? std::string(s) : std::string(n, '0');
}

std::string region_prefix(std::string_view code) {
  if (digits_of_length(code, 6) || digits_of_length(code, 12))
    return std::string(code.substr(0, 6));
  return "000000";
}

struct Civil {
  int year, month, day, hour, minute, second;
};

// Howard Hinnant's civil_from_days, on seconds at +08:00.
Civil beijing_civil(std::int64_t micros) {
  std::int64_t s = micros / kMicros - (micros % kMicros < 0 ? 1 : 0);
  s = std::clamp<std::int64_t>(s, 0, kLastSecond - 8 * 3600);
  s += 8 * 3600;
  const std::int64_t days = s / 86400;
  const std::int64_t sod = s % 86400;
  const std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return Civil{static_cast<int>(y),
               static_cast<int>(m),
               static_cast<int>(d),
               static_cast<int>(sod / 3600),
               static_cast<int>(sod / 60 % 60),
               static_cast<int>(sod % 60)};
}

// Fixed-point with trailing zeros removed: "29.5", "106.259", "0".
std::string number(double value, int decimals) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
  std::string out(buffer.data());
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : clean_text(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";  // only "]]>" needs it, but escaping every one is simpler to check
        break;
      default:
        out += c;
    }
  }
}

// Writes the CAP elements in schema order, indented by two spaces per level.
class Writer {
 public:
  Writer() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

  void open(std::string_view name, std::string_view attributes = {}) {
    indent();
    out_ += '<';
    out_ += name;
    out_ += attributes;
    out_ += ">\n";
    ++depth_;
  }
  void close(std::string_view name) {
    --depth_;
    indent();
    out_ += "</";
    out_ += name;
    out_ += ">\n";
  }
  void element(std::string_view name, std::string_view text) {
    indent();
    out_ += '<';
    out_ += name;
    out_ += '>';
    append_escaped(out_, text);
    out_ += "</";
    out_ += name;
    out_ += ">\n";
  }
  void optional(std::string_view name, std::string_view text) {
    if (!text.empty()) element(name, text);
  }
  void pair(std::string_view name, std::string_view value_name, std::string_view value) {
    open(name);
    element("valueName", value_name);
    element("value", value);
    close(name);
  }
  std::string take() { return std::move(out_); }

 private:
  void indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }
  std::string out_;
  int depth_ = 0;
};

std::string_view colour_name(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_RED:
      return "红色";
    case v1::SEVERITY_ORANGE:
      return "橙色";
    case v1::SEVERITY_YELLOW:
      return "黄色";
    case v1::SEVERITY_BLUE:
      return "蓝色";
    default:
      return "";
  }
}

std::string_view cap_severity(v1::Severity severity) {
  switch (severity) {
    case v1::SEVERITY_RED:
      return "Extreme";
    case v1::SEVERITY_ORANGE:
      return "Severe";
    case v1::SEVERITY_YELLOW:
      return "Moderate";
    case v1::SEVERITY_BLUE:
      return "Minor";
    default:
      return "Unknown";
  }
}

struct KindText {
  std::string_view category;  // CAP 1.2 section 3.2.2 category
  std::string_view event;
  std::string_view response;  // responseType while the alert is open
  std::string_view instruction;
};

KindText kind_text(v1::IncidentKind kind) {
  switch (kind) {
    case v1::INCIDENT_KIND_FIRE:
      return {"Fire", "森林火情", "Avoid",
              "请远离火场及其下风方向区域，严禁进入林区野外用火，服从现场指挥。"};
    case v1::INCIDENT_KIND_FLOOD:
      // CAP's "Met" is "Meteorological (inc. flood)"; "Env" is pollution and environment.
      return {"Met", "水位超警", "Prepare",
              "请远离河道、堤防和低洼地带，做好转移准备，密切关注水位变化。"};
    case v1::INCIDENT_KIND_SECURITY:
      return {"Security", "治安事件", "Avoid", "请远离事发区域，配合公安机关处置，注意人身安全。"};
    default:
      return {"Other", "突发事件", "Monitor", "请关注后续通报。"};
  }
}

bool is_closed(v1::IncidentStatus status) {
  return status == v1::INCIDENT_STATUS_CLOSED || status == v1::INCIDENT_STATUS_FALSE_ALARM;
}

std::int64_t micros_or_zero(bool present, const google::protobuf::Timestamp& t) {
  return present ? engine::to_micros(t) : 0;
}

// When the incident was closed: the transition into its current status, else its last report.
std::int64_t closed_at(const v1::Incident& incident) {
  const std::string_view to =
      incident.status() == v1::INCIDENT_STATUS_CLOSED ? "closed" : "false_alarm";
  for (auto it = incident.history().rbegin(); it != incident.history().rend(); ++it) {
    if (it->to() == to && it->has_at()) return engine::to_micros(it->at());
  }
  if (incident.has_last_seen()) return engine::to_micros(incident.last_seen());
  return micros_or_zero(incident.has_first_seen(), incident.first_seen());
}

bool valid_position(const v1::Incident& incident) {
  if (!incident.has_position()) return false;
  const double lon = incident.position().lon();
  const double lat = incident.position().lat();
  return std::isfinite(lon) && std::isfinite(lat) && lon >= -180.0 && lon <= 180.0 &&
         lat >= -90.0 && lat <= 90.0;
}

std::string description(const v1::Incident& incident, std::string_view place) {
  std::vector<std::string> parts;
  if (!incident.title().empty()) parts.push_back(incident.title());
  if (valid_position(incident)) {
    parts.push_back("发生地点：" + std::string(place) + "（纬度 " +
                    number(incident.position().lat(), 5) + "，经度 " +
                    number(incident.position().lon(), 5) + "）");
  }
  if (incident.kind() == v1::INCIDENT_KIND_FLOOD && incident.peak_level_m() != 0.0 &&
      std::isfinite(incident.peak_level_m()) && std::isfinite(incident.rise_rate_m_per_h())) {
    parts.push_back("最高水位 " + number(incident.peak_level_m(), 2) + " 米，近一小时涨幅 " +
                    number(incident.rise_rate_m_per_h(), 2) + " 米");
  }
  if (incident.confidence() > 0.0 && incident.confidence() <= 1.0) {
    parts.push_back("综合置信度 " + number(std::round(incident.confidence() * 100.0), 0) + "%");
  }
  if (!incident.id().empty()) parts.push_back("事件编号：" + incident.id());
  if (incident.status() == v1::INCIDENT_STATUS_CLOSED) parts.push_back("事件已处置完毕，预警解除");
  if (incident.status() == v1::INCIDENT_STATUS_FALSE_ALARM)
    parts.push_back("经核查为误报，预警解除");
  std::string out;
  for (const auto& p : parts) {
    out += p;
    // A title may already end its sentence.
    if (!p.ends_with("。") && !p.ends_with(".") && !p.ends_with("！")) out += "。";
  }
  return out;
}

std::string_view urgency(const v1::Incident& incident) {
  if (is_closed(incident.status())) return "Past";
  return incident.severity() >= v1::SEVERITY_ORANGE ? "Immediate" : "Expected";
}

std::string_view certainty(const v1::Incident& incident) {
  switch (incident.status()) {
    case v1::INCIDENT_STATUS_FALSE_ALARM:
      return "Unlikely";
    case v1::INCIDENT_STATUS_DISPATCHED:
    case v1::INCIDENT_STATUS_RESOLVED:
    case v1::INCIDENT_STATUS_CLOSED:
      return "Observed";  // a team has been sent or has been there
    default:
      return incident.confidence() >= 0.5 ? "Likely" : "Possible";
  }
}

bool has_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

}  // namespace

std::optional<Error> check_export_options(const ExportOptions& o) {
  auto bad = [](const std::string& field, const std::string& problem) {
    return Error{"invalid_option", "cap export " + field + ": " + problem};
  };
  if (o.sender.empty()) return bad("sender", "required");
  if (o.sender.find_first_of(" \t\r\n,<&") != std::string::npos) {
    return bad("sender", "\"" + o.sender + "\" contains a space, comma, '<' or '&'");
  }
  if (!digits_of_length(o.region_code, 6) && !digits_of_length(o.region_code, 12)) {
    return bad("region_code", "\"" + o.region_code + "\" is not a 6- or 12-digit GB/T 2260 code");
  }
  if (!digits_of_length(o.agency_code, 3)) {
    return bad("agency_code", "\"" + o.agency_code + "\" is not 3 digits (GB/T 4657)");
  }
  if (!digits_of_length(o.unit_code, 3))
    return bad("unit_code", "\"" + o.unit_code + "\" is not 3 digits");
  if (!digits_of_length(o.extension_code, 2)) {
    return bad("extension_code", "\"" + o.extension_code + "\" is not 2 digits");
  }
  if (o.sequence < 0 || o.sequence > 9)
    return bad("sequence", std::to_string(o.sequence) + " is not 0-9");
  if (!std::isfinite(o.radius_km) || o.radius_km < 0.0 || o.radius_km > 1000.0) {
    return bad("radius_km", "must be between 0 and 1000");
  }
  if (o.valid_for_s < 0) return bad("valid_for_s", "must not be negative");
  if (!o.web.empty() && (o.web.find("://") == std::string::npos || has_space(o.web))) {
    return bad("web", "\"" + o.web + "\" is not an absolute URI");
  }
  return std::nullopt;
}

std::string format_cap_time(std::int64_t micros) {
  const Civil c = beijing_civil(micros);
  std::array<char, 32> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year,
                c.month, c.day, c.hour, c.minute, c.second);
  return buffer.data();
}

std::string cap_identifier(const ExportOptions& o, std::int64_t sent_us) {
  const Civil c = beijing_civil(sent_us);
  std::array<char, 16> stamp{};
  std::snprintf(stamp.data(), stamp.size(), "%04d%02d%02d%02d%02d%02d", c.year, c.month, c.day,
                c.hour, c.minute, c.second);
  std::string id = region_prefix(o.region_code) + digits_or_zeros(o.agency_code, 3) +
                   digits_or_zeros(o.unit_code, 3) + digits_or_zeros(o.extension_code, 2) + "_" +
                   stamp.data();
  if (o.sequence_suffix) id += "_" + std::to_string(std::clamp(o.sequence, 0, 9));
  return id;
}

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  while (p < end) {
    const unsigned c = *p;
    if (c < 0x80) {
      if (c == '\r') {
        out += '\n';
        p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
        continue;
      }
      if (c >= 0x20 || c == '\t' || c == '\n') out += static_cast<char>(c);
      ++p;
      continue;
    }
    const Utf8Char ch = decode_utf8(p, end);
    if (ch.length == 0) {
      out += kReplacement;
      ++p;
      continue;
    }
    if (ch.code != 0xFFFE && ch.code != 0xFFFF) {
      out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(ch.length));
    }
    p += ch.length;
  }
  return out;
}

std::string incident_to_cap(const v1::Incident& incident, const ExportOptions& options) {
  const bool cancel = is_closed(incident.status());
  const std::int64_t first_seen = micros_or_zero(incident.has_first_seen(), incident.first_seen());
  const std::int64_t alert_sent = options.alert_sent_us != 0 ? options.alert_sent_us : first_seen;
  std::int64_t sent = options.sent_us;
  if (sent == 0) sent = cancel ? closed_at(incident) : first_seen;
  // A Cancel must not reuse the identifier of the Alert it withdraws.
  if (cancel && sent / kMicros <= alert_sent / kMicros) sent = (alert_sent / kMicros + 1) * kMicros;

  const KindText kind = kind_text(incident.kind());
  const v1::Severity severity = incident.severity();
  const std::string_view colour = colour_name(severity);
  std::string place = incident.district().name();
  if (place.empty()) place = options.region_name;
  const std::string headline = std::string(cancel ? "解除" : "") + place + std::string(kind.event) +
                               std::string(colour) + "预警";

  Writer w;
  w.open("alert", " xmlns=\"" + std::string(kCap12Namespace) + "\"");
  w.element("identifier", cap_identifier(options, sent));
  w.element("sender", options.sender);
  w.element("sent", format_cap_time(sent));
  w.element("status", "Actual");
  w.element("msgType", cancel ? "Cancel" : "Alert");
  w.element("scope", "Public");
  if (cancel && alert_sent != 0) {
    w.element("references", options.sender + "," + cap_identifier(options, alert_sent) + "," +
                                format_cap_time(alert_sent));
  }
  // <incidents> is space-separated; an id with white space is quoted (CAP 1.2 section 3.3.2).
  const std::string& id = incident.id();
  if (!id.empty() && id.find('"') == std::string::npos) {
    w.element("incidents", has_space(id) ? "\"" + id + "\"" : id);
  }

  w.open("info");
  w.element("language", "zh-CN");
  w.element("category", kind.category);
  w.element("event", kind.event);
  w.element("responseType", cancel ? "AllClear" : kind.response);
  w.element("urgency", urgency(incident));
  w.element("severity", cap_severity(severity));
  w.element("certainty", certainty(incident));
  w.element("effective", format_cap_time(sent));
  if (first_seen != 0) w.element("onset", format_cap_time(first_seen));
  if (!cancel && options.valid_for_s > 0) {
    w.element("expires", format_cap_time(sent + options.valid_for_s * kMicros));
  }
  w.optional("senderName", options.sender_name);
  w.element("headline", headline);
  w.element("description", description(incident, place));
  if (!cancel) w.element("instruction", kind.instruction);
  w.optional("web", options.web);
  if (!colour.empty()) w.pair("parameter", "预警颜色", colour);

  w.open("area");
  w.element("areaDesc", place);
  if (valid_position(incident)) {
    const double radius =
        std::isfinite(options.radius_km) ? std::clamp(options.radius_km, 0.0, 1000.0) : 0.0;
    w.element("circle", number(incident.position().lat(), 6) + "," +
                            number(incident.position().lon(), 6) + " " + number(radius, 3));
  }
  const std::string& adcode =
      incident.district().adcode().empty() ? options.region_code : incident.district().adcode();
  if (!adcode.empty()) w.pair("geocode", "adcode", adcode);
  w.close("area");
  w.close("info");
  w.close("alert");
  return w.take();
}

}  // namespace quanyu::ingest::cap
