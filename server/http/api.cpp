#include "server/http/api.hpp"

#include <google/protobuf/util/json_util.h>
#include <openssl/crypto.h>

#include <charconv>
#include <cmath>

#include "gis/crs/crs.hpp"
#include "gis/geojson/geojson_writer.hpp"
#include "quanyu/v1/layer.pb.h"
#include "server/http/static_files.hpp"

namespace quanyu::server::http {
namespace {

Response json_message(const google::protobuf::Message& message, int status = 200) {
  Response response;
  response.status = status;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  const auto printed =
      google::protobuf::util::MessageToJsonString(message, &response.body, options);
  if (!printed.ok()) return error_response(500, "internal", "cannot encode the response");
  return response;
}

v1::LayerRole to_proto(gis::LayerRole role) {
  switch (role) {
    case gis::LayerRole::jurisdiction:
      return v1::LAYER_ROLE_JURISDICTION;
    case gis::LayerRole::resource:
      return v1::LAYER_ROLE_RESOURCE;
    case gis::LayerRole::sensor:
      return v1::LAYER_ROLE_SENSOR;
    case gis::LayerRole::sensitive:
      return v1::LAYER_ROLE_SENSITIVE;
    case gis::LayerRole::basemap:
      return v1::LAYER_ROLE_BASEMAP;
  }
  return v1::LAYER_ROLE_UNSPECIFIED;
}

bool parse_double(std::string_view text, double& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

/// "minLon,minLat,maxLon,maxLat" in degrees.
bool parse_bbox(std::string_view text, gis::BBox& box) {
  double v[4];
  for (int i = 0; i < 4; ++i) {
    const auto comma = text.find(',');
    if ((i < 3) == (comma == std::string_view::npos)) return false;
    if (!parse_double(text.substr(0, comma), v[i])) return false;
    text.remove_prefix(i < 3 ? comma + 1 : text.size());
  }
  box = gis::BBox{v[0], v[1], v[2], v[3]};
  return v[0] <= v[2] && v[1] <= v[3] && v[1] >= -90 && v[3] <= 90;
}

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> parts;
  while (true) {
    const auto comma = text.find(',');
    parts.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return parts;
}

}  // namespace

Api::Api(const Config& config, const gis::LayerSet& layers)
    : config_(config), layers_(layers), started_(std::chrono::steady_clock::now()) {}

const TokenConfig* Api::authenticate(const Request& request) const {
  const std::string& header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
    return nullptr;
  }
  const std::string presented = sha256_hex(std::string_view(header).substr(kBearer.size()));
  for (const auto& token : config_.tokens) {
    // Constant-time comparison: response timing must not reveal how much of a hash matched.
    if (CRYPTO_memcmp(presented.data(), token.sha256.data(), presented.size()) == 0) return &token;
  }
  return nullptr;
}

Response Api::handle(const Request& request) const {
  const std::string_view path = request.path();
  if (path == "/healthz") {
    if (request.method != "GET" && request.method != "HEAD") {
      return error_response(405, "method_not_allowed", "use GET");
    }
    return healthz();
  }
  constexpr std::string_view kApi = "/api/v1/";
  if (path.rfind(kApi, 0) != 0) {
    if (request.method != "GET" && request.method != "HEAD") {
      return error_response(405, "method_not_allowed", "use GET");
    }
    if (auto file = serve_static(config_.web_root, path)) return std::move(*file);
    if (path == "/") return service_index();
    return error_response(404, "not_found", "no such path: " + std::string(path));
  }
  const TokenConfig* token = authenticate(request);
  if (token == nullptr) {
    auto response = error_response(401, "unauthorized",
                                   "send a valid token as 'Authorization: Bearer <token>'");
    response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="quanyu")");
    return response;
  }
  if (token->role == Role::feed) {
    return error_response(403, "forbidden", "a feed token may only ingest observations");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return error_response(405, "method_not_allowed", "use GET");
  }
  const std::string_view rest = path.substr(kApi.size());
  if (rest == "layers") return list_layers();
  if (rest.rfind("layers/", 0) == 0) return get_layer(rest.substr(7), request);
  if (rest == "locate") return locate(request);
  return error_response(404, "not_found", "no such path: " + std::string(path));
}

Response Api::service_index() const {
  // Until the web client is built (frontend/dist), "/" tells a person where to go next.
  Response response;
  response.body = R"({"service":"quanyu","description":"全域 real-time emergency command backend",)"
                  R"("webClient":)";
  gis::append_json_string(response.body,
                          "not built: no index.html in " + config_.web_root.string());
  response.body +=
      R"(,"endpoints":["GET /healthz","GET /api/v1/layers","GET /api/v1/layers/{name})"
      R"(?bbox=minLon,minLat,maxLon,maxLat&{property}={value}","GET /api/v1/locate?lon=&lat=)"
      R"([&crs=]"],"auth":"Authorization: Bearer <token>"})";
  return response;
}

Response Api::healthz() const {
  Response response;
  const auto uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::size_t features = 0;
  for (const auto& layer : layers_.layers()) features += layer.features.size();
  response.body = R"({"status":"ok","layers":)" + std::to_string(layers_.layers().size()) +
                  R"(,"features":)" + std::to_string(features) + R"(,"uptimeS":)" +
                  std::to_string(static_cast<long long>(uptime)) + "}";
  return response;
}

Response Api::list_layers() const {
  v1::LayerList list;
  for (const auto& layer : layers_.layers()) {
    auto* info = list.add_layers();
    info->set_name(layer.name);
    info->set_role(to_proto(layer.role));
    info->set_source_crs(layer.source_crs);
    info->set_feature_count(layer.features.size());
    info->set_repaired(layer.stats.repaired);
    info->set_skipped(layer.stats.skipped);
    if (!layer.extent.empty()) {
      auto* extent = info->mutable_extent();
      extent->set_min_lon(layer.extent.min_lon);
      extent->set_min_lat(layer.extent.min_lat);
      extent->set_max_lon(layer.extent.max_lon);
      extent->set_max_lat(layer.extent.max_lat);
    }
  }
  return json_message(list);
}

Response Api::get_layer(std::string_view name, const Request& request) const {
  const gis::Layer* layer = layers_.find(url_decode(name, false));
  if (layer == nullptr) {
    return error_response(404, "unknown_layer", "no layer named '" + std::string(name) + "'");
  }
  gis::FeatureFilter filter;
  for (const auto& [key, value] : parse_query(request.query())) {
    if (key == "bbox") {
      gis::BBox box;
      if (!parse_bbox(value, box)) {
        return error_response(
            400, "invalid_bbox",
            "bbox must be minLon,minLat,maxLon,maxLat in degrees, got '" + value + "'");
      }
      filter.bbox = box;
    } else if (key == "limit") {
      double limit = 0;
      if (!parse_double(value, limit) || limit < 0 || limit != std::floor(limit)) {
        return error_response(400, "invalid_limit",
                              "limit must be a whole number, got '" + value + "'");
      }
      filter.limit = static_cast<std::size_t>(limit);
    } else {
      // Any other parameter filters on the property of that name; commas separate alternatives.
      filter.properties.emplace_back(key, split_commas(value));
    }
  }
  Response response;
  response.content_type = "application/geo+json";
  response.body = gis::to_geojson(*layer, filter);
  return response;
}

Response Api::locate(const Request& request) const {
  double x = NAN;
  double y = NAN;
  std::string crs_text = "EPSG:4326";
  std::size_t k = config_.gis.nearest_k;
  double radius_m = config_.gis.nearest_radius_m;
  for (const auto& [key, value] : parse_query(request.query())) {
    double number = 0;
    const bool numeric = parse_double(value, number);
    if ((key == "lon" || key == "x" || key == "lat" || key == "y") && !numeric) {
      std::string message = key;
      message += " must be a number, got '";
      message += value;
      message += '\'';
      return error_response(400, "invalid_coordinate", message);
    }
    if (key == "lon" || key == "x") {
      x = number;
    } else if (key == "lat" || key == "y") {
      y = number;
    } else if (key == "crs") {
      crs_text = value;
    } else if (key == "k") {
      if (!numeric || number < 1 || number > 100 || number != std::floor(number)) {
        return error_response(400, "invalid_k", "k must be a whole number from 1 to 100");
      }
      k = static_cast<std::size_t>(number);
    } else if (key == "radius") {
      if (!numeric || number <= 0) {
        return error_response(400, "invalid_radius", "radius must be a positive number of metres");
      }
      radius_m = number;
    } else {
      return error_response(400, "unknown_parameter", "unknown parameter '" + key + "'");
    }
  }
  if (std::isnan(x) || std::isnan(y)) {
    return error_response(400, "missing_coordinate", "give lon and lat (or x and y with crs)");
  }
  const auto crs = gis::Crs::parse(crs_text);
  if (!crs) return error_response(400, crs.error().code, crs.error().message);
  const auto position = gis::to_lonlat(*crs, x, y);
  if (!position) return error_response(400, position.error().code, position.error().message);

  v1::LocateResult result;
  result.mutable_position()->set_lon(position->lon);
  result.mutable_position()->set_lat(position->lat);
  const auto match = layers_.jurisdiction().locate(*position);
  auto* district = result.mutable_district();
  switch (match.kind) {
    case gis::JurisdictionMatch::Kind::inside:
      district->set_match(v1::DistrictRef::MATCH_INSIDE);
      break;
    case gis::JurisdictionMatch::Kind::nearest:
      district->set_match(v1::DistrictRef::MATCH_NEAREST);
      district->set_distance_m(std::round(match.distance_m * 10) / 10);
      break;
    case gis::JurisdictionMatch::Kind::outside:
      district->set_match(v1::DistrictRef::MATCH_OUTSIDE);
      break;
  }
  if (match.district != nullptr) {
    district->set_adcode(match.district->adcode);
    district->set_name(match.district->name);
  }
  for (const auto& neighbour : layers_.resources().nearest(*position, k, radius_m)) {
    const auto& site = layers_.resources().sites()[neighbour.site];
    auto* resource = result.add_nearby();
    resource->set_resource_id(site.id);
    resource->set_name(site.name);
    resource->set_kind(site.kind);
    resource->set_layer(site.layer);
    resource->mutable_position()->set_lon(site.position.lon);
    resource->mutable_position()->set_lat(site.position.lat);
    resource->set_distance_m(std::round(neighbour.distance_m * 10) / 10);
  }
  return json_message(result);
}

}  // namespace quanyu::server::http
