// Hikvision ISAPI EventNotificationAlert, as XML (namespace http://www.hikvision.com/ver20/
// XMLSchema, http://www.isapi.org/ver20/XMLSchema, older ones, or none: lookups go by local
// name) or as the JSON that newer firmware sends, alone or inside a multipart body.
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/ingest/camera_push/camera_push.hpp"
#include "server/ingest/camera_push/multipart.hpp"
#include "server/ingest/camera_push/push_support.hpp"
#include "server/ingest/common/charset.hpp"
#include "server/ingest/common/time.hpp"
#include "server/ingest/common/xml.hpp"

namespace quanyu::ingest::camera_push {
namespace {

using detail::iequals;
using detail::lower;
using detail::quoted;
using detail::trim;

constexpr std::size_t kMaxRegionsDescribed = 8;

struct Region {
  std::string id;
  std::string target;
};

/// One FireDetection (or SmokeDetection) block of a thermal camera's alert.
struct FireFacts {
  std::optional<double> max_temperature;
  std::optional<std::string> distance;   ///< targetDistance, metres; -1 when unknown
  std::optional<std::string> azimuth;    ///< AbsoluteHigh azimuth, tenths of a degree
  std::optional<std::string> elevation;  ///< AbsoluteHigh elevation, tenths of a degree
  std::optional<std::string> confidence;
};

/// The fields of one EventNotificationAlert, as text, whichever form it came in.
struct Alert {
  std::string where;  ///< "alert" or "multipart part N", for messages
  std::optional<std::string> ip, ipv6, mac, channel, date_time, active_post_count, event_type,
      event_state, description, channel_name, uuid, retransmission;
  std::vector<Region> regions;
  std::vector<FireFacts> fires;
  FireFacts ptz;  ///< an AbsoluteHigh found anywhere in the alert, when no FireDetection has one
};

Error bad(const std::string& where, const std::string& message,
          const std::string& code = "invalid_isapi_alert") {
  return Error{code, where + ": " + message};
}

// --- XML ------------------------------------------------------------------------------------

std::optional<std::string> xml_text(const xml::Node& node, std::string_view name) {
  return node.child_text(name);
}

FireFacts fire_from_xml(const xml::Node& node) {
  FireFacts fire;
  if (const auto t = xml_text(node, "fireMaxTemperature")) {
    fire.max_temperature = detail::parse_number(trim(*t));
  }
  fire.distance = xml_text(node, "targetDistance");
  fire.confidence = xml_text(node, "confidence");
  if (const xml::Node ptz = node.child("AbsoluteHigh")) {
    fire.azimuth = xml_text(ptz, "azimuth");
    fire.elevation = xml_text(ptz, "elevation");
  }
  return fire;
}

/// The alert in an XML document, or nullopt when the root is not an EventNotificationAlert.
Result<std::optional<Alert>> alert_from_xml(std::string_view bytes, std::string_view charset,
                                            const std::string& where) {
  auto doc = xml::Document::parse(bytes, charset);
  if (!doc) return bad(where, doc.error().message, doc.error().code);
  const xml::Node root = doc->root();
  if (root.name() != "EventNotificationAlert") return std::optional<Alert>{};
  Alert a;
  a.where = where;
  a.ip = xml_text(root, "ipAddress");
  a.ipv6 = xml_text(root, "ipv6Address");
  a.mac = xml_text(root, "macAddress");
  a.channel = xml_text(root, "channelID");
  if (!a.channel) a.channel = xml_text(root, "dynChannelID");
  a.date_time = xml_text(root, "dateTime");
  a.active_post_count = xml_text(root, "activePostCount");
  a.event_type = xml_text(root, "eventType");
  a.event_state = xml_text(root, "eventState");
  a.description = xml_text(root, "eventDescription");
  a.channel_name = xml_text(root, "channelName");
  a.uuid = xml_text(root, "UUID");
  if (!a.uuid) a.uuid = xml_text(root, "uuid");
  a.retransmission = xml_text(root, "isDataRetransmission");
  if (const xml::Node list = root.child("DetectionRegionList")) {
    for (const xml::Node& entry : list.children("DetectionRegionEntry")) {
      Region region;
      region.id = xml_text(entry, "regionID").value_or("");
      region.target =
          xml_text(entry, "detectionTarget").value_or(xml_text(entry, "targetType").value_or(""));
      a.regions.push_back(std::move(region));
      for (const std::string_view name : {"FireDetection", "SmokeDetection"}) {
        for (const xml::Node& fire : entry.children(name)) a.fires.push_back(fire_from_xml(fire));
      }
    }
  }
  for (const std::string_view name : {"FireDetection", "SmokeDetection"}) {
    for (const xml::Node& fire : root.children(name)) a.fires.push_back(fire_from_xml(fire));
  }
  if (const xml::Node ptz = root.find("AbsoluteHigh")) {
    a.ptz.azimuth = xml_text(ptz, "azimuth");
    a.ptz.elevation = xml_text(ptz, "elevation");
  }
  return std::optional<Alert>(std::move(a));
}

// --- JSON -----------------------------------------------------------------------------------

using google::protobuf::Struct;
using google::protobuf::Value;

std::optional<std::string> json_text(const Struct& object, std::string_view key) {
  return detail::member_text(object, key);
}

/// The objects of a member that firmware writes either as one object or as an array of them.
std::vector<const Struct*> objects_of(const Struct& parent, std::string_view key) {
  std::vector<const Struct*> out;
  const Value* v = detail::member(parent, key);
  if (v == nullptr) return out;
  if (v->has_struct_value()) {
    out.push_back(&v->struct_value());
  } else if (v->has_list_value()) {
    for (const Value& item : v->list_value().values()) {
      if (item.has_struct_value()) out.push_back(&item.struct_value());
    }
  }
  return out;
}

FireFacts fire_from_json(const Struct& object) {
  FireFacts fire;
  if (const auto t = json_text(object, "fireMaxTemperature")) {
    fire.max_temperature = detail::parse_number(trim(*t));
  }
  fire.distance = json_text(object, "targetDistance");
  fire.confidence = json_text(object, "confidence");
  for (const Struct* ptz : objects_of(object, "AbsoluteHigh")) {
    fire.azimuth = json_text(*ptz, "azimuth");
    fire.elevation = json_text(*ptz, "elevation");
    break;
  }
  return fire;
}

/// The first object named `key` anywhere below `object` (depth first). The JSON was checked
/// to nest at most kMaxJsonDepth levels, which bounds the recursion.
const Struct* find_object(const Struct& object, std::string_view key) {
  if (const Value* v = detail::member(object, key); v != nullptr && v->has_struct_value()) {
    return &v->struct_value();
  }
  for (const auto& [name, value] : object.fields()) {
    if (value.has_struct_value()) {
      if (const Struct* found = find_object(value.struct_value(), key)) return found;
    } else if (value.has_list_value()) {
      for (const Value& item : value.list_value().values()) {
        if (!item.has_struct_value()) continue;
        if (const Struct* found = find_object(item.struct_value(), key)) return found;
      }
    }
  }
  return nullptr;
}

bool looks_like_alert(const Struct& object) {
  for (const std::string_view key :
       {"eventType", "eventState", "dateTime", "ipAddress", "macAddress", "activePostCount"}) {
    if (detail::member(object, key) != nullptr) return true;
  }
  return false;
}

/// The alert in a JSON text, or nullopt when the object is not an alert.
Result<std::optional<Alert>> alert_from_json(std::string_view bytes, std::string_view charset,
                                             const std::string& where) {
  auto text = decode_text(bytes, charset);
  if (!text) return bad(where, text.error().message, text.error().code);
  auto parsed = detail::parse_json_object(*text, "JSON");
  if (!parsed) return bad(where, parsed.error().message, parsed.error().code);
  const Struct* root = &*parsed;
  // Some gateways wrap the alert: {"EventNotificationAlert": {...}}.
  if (root->fields_size() == 1) {
    if (const Value* inner = detail::member(*root, "EventNotificationAlert");
        inner != nullptr && inner->has_struct_value()) {
      root = &inner->struct_value();
    }
  }
  if (!looks_like_alert(*root)) return std::optional<Alert>{};
  Alert a;
  a.where = where;
  a.ip = json_text(*root, "ipAddress");
  a.ipv6 = json_text(*root, "ipv6Address");
  a.mac = json_text(*root, "macAddress");
  a.channel = json_text(*root, "channelID");
  if (!a.channel) a.channel = json_text(*root, "dynChannelID");
  a.date_time = json_text(*root, "dateTime");
  a.active_post_count = json_text(*root, "activePostCount");
  a.event_type = json_text(*root, "eventType");
  a.event_state = json_text(*root, "eventState");
  a.description = json_text(*root, "eventDescription");
  a.channel_name = json_text(*root, "channelName");
  a.uuid = json_text(*root, "UUID");
  a.retransmission = json_text(*root, "isDataRetransmission");
  std::vector<const Struct*> entries;
  for (const Struct* list : objects_of(*root, "DetectionRegionList")) {
    const std::vector<const Struct*> inner = objects_of(*list, "DetectionRegionEntry");
    if (inner.empty()) {
      entries.push_back(list);  // the array form: DetectionRegionList: [ {regionID...} ]
    } else {
      entries.insert(entries.end(), inner.begin(), inner.end());
    }
  }
  for (const Struct* entry : entries) {
    Region region;
    region.id = json_text(*entry, "regionID").value_or("");
    region.target =
        json_text(*entry, "detectionTarget").value_or(json_text(*entry, "targetType").value_or(""));
    a.regions.push_back(std::move(region));
    for (const std::string_view name : {"FireDetection", "SmokeDetection"}) {
      for (const Struct* fire : objects_of(*entry, name)) a.fires.push_back(fire_from_json(*fire));
    }
  }
  for (const std::string_view name : {"FireDetection", "SmokeDetection"}) {
    for (const Struct* fire : objects_of(*root, name)) a.fires.push_back(fire_from_json(*fire));
  }
  if (const Struct* ptz = find_object(*root, "AbsoluteHigh")) {
    a.ptz.azimuth = json_text(*ptz, "azimuth");
    a.ptz.elevation = json_text(*ptz, "elevation");
  }
  return std::optional<Alert>(std::move(a));
}

// --- From an alert to an observation --------------------------------------------------------

/// Some firmware writes a one-digit offset hour ("2016-12-24T18:59:49-8:00"); the shared
/// ISO 8601 reader wants two.
std::string normalise_time(std::string_view text) {
  std::string t(trim(text));
  const std::size_t sign = t.find_last_of("+-");
  if (sign != std::string::npos && sign > 10 && sign + 2 < t.size() &&
      std::isdigit(static_cast<unsigned char>(t[sign + 1])) && t[sign + 2] == ':') {
    t.insert(sign + 1, "0");
  }
  return t;
}

Result<double> tenths_to_degrees(const std::string& where, std::string_view field,
                                 const std::string& text, double min_tenths, double max_tenths) {
  const auto v = detail::parse_number(trim(text));
  if (!v) return bad(where, std::string(field) + ": " + quoted(text) + " is not a number");
  if (*v < min_tenths || *v > max_tenths) {
    return bad(where, std::string(field) + ": " + quoted(text) +
                          " is out of range (tenths of a degree, " +
                          std::to_string(static_cast<int>(min_tenths)) + ".." +
                          std::to_string(static_cast<int>(max_tenths)) + ")");
  }
  return *v / 10.0;
}

/// Fills the fire/smoke fields of `facts` from the hottest FireDetection block (the first one
/// when none gives a temperature), the alert-wide AbsoluteHigh standing in for missing PTZ.
std::optional<Error> fill_fire(const Alert& a, detail::EventFacts& facts) {
  FireFacts chosen;
  if (!a.fires.empty()) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < a.fires.size(); ++i) {
      if (a.fires[i].max_temperature &&
          (!a.fires[best].max_temperature ||
           *a.fires[i].max_temperature > *a.fires[best].max_temperature)) {
        best = i;
      }
    }
    chosen = a.fires[best];
  }
  if (!chosen.azimuth) chosen.azimuth = a.ptz.azimuth;
  if (!chosen.elevation) chosen.elevation = a.ptz.elevation;
  if (chosen.azimuth) {
    auto az = tenths_to_degrees(a.where, "azimuth", *chosen.azimuth, 0, 3600);
    if (!az) return az.error();
    facts.azimuth_deg = *az >= 360.0 ? *az - 360.0 : *az;
  }
  if (chosen.elevation) {
    auto el = tenths_to_degrees(a.where, "elevation", *chosen.elevation, -900, 900);
    if (!el) return el.error();
    facts.elevation_deg = *el;
  }
  if (chosen.distance) {
    const auto d = detail::parse_number(trim(*chosen.distance));
    if (!d) return bad(a.where, "targetDistance: " + quoted(*chosen.distance) + " is not a number");
    if (*d > 60'000.0) {
      return bad(a.where, "targetDistance: " + quoted(*chosen.distance) + " m is beyond 60000 m");
    }
    facts.distance_m = *d > 0.0 ? *d : 0.0;  // the device writes -1 when it has no range
  }
  if (chosen.confidence) {
    const auto c = detail::parse_number(trim(*chosen.confidence));
    if (!c || *c < 0.0 || *c > 100.0) {
      return bad(a.where, "confidence: " + quoted(*chosen.confidence) + " is not 0..100");
    }
    facts.confidence = *c > 1.0 ? *c / 100.0 : *c;
  }
  return std::nullopt;
}

std::string describe(const Alert& a, std::string_view type) {
  std::string out = a.description && !trim(*a.description).empty()
                        ? std::string(trim(*a.description))
                        : std::string(type);
  if (a.channel) {
    out += "; channel " + std::string(trim(*a.channel));
    if (a.channel_name && !trim(*a.channel_name).empty()) {
      out += " (" + std::string(trim(*a.channel_name)) + ")";
    }
  } else if (a.channel_name && !trim(*a.channel_name).empty()) {
    out += "; " + std::string(trim(*a.channel_name));
  }
  std::size_t described = 0;
  for (const Region& r : a.regions) {
    if (r.id.empty() && r.target.empty()) continue;
    if (described++ == kMaxRegionsDescribed) {
      out += "; ...";
      break;
    }
    out += "; region " + (r.id.empty() ? std::string("?") : r.id);
    if (!r.target.empty()) out += ": " + r.target;
  }
  return out;
}

class IsapiReader {
 public:
  IsapiReader(std::string_view device_hint, const PushOptions& options)
      : hint_(device_hint), options_(options) {
    result_.device_id = std::string(device_hint);
  }

  std::optional<Error> add(const Alert& a) {
    if (++alerts_ > kMaxEventsPerBody) {
      return Error{"invalid_isapi_alert",
                   "more than " + std::to_string(kMaxEventsPerBody) + " alerts in one body"};
    }
    const std::string type(a.event_type ? trim(*a.event_type) : std::string_view{});
    if (type.empty()) return bad(a.where, "eventType: missing");
    if (type.size() > 64) return bad(a.where, "eventType: " + quoted(type) + " is too long");

    const std::string state = lower(a.event_state ? trim(*a.event_state) : std::string_view{});
    if (!state.empty() && state != "active" && state != "inactive") {
      return bad(a.where, "eventState: " + quoted(state) + " is not active or inactive");
    }
    const bool inactive = state == "inactive";

    std::optional<std::int64_t> observed_us;
    if (a.date_time && !trim(*a.date_time).empty()) {
      auto t = parse_datetime_us(normalise_time(*a.date_time), kBeijingOffsetMinutes);
      if (!t) return bad(a.where, "dateTime: " + t.error().message, t.error().code);
      observed_us = *t;
    }
    std::string channel;
    if (a.channel) {
      // Usually a number; NVRs label IP channels ("D1") in some firmware, which is as good an
      // identifier, so only what cannot be an identifier is refused.
      channel = std::string(trim(*a.channel));
      if (channel.size() > 32 || detail::has_control(channel)) {
        return bad(a.where, "channelID: " + quoted(channel) + " is not a channel identifier");
      }
    }
    std::string post_count;
    if (a.active_post_count) {
      post_count = std::string(trim(*a.active_post_count));
      if (!post_count.empty() && !detail::parse_digits(post_count)) {
        return bad(a.where, "activePostCount: " + quoted(post_count) + " is not a count");
      }
    }
    if (a.retransmission && iequals(trim(*a.retransmission), "true")) ++result_.retransmissions;

    const detail::Mapping mapping = detail::map_isapi_event(type);
    // The alert stream's keep-alive is "videoloss" with eventState inactive (ISAPI guide); a
    // video loss that really ends looks the same, and neither raises anything.
    if (mapping.kind == detail::Kind::kKeepalive || (inactive && iequals(type, "videoloss"))) {
      ++result_.keepalives;
      return std::nullopt;
    }
    if (inactive) {
      ++result_.ended;
      return std::nullopt;
    }
    if (mapping.kind == detail::Kind::kUnsupported) {
      detail::note_unsupported(result_, type);
      return std::nullopt;
    }
    if (mapping.kind == detail::Kind::kMotion && !options_.report_motion) {
      ++result_.motion;
      return std::nullopt;
    }

    detail::EventFacts facts;
    facts.source_kind = "isapi";
    auto device = device_id(a);
    if (!device) return device.error();
    facts.device_id = std::move(device).value();
    if (!observed_us) {
      return bad(a.where, "dateTime: missing (required for a " + type + " alarm)");
    }
    facts.observed_us = *observed_us;
    facts.channel = channel;
    facts.event_type = type;
    facts.counters = post_count + "/" + std::string(a.uuid ? trim(*a.uuid) : std::string_view{});
    facts.description = describe(a, type);
    if (mapping.kind == detail::Kind::kSmoke) {
      facts.flame = mapping.flame;
      if (auto e = fill_fire(a, facts)) return e;
    }
    if (result_.device_id.empty()) result_.device_id = facts.device_id;
    result_.observations.push_back(detail::make_observation(facts, mapping));
    return std::nullopt;
  }

  void add_attachment(const Part& part, std::string media_type) {
    result_.attachments.push_back(
        Attachment{part.name, part.filename, std::move(media_type), part.body.size()});
  }
  void add_other() { ++result_.other_parts; }

  PushResult take() { return std::move(result_); }

 private:
  Result<std::string> device_id(const Alert& a) const {
    if (!hint_.empty()) return std::string(hint_);
    const std::pair<const std::optional<std::string>*, std::string_view> fallbacks[] = {
        {&a.mac, "macAddress"}, {&a.ip, "ipAddress"}, {&a.ipv6, "ipv6Address"}};
    for (const auto& [value, field] : fallbacks) {
      if (!*value || trim(**value).empty()) continue;
      std::string id = field == "macAddress" ? lower(trim(**value)) : std::string(trim(**value));
      if (auto e = detail::check_device_id(id, field)) return bad(a.where, e->message, e->code);
      return id;
    }
    return bad(a.where,
               "no device id: the route gave none and the alert has no macAddress or ipAddress",
               "invalid_device_id");
  }

  std::string_view hint_;
  PushOptions options_;
  PushResult result_;
  std::size_t alerts_ = 0;
};

enum class PartKind { kXml, kJson, kImage, kOther };

PartKind classify(std::string_view media_type, std::string_view body) {
  if (media_type.rfind("image/", 0) == 0) return PartKind::kImage;
  if (media_type.find("xml") != std::string_view::npos) return PartKind::kXml;
  if (media_type.find("json") != std::string_view::npos) return PartKind::kJson;
  if (media_type.empty() || media_type == "text/plain" ||
      media_type == "application/octet-stream") {
    std::string_view head = body;
    if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
    head = trim(head);
    if (!head.empty() && head.front() == '<') return PartKind::kXml;
    if (!head.empty() && head.front() == '{') return PartKind::kJson;
    if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0xFF &&
        static_cast<unsigned char>(body[1]) == 0xD8) {
      return PartKind::kImage;
    }
  }
  return PartKind::kOther;
}

/// Reads one alert-bearing body (a whole body or a part). `single` makes a body that is not an
/// alert an error instead of an "other" part.
std::optional<Error> read_alert(IsapiReader& reader, PartKind kind, std::string_view bytes,
                                std::string_view charset, const std::string& where, bool single) {
  auto alert = kind == PartKind::kXml ? alert_from_xml(bytes, charset, where)
                                      : alert_from_json(bytes, charset, where);
  if (!alert) return alert.error();
  if (!*alert) {
    if (single) {
      return bad(where, kind == PartKind::kXml
                            ? "root element is not EventNotificationAlert"
                            : "JSON object has none of eventType, dateTime, ipAddress");
    }
    reader.add_other();
    return std::nullopt;
  }
  return reader.add(**alert);
}

}  // namespace

Result<PushResult> parse_isapi(std::string_view body, std::string_view content_type,
                               std::string_view device_hint, const PushOptions& options) {
  if (!device_hint.empty()) {
    if (auto e = detail::check_device_id(device_hint, "device hint")) return *e;
  }
  if (trim(body).empty()) return Error{"invalid_isapi_alert", "body: empty"};
  auto type = parse_content_type(content_type);
  if (!type) return type.error();
  IsapiReader reader(device_hint, options);

  if (type->is_multipart()) {
    if (type->boundary.empty()) {
      return Error{"invalid_multipart",
                   "Content-Type " + quoted(content_type) + " has no boundary parameter"};
    }
    auto multipart = split_multipart(body, type->boundary);
    if (!multipart) return multipart.error();
    for (const Part& part : multipart->parts) {
      const std::string where = "multipart part " + std::to_string(part.index);
      const PartKind kind = classify(part.type.media_type, part.body);
      switch (kind) {
        case PartKind::kXml:
        case PartKind::kJson:
          if (auto e = read_alert(reader, kind, part.body, part.type.charset, where, false)) {
            return *e;
          }
          break;
        case PartKind::kImage:
          reader.add_attachment(part, part.type.media_type.empty() ? std::string("image/jpeg")
                                                                   : part.type.media_type);
          break;
        case PartKind::kOther:
          reader.add_other();
          break;
      }
    }
    return reader.take();
  }

  const PartKind kind = classify(type->media_type, body);
  switch (kind) {
    case PartKind::kXml:
    case PartKind::kJson:
      if (auto e = read_alert(reader, kind, body, type->charset, "alert", true)) return *e;
      return reader.take();
    case PartKind::kImage: {
      Part whole;
      whole.body = body;
      reader.add_attachment(
          whole, type->media_type.empty() ? std::string("image/jpeg") : type->media_type);
      return reader.take();
    }
    case PartKind::kOther:
      break;
  }
  return Error{"unsupported_content_type",
               "Content-Type " + quoted(content_type) +
                   " is not XML, JSON or multipart, and the body is neither"};
}

}  // namespace quanyu::ingest::camera_push
