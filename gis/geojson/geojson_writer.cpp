#include "gis/geojson/geojson_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace quanyu::gis {
namespace {

void append_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON has no NaN or infinity
    return;
  }
  std::array<char, 32> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  out.append(buffer.data(), end);
}

void append_position(std::string& out, LonLat p) {
  out += '[';
  append_coordinate(out, p.lon);
  out += ',';
  append_coordinate(out, p.lat);
  out += ']';
}

void append_positions(std::string& out, const std::vector<LonLat>& positions) {
  out += '[';
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (i != 0) out += ',';
    append_position(out, positions[i]);
  }
  out += ']';
}

void append_polygon(std::string& out, const Polygon& polygon) {
  out += '[';
  for (std::size_t i = 0; i < polygon.rings.size(); ++i) {
    if (i != 0) out += ',';
    append_positions(out, polygon.rings[i]);
  }
  out += ']';
}

void append_geometry(std::string& out, const Geometry& geometry) {
  if (const auto* point = std::get_if<LonLat>(&geometry)) {
    out += R"({"type":"Point","coordinates":)";
    append_position(out, *point);
    out += '}';
  } else if (const auto* lines = std::get_if<MultiLineString>(&geometry)) {
    if (lines->size() == 1) {
      out += R"({"type":"LineString","coordinates":)";
      append_positions(out, lines->front());
    } else {
      out += R"({"type":"MultiLineString","coordinates":[)";
      for (std::size_t i = 0; i < lines->size(); ++i) {
        if (i != 0) out += ',';
        append_positions(out, (*lines)[i]);
      }
      out += ']';
    }
    out += '}';
  } else if (const auto* polygons = std::get_if<MultiPolygon>(&geometry)) {
    if (polygons->size() == 1) {
      out += R"({"type":"Polygon","coordinates":)";
      append_polygon(out, polygons->front());
    } else {
      out += R"({"type":"MultiPolygon","coordinates":[)";
      for (std::size_t i = 0; i < polygons->size(); ++i) {
        if (i != 0) out += ',';
        append_polygon(out, (*polygons)[i]);
      }
      out += ']';
    }
    out += '}';
  } else {
    out += "null";
  }
}

void append_value(std::string& out, const PropertyValue& value) {
  struct Visitor {
    std::string& out;
    void operator()(std::monostate) const { out += "null"; }
    void operator()(bool b) const { out += b ? "true" : "false"; }
    void operator()(std::int64_t i) const { out += std::to_string(i); }
    void operator()(double d) const { append_number(out, d); }
    void operator()(const std::string& s) const { append_json_string(out, s); }
    void operator()(const std::vector<double>& list) const {
      out += '[';
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 0) out += ',';
        append_number(out, list[i]);
      }
      out += ']';
    }
  };
  std::visit(Visitor{out}, value);
}

void append_bbox(std::string& out, const BBox& box) {
  out += "\"bbox\":[";
  append_coordinate(out, box.min_lon);
  out += ',';
  append_coordinate(out, box.min_lat);
  out += ',';
  append_coordinate(out, box.max_lon);
  out += ',';
  append_coordinate(out, box.max_lat);
  out += ']';
}

}  // namespace

bool FeatureFilter::matches(const Feature& feature) const {
  if (bbox && !bbox->intersects(bounds(feature.geometry))) return false;
  for (const auto& [name, values] : properties) {
    const auto it = feature.properties.find(name);
    const std::string text = it == feature.properties.end() ? std::string() : to_text(it->second);
    if (it == feature.properties.end() ||
        std::find(values.begin(), values.end(), text) == values.end()) {
      return false;
    }
  }
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          constexpr std::string_view kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[static_cast<unsigned char>(c) >> 4];
          out += kHex[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;  // UTF-8 passes through unchanged
        }
    }
  }
  out += '"';
}

void append_coordinate(std::string& out, double degrees) {
  if (!std::isfinite(degrees)) {
    out += "null";
    return;
  }
  std::array<char, 40> buffer{};
  auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), degrees,
                           std::chars_format::fixed, 7)
                 .ptr;
  // 106.5500000 -> 106.55; 30.0000000 -> 30
  while (end > buffer.data() && *(end - 1) == '0') --end;
  if (end > buffer.data() && *(end - 1) == '.') --end;
  std::string_view text(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  if (text == "-0") text = "0";
  out.append(text);
}

std::string to_geojson(const Layer& layer, const FeatureFilter& filter) {
  std::string body;
  BBox extent;
  std::size_t count = 0;
  for (const Feature& feature : layer.features) {
    if (!filter.matches(feature)) continue;
    if (filter.limit != 0 && count == filter.limit) break;
    if (count++ != 0) body += ',';
    extent.expand(bounds(feature.geometry));
    body += R"({"type":"Feature","id":)";
    append_json_string(body, feature.id);
    body += R"(,"geometry":)";
    append_geometry(body, feature.geometry);
    body += R"(,"properties":{)";
    bool first = true;
    for (const auto& [name, value] : feature.properties) {
      if (!first) body += ',';
      first = false;
      append_json_string(body, name);
      body += ':';
      append_value(body, value);
    }
    body += "}}";
  }
  std::string out;
  out.reserve(body.size() + 256);
  out += R"({"type":"FeatureCollection","name":)";
  append_json_string(out, layer.name);
  if (!extent.empty()) {
    out += ',';
    append_bbox(out, extent);
  }
  out += R"(,"features":[)";
  out += body;
  out += "]}";
  return out;
}

}  // namespace quanyu::gis
