#include "server/ingest/cap/observations.hpp"

#include <array>
#include <cmath>
#include <map>
#include <utility>

#include "engine/core/time.hpp"

namespace quanyu::ingest::cap {
namespace {

v1::PublishedWarning::MsgType msg_type(std::string_view value) {
  if (value == "Alert") return v1::PublishedWarning::MSG_TYPE_ALERT;
  if (value == "Update") return v1::PublishedWarning::MSG_TYPE_UPDATE;
  if (value == "Cancel") return v1::PublishedWarning::MSG_TYPE_CANCEL;
  return v1::PublishedWarning::MSG_TYPE_UNSPECIFIED;
}

// The centroid of a closed ring, on the lon/lat plane: warning areas are a few tens of km
// across, where the plane's distortion is far below what an area centre needs. Degenerate
// rings (all points on a line) fall back to the mean of their vertices.
GeoPoint centroid(const std::vector<GeoPoint>& ring) {
  const std::size_t n = ring.size() - 1;  // the last point repeats the first
  // Coordinates relative to the first vertex keep the cross products well conditioned.
  const double lon0 = ring[0].lon;
  const double lat0 = ring[0].lat;
  double area2 = 0.0;
  double cx = 0.0;
  double cy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x0 = ring[i].lon - lon0;
    const double y0 = ring[i].lat - lat0;
    const double x1 = ring[i + 1].lon - lon0;
    const double y1 = ring[i + 1].lat - lat0;
    const double cross = x0 * y1 - x1 * y0;
    area2 += cross;
    cx += (x0 + x1) * cross;
    cy += (y0 + y1) * cross;
  }
  if (std::abs(area2) > 1e-12) {
    return GeoPoint{lon0 + cx / (3.0 * area2), lat0 + cy / (3.0 * area2)};
  }
  double lon = 0.0;
  double lat = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    lon += ring[i].lon;
    lat += ring[i].lat;
  }
  return GeoPoint{lon / static_cast<double>(n), lat / static_cast<double>(n)};
}

std::optional<GeoPoint> area_centre(const Area& area) {
  if (!area.polygons.empty() && area.polygons.front().size() >= 2) {
    return centroid(area.polygons.front());
  }
  if (!area.circles.empty()) return area.circles.front().centre;
  return std::nullopt;
}

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

void fill_area(const Area& area, v1::WarningArea& out) {
  out.set_description(area.area_desc);
  for (const auto& ring : area.polygons) {
    auto* polygon = out.add_polygons();
    for (const GeoPoint& p : ring) {
      auto* point = polygon->add_points();
      point->set_lon(p.lon);
      point->set_lat(p.lat);
    }
  }
  for (const Circle& c : area.circles) {
    auto* circle = out.add_circles();
    circle->mutable_centre()->set_lon(c.centre.lon);
    circle->mutable_centre()->set_lat(c.centre.lat);
    circle->set_radius_km(c.radius_km);
  }
  std::vector<std::string> adcodes;
  bool has_adcode = false;
  for (const ValuePair& g : area.geocodes) {
    out.add_geocodes(g.value_name + "=" + g.value);
    if (g.value_name == "adcode") has_adcode = true;
    // The national system's "CPEAS Geographic Code" extends the GB/T 2260 county code to 12
    // digits (township and village); its first 6 digits are the district's adcode.
    if (g.value_name == "CPEAS Geographic Code" && g.value.size() >= 6 && all_digits(g.value)) {
      adcodes.push_back(g.value.substr(0, 6));
    }
  }
  if (has_adcode) return;
  std::vector<std::string> added;
  for (const auto& code : adcodes) {
    bool seen = false;
    for (const auto& a : added) seen = seen || a == code;
    if (seen) continue;
    added.push_back(code);
    out.add_geocodes("adcode=" + code);
  }
}

}  // namespace

v1::Severity severity_from_cap(std::string_view cap_severity) {
  if (cap_severity == "Extreme") return v1::SEVERITY_RED;
  if (cap_severity == "Severe") return v1::SEVERITY_ORANGE;
  if (cap_severity == "Moderate") return v1::SEVERITY_YELLOW;
  if (cap_severity == "Minor") return v1::SEVERITY_BLUE;
  return v1::SEVERITY_UNSPECIFIED;
}

std::optional<v1::Severity> severity_from_colour_word(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, v1::Severity>, 4> kColours = {{
      {"红色", v1::SEVERITY_RED},
      {"橙色", v1::SEVERITY_ORANGE},
      {"黄色", v1::SEVERITY_YELLOW},
      {"蓝色", v1::SEVERITY_BLUE},
  }};
  std::optional<v1::Severity> found;
  std::size_t found_at = 0;
  for (const auto& [word, severity] : kColours) {
    const auto at = text.rfind(word);
    if (at == std::string_view::npos) continue;
    if (!found || at > found_at) {
      found = severity;
      found_at = at;
    }
  }
  return found;
}

v1::Severity info_severity(const Info& info) {
  if (auto s = severity_from_colour_word(info.event)) return *s;
  if (auto s = severity_from_colour_word(info.headline)) return *s;
  for (const ValuePair& p : info.parameters) {
    if (auto s = severity_from_colour_word(p.value)) return *s;
  }
  return severity_from_cap(info.severity);
}

Result<std::vector<v1::Observation>> to_observations(const Alert& alert) {
  if (alert.identifier.empty()) {
    return Error{"invalid_alert", "alert/identifier: required"};
  }
  if (alert.sender.empty()) return Error{"invalid_alert", "alert/sender: required"};
  std::vector<v1::Observation> out;
  if (alert.status != "Actual") return out;
  const auto type = msg_type(alert.msg_type);
  if (type == v1::PublishedWarning::MSG_TYPE_UNSPECIFIED) return out;

  std::map<std::string, int> languages;
  for (const Info& info : alert.infos) {
    if (!info.language.empty()) ++languages[info.language];
  }
  for (std::size_t i = 0; i < alert.infos.size(); ++i) {
    const Info& info = alert.infos[i];
    v1::Observation o;
    // The language tells the translations apart; the index stands in when it cannot.
    const bool by_language = !info.language.empty() && languages[info.language] == 1;
    o.set_id("cap:" + alert.identifier + ":" +
             (by_language ? info.language : std::to_string(i + 1)));
    o.set_source("cap:" + alert.sender);
    *o.mutable_observed_at() = engine::to_timestamp(alert.sent_us);
    if (!info.areas.empty()) {
      if (const auto centre = area_centre(info.areas.front())) {
        o.mutable_position()->set_x(centre->lon);
        o.mutable_position()->set_y(centre->lat);
        o.mutable_position()->set_crs("EPSG:4326");  // CAP coordinates are WGS 84
      }
    }
    auto& w = *o.mutable_published_warning();
    w.set_identifier(alert.identifier);
    w.set_sender(alert.sender);
    w.set_msg_type(type);
    for (const Reference& r : alert.references) w.add_references(r.identifier);
    w.set_event(info.event);
    w.set_severity(info_severity(info));
    w.set_urgency(info.urgency);
    w.set_certainty(info.certainty);
    w.set_headline(info.headline);
    w.set_description(info.description);
    w.set_instruction(info.instruction);
    w.set_sender_name(info.sender_name);
    if (info.expires_us) *w.mutable_expires() = engine::to_timestamp(*info.expires_us);
    for (const Area& area : info.areas) fill_area(area, *w.add_areas());
    // CAP 1.2 section 3.2.2: an info without <language> is in "en-US".
    w.set_language(info.language.empty() ? "en-US" : info.language);
    for (const std::string& c : info.categories) w.add_categories(c);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace quanyu::ingest::cap
