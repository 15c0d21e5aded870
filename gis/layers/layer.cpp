#include "gis/layers/layer.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace quanyu::gis {
namespace {

constexpr std::array<std::pair<LayerRole, const char*>, 5> kRoleNames{{
    {LayerRole::jurisdiction, "jurisdiction"},
    {LayerRole::resource, "resource"},
    {LayerRole::sensor, "sensor"},
    {LayerRole::sensitive, "sensitive"},
    {LayerRole::basemap, "basemap"},
}};

}  // namespace

const char* to_string(LayerRole role) {
  for (const auto& [value, name] : kRoleNames) {
    if (value == role) return name;
  }
  return "unknown";
}

bool parse_layer_role(const std::string& text, LayerRole& out) {
  for (const auto& [value, name] : kRoleNames) {
    if (text == name) {
      out = value;
      return true;
    }
  }
  return false;
}

const PropertyValue* Layer::field(const Feature& feature, const std::string& logical) const {
  const auto mapped = fields.find(logical);
  const std::string& source_name = mapped == fields.end() ? logical : mapped->second;
  const auto it = feature.properties.find(source_name);
  return it == feature.properties.end() ? nullptr : &it->second;
}

std::string to_text(const PropertyValue& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      std::array<char, 32> buffer{};
      const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), d).ptr;
      return std::string(buffer.data(), end);
    }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<double>& list) const {
      std::string text;
      for (const double d : list) {
        if (!text.empty()) text += ',';
        text += (*this)(d);
      }
      return text;
    }
  };
  return std::visit(Visitor{}, value);
}

std::optional<double> to_number(const PropertyValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* s = std::get_if<std::string>(&value)) {
    try {
      std::size_t used = 0;
      const double parsed = std::stod(*s, &used);
      if (used == s->size()) return parsed;
    } catch (const std::exception&) {
      // Not a number: fall through.
    }
  }
  return std::nullopt;
}

}  // namespace quanyu::gis
