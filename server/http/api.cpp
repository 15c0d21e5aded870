#include "server/http/api.hpp"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include "gis/crs/crs.hpp"
#include "gis/geojson/geojson_writer.hpp"
#include "gis/index/district_ref.hpp"
#include "quanyu/v1/layer.pb.h"
#include "quanyu/v1/observation.pb.h"
#include "server/http/static_files.hpp"
#include "server/ingest/mqtt/observation_json.hpp"

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

/// Standard base64 (RFC 4648), as in HTTP Basic credentials; empty when it does not decode.
std::string base64_decode(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return {};
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return {};
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  if (text.back() == '=') --size;
  if (text[text.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

}  // namespace

Api::Api(const Config& config, const gis::LayerSet& layers, EngineService& engine)
    : config_(config),
      layers_(layers),
      engine_(engine),
      started_(std::chrono::steady_clock::now()) {}

const TokenConfig* Api::authenticate(const Request& request) const {
  const std::string& header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  constexpr std::string_view kBasic = "Basic ";
  if (header.size() > kBearer.size() && header.compare(0, kBearer.size(), kBearer) == 0) {
    return find_token(config_, std::string_view(header).substr(kBearer.size()));
  }
  // Cameras pushing events can often only be given a user name and password, or a URL: for
  // the device push routes the token may come as the Basic password or as ?token=.
  const bool device_push = request.path().rfind("/api/v1/feeds/", 0) == 0;
  if (!device_push) return nullptr;
  if (header.size() > kBasic.size() && header.compare(0, kBasic.size(), kBasic) == 0) {
    const std::string decoded = base64_decode(std::string_view(header).substr(kBasic.size()));
    const auto colon = decoded.find(':');
    if (colon == std::string::npos) return nullptr;
    return find_token(config_, std::string_view(decoded).substr(colon + 1));
  }
  for (const auto& [name, value] : parse_query(request.query())) {
    if (name == "token") return find_token(config_, value);
  }
  return nullptr;
}

void Api::refuse(const Response& response) {
  if (response.error_code.empty()) return;
  const std::lock_guard lock(refusals_mutex_);
  ++refusals_[response.error_code];
}

std::map<std::string, std::uint64_t> Api::refusals() const {
  const std::lock_guard lock(refusals_mutex_);
  return refusals_;
}

void Api::handle(Request request, Reply reply_to) {
  // Every answer passes here once, so refusals are counted by reason in one place.
  Reply reply = [this, reply_to = std::move(reply_to)](Response response) {
    if (response.status >= 400) refuse(response);
    reply_to(std::move(response));
  };
  const std::string path(request.path());
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  if (path == "/healthz") {
    return reply(get ? healthz() : error_response(405, "method_not_allowed", "use GET"));
  }
  if (path == "/metrics") {
    if (!get) return reply(error_response(405, "method_not_allowed", "use GET"));
    Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics();
    return reply(std::move(response));
  }
  constexpr std::string_view kApi = "/api/v1/";
  if (path.rfind(kApi, 0) != 0) {
    if (!get) return reply(error_response(405, "method_not_allowed", "use GET"));
    if (auto file = serve_static(config_.web_root, path)) return reply(std::move(*file));
    if (path == "/") return reply(service_index());
    return reply(error_response(404, "not_found", "no such path: " + path));
  }
  const TokenConfig* token = authenticate(request);
  if (token == nullptr) {
    auto response = error_response(401, "unauthorized",
                                   "send a valid token as 'Authorization: Bearer <token>'");
    response.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="quanyu")");
    return reply(std::move(response));
  }
  const Scope scope = Scope::of(*token);
  const std::string rest = path.substr(kApi.size());
  auto method_not_allowed = [&](const char* allowed) {
    auto response = error_response(405, "method_not_allowed", std::string("use ") + allowed);
    response.headers.emplace_back("Allow", allowed);
    reply(std::move(response));
  };

  if (rest == "observations") {
    if (method != "POST") return method_not_allowed("POST");
    if (!scope.may_ingest()) {
      return reply(error_response(
          403, "forbidden",
          "a " + std::string(to_string(scope.role)) + " token cannot ingest observations"));
    }
    return post_observations(request, scope, std::move(reply));
  }
  if (rest == "session") {
    if (!get) return method_not_allowed("GET");
    return reply(session(scope));
  }
  if (feed_routes_ && feed_routes_(request, scope, reply)) return;
  if (!scope.may_read()) {
    return reply(error_response(403, "forbidden", "a feed token may only ingest observations"));
  }
  // Split "incidents/INC-1/ack" into its segments.
  std::vector<std::string> parts;
  for (std::size_t at = 0; at <= rest.size();) {
    const auto slash = rest.find('/', at);
    parts.push_back(url_decode(rest.substr(at, slash - at), false));
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  if (parts[0] == "layers" || parts[0] == "locate") {
    if (!get) return method_not_allowed("GET");
    if (rest == "layers") return reply(list_layers());
    if (parts[0] == "layers" && parts.size() == 2) return reply(get_layer(parts[1], request));
    if (rest == "locate") return reply(locate(request));
  }
  if (parts[0] == "incidents") {
    if (parts.size() == 1) {
      if (!get) return method_not_allowed("GET");
      return list_incidents(request, scope, std::move(reply));
    }
    if (parts.size() == 2) {
      if (!get) return method_not_allowed("GET");
      return get_incident(parts[1], scope, std::move(reply));
    }
    if (parts.size() == 3) {
      if (method != "POST") return method_not_allowed("POST");
      return incident_command(parts[1], parts[2], request, scope, std::move(reply));
    }
  }
  if (parts[0] == "tasks") {
    if (parts.size() == 1) {
      if (!get) return method_not_allowed("GET");
      return list_tasks(request, scope, std::move(reply));
    }
    if (parts.size() == 2) {
      if (method != "PATCH") return method_not_allowed("PATCH");
      return patch_task(parts[1], request, scope, std::move(reply));
    }
  }
  if (rest == "kpis") {
    if (!get) return method_not_allowed("GET");
    return kpis(scope, std::move(reply));
  }
  reply(error_response(404, "not_found", "no such path: " + path));
}

Response Api::session(const Scope& scope) {
  // What a client needs to lay itself out for this token: never the secret or its hash.
  Response response;
  std::string& out = response.body;
  out = R"({"name":)";
  gis::append_json_string(out, scope.actor);
  out += R"(,"role":)";
  gis::append_json_string(out, to_string(scope.role));
  out += R"(,"districts":[)";
  bool first = true;
  for (const auto& adcode : scope.districts) {
    if (!first) out += ',';
    first = false;
    gis::append_json_string(out, adcode);
  }
  out += R"(],"mayRead":)";
  out += scope.may_read() ? "true" : "false";
  out += R"(,"mayCommand":)";
  out += scope.may_command() ? "true" : "false";
  out += R"(,"mayIngest":)";
  out += scope.may_ingest() ? "true" : "false";
  out += '}';
  return response;
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
      R"([&crs=]","POST /api/v1/observations","GET /api/v1/incidents","GET /api/v1/tasks",)"
      R"("GET /api/v1/kpis","GET /metrics","WebSocket /ws/situation"],)"
      R"("auth":"Authorization: Bearer <token>"})";
  return response;
}

Response Api::healthz() const {
  Response response;
  const auto uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::size_t features = 0;
  for (const auto& layer : layers_.layers()) features += layer.features.size();
  const engine::JournalStats journal = engine_.journal_stats();
  // A journal that failed a write refuses everything after it: say so, so that a load balancer
  // or watchdog takes this instance out.
  response.status = journal.failed ? 503 : 200;
  response.body = std::string(R"({"status":")") + (journal.failed ? "journal_failed" : "ok") +
                  R"(","layers":)" + std::to_string(layers_.layers().size()) + R"(,"features":)" +
                  std::to_string(features) + R"(,"seq":)" + std::to_string(journal.last_seq) +
                  R"(,"uptimeS":)" + std::to_string(static_cast<long long>(uptime)) + "}";
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
  gis::to_district_ref(layers_.jurisdiction().locate(*position), *result.mutable_district());
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

// ---------------------------------------------------------------------------------------------
// The live picture

namespace {

std::string to_json(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return json;
}

Response json_body(std::string body, int status = 200) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

bool is_json(const Request& request) {
  const std::string& type = request.header("content-type");
  return type.rfind("application/json", 0) == 0;
}

/// Parses an optional JSON command body into `message`; empty bodies are allowed.
std::optional<Response> parse_body(const Request& request, google::protobuf::Message& message) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;
  if (!is_json(request)) {
    return error_response(415, "unsupported_media_type", "send application/json");
  }
  const auto status = google::protobuf::util::JsonStringToMessage(request.body, &message);
  if (!status.ok()) return error_response(400, "invalid_json", std::string(status.message()));
  return std::nullopt;
}

int status_for(const v1::CommandResult& result) {
  const std::string& code = result.error_code();
  if (code == "unknown_incident" || code == "unknown_task") return 404;
  if (code == "invalid_transition" || code == "no_available_team") return 409;
  if (code == "forbidden") return 403;
  if (code == "journal_unavailable") return 503;
  return 400;
}

std::optional<v1::IncidentStatus> parse_status(const std::string& text) {
  static const std::map<std::string, v1::IncidentStatus> kNames{
      {"new", v1::INCIDENT_STATUS_NEW},
      {"acknowledged", v1::INCIDENT_STATUS_ACKNOWLEDGED},
      {"dispatched", v1::INCIDENT_STATUS_DISPATCHED},
      {"resolved", v1::INCIDENT_STATUS_RESOLVED},
      {"closed", v1::INCIDENT_STATUS_CLOSED},
      {"false_alarm", v1::INCIDENT_STATUS_FALSE_ALARM}};
  const auto it = kNames.find(text);
  if (it != kNames.end()) return it->second;
  v1::IncidentStatus value{};
  if (v1::IncidentStatus_Parse(text, &value)) return value;
  return std::nullopt;
}

std::optional<v1::IncidentKind> parse_kind(const std::string& text) {
  if (text == "fire") return v1::INCIDENT_KIND_FIRE;
  if (text == "flood") return v1::INCIDENT_KIND_FLOOD;
  if (text == "security") return v1::INCIDENT_KIND_SECURITY;
  if (text == "warning") return v1::INCIDENT_KIND_WARNING;
  v1::IncidentKind value{};
  if (v1::IncidentKind_Parse(text, &value)) return value;
  return std::nullopt;
}

std::optional<v1::Severity> parse_severity(const std::string& text) {
  if (text == "blue") return v1::SEVERITY_BLUE;
  if (text == "yellow") return v1::SEVERITY_YELLOW;
  if (text == "orange") return v1::SEVERITY_ORANGE;
  if (text == "red") return v1::SEVERITY_RED;
  v1::Severity value{};
  if (v1::Severity_Parse(text, &value)) return value;
  return std::nullopt;
}

std::optional<v1::TaskState> parse_task_state(const std::string& text) {
  static const std::map<std::string, v1::TaskState> kNames{
      {"dispatched", v1::TASK_STATE_DISPATCHED},
      {"accepted", v1::TASK_STATE_ACCEPTED},
      {"en_route", v1::TASK_STATE_EN_ROUTE},
      {"on_scene", v1::TASK_STATE_ON_SCENE},
      {"done", v1::TASK_STATE_DONE},
      {"cancelled", v1::TASK_STATE_CANCELLED}};
  const auto it = kNames.find(text);
  if (it != kNames.end()) return it->second;
  v1::TaskState value{};
  if (v1::TaskState_Parse(text, &value)) return value;
  return std::nullopt;
}

/// The incident filters of GET /api/v1/incidents.
struct IncidentFilter {
  std::set<v1::IncidentStatus> statuses;
  std::set<v1::IncidentKind> kinds;
  std::set<std::string> districts;
  std::optional<gis::BBox> bbox;
  v1::Severity min_severity = v1::SEVERITY_UNSPECIFIED;

  bool matches(const v1::Incident& i) const {
    return (statuses.empty() || statuses.count(i.status()) != 0) &&
           (kinds.empty() || kinds.count(i.kind()) != 0) &&
           (districts.empty() || districts.count(i.district().adcode()) != 0) &&
           (!bbox || bbox->contains({i.position().lon(), i.position().lat()})) &&
           i.severity() >= min_severity;
  }
};

}  // namespace

void Api::post_observations(const Request& request, const Scope& scope, Reply reply) {
  v1::ObservationBatch batch;
  const std::string& type = request.header("content-type");
  if (type.rfind("application/x-protobuf", 0) == 0) {
    if (!batch.ParseFromString(request.body)) {
      return reply(
          error_response(400, "invalid_protobuf", "the body is not a quanyu.v1.ObservationBatch"));
    }
  } else if (type.rfind("application/json", 0) == 0) {
    auto parsed = ingest::parse_observation_json(request.body);
    if (!parsed) return reply(error_response(400, parsed.error().code, parsed.error().message));
    batch = std::move(parsed).value();
  } else {
    return reply(
        error_response(415, "unsupported_media_type",
                       "send application/json or application/x-protobuf, not '" + type + "'"));
  }
  if (batch.observations_size() == 0) {
    return reply(error_response(400, "empty_batch", "no observations in the body"));
  }
  if (static_cast<std::size_t>(batch.observations_size()) > config_.rules.validation.max_batch) {
    return reply(error_response(413, "batch_too_large",
                                std::to_string(batch.observations_size()) +
                                    " observations in one request; the limit is " +
                                    std::to_string(config_.rules.validation.max_batch)));
  }
  double retry_after_s = 0;
  if (!take_budget(scope.actor, static_cast<std::size_t>(batch.observations_size()),
                   retry_after_s)) {
    auto response = error_response(429, "rate_limited",
                                   "token '" + scope.actor + "' is over its ingest rate of " +
                                       std::to_string(static_cast<long>(config_.feed_rate_per_s)) +
                                       " observations/s");
    response.headers.emplace_back("Retry-After",
                                  std::to_string(static_cast<long>(std::ceil(retry_after_s))));
    return reply(std::move(response));
  }
  // Every observation is checked before any is submitted: a request is applied whole or not at all.
  std::vector<v1::Observation> prepared;
  prepared.reserve(static_cast<std::size_t>(batch.observations_size()));
  for (int i = 0; i < batch.observations_size(); ++i) {
    v1::Observation& o = *batch.mutable_observations(i);
    if (o.source().empty()) o.set_source("token:" + scope.actor);
    auto result = engine_.prepare(std::move(o));
    if (!result) {
      return reply(error_response(400, result.error().code, result.error().message, i));
    }
    prepared.push_back(std::move(result).value());
  }
  engine_.ingest(std::move(prepared), scope.actor, [reply](const IngestOutcome& outcome) {
    if (outcome.error) {
      return reply(error_response(503, "journal_unavailable", *outcome.error));
    }
    reply(json_body(R"({"accepted":)" + std::to_string(outcome.accepted) + R"(,"duplicates":)" +
                        std::to_string(outcome.duplicates) + "}",
                    202));
  });
}

bool Api::take_budget(const std::string& actor, std::size_t count, double& retry_after_s) {
  if (config_.feed_rate_per_s <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  const std::lock_guard lock(buckets_mutex_);
  auto [it, fresh] = buckets_.try_emplace(actor);
  Bucket& bucket = it->second;
  if (fresh) {
    bucket.available = config_.feed_burst;
  } else {
    const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.available =
        std::min(config_.feed_burst, bucket.available + elapsed * config_.feed_rate_per_s);
  }
  bucket.refilled = now;
  const auto wanted = static_cast<double>(count);
  if (bucket.available >= wanted) {
    bucket.available -= wanted;
    return true;
  }
  retry_after_s = (wanted - bucket.available) / config_.feed_rate_per_s;
  return false;
}

void Api::list_incidents(const Request& request, const Scope& scope, Reply reply) {
  IncidentFilter filter;
  for (const auto& [key, value] : parse_query(request.query())) {
    for (const auto& item : split_commas(value)) {
      if (key == "status") {
        if (item == "open") {
          filter.statuses.insert({v1::INCIDENT_STATUS_NEW, v1::INCIDENT_STATUS_ACKNOWLEDGED,
                                  v1::INCIDENT_STATUS_DISPATCHED});
        } else if (const auto s = parse_status(item)) {
          filter.statuses.insert(*s);
        } else {
          return reply(error_response(400, "invalid_status", "unknown status '" + item + "'"));
        }
      } else if (key == "kind") {
        const auto k = parse_kind(item);
        if (!k) return reply(error_response(400, "invalid_kind", "unknown kind '" + item + "'"));
        filter.kinds.insert(*k);
      } else if (key == "district") {
        filter.districts.insert(item);
      } else if (key == "minSeverity") {
        const auto s = parse_severity(item);
        if (!s) {
          return reply(error_response(400, "invalid_severity", "unknown severity '" + item + "'"));
        }
        filter.min_severity = *s;
      } else if (key == "bbox") {
        gis::BBox box;
        if (!parse_bbox(value, box)) {
          return reply(error_response(
              400, "invalid_bbox",
              "bbox must be minLon,minLat,maxLon,maxLat in degrees, got '" + value + "'"));
        }
        filter.bbox = box;
        break;
      } else {
        return reply(error_response(400, "unknown_parameter", "unknown parameter '" + key + "'"));
      }
    }
  }
  engine_.read([reply, scope, filter](const engine::Picture& picture) {
    std::string body = R"({"type":"FeatureCollection","seq":)" + std::to_string(picture.seq()) +
                       R"(,"features":[)";
    bool first = true;
    v1::Incident listed;
    for (const auto& [id, incident] : picture.incidents()) {
      if (!scope.sees(incident.district()) || !filter.matches(incident)) continue;
      if (!first) body += ',';
      first = false;
      body += R"({"type":"Feature","id":)";
      gis::append_json_string(body, id);
      body += R"(,"geometry":{"type":"Point","coordinates":[)";
      gis::append_coordinate(body, incident.position().lon());
      body += ',';
      gis::append_coordinate(body, incident.position().lat());
      body += R"(]},"properties":)";
      engine::copy_for_screen(incident, listed);
      body += to_json(listed);
      body += '}';
    }
    body += "]}";
    Response response = json_body(std::move(body));
    response.content_type = "application/geo+json";
    reply(std::move(response));
  });
}

void Api::get_incident(const std::string& id, const Scope& scope, Reply reply) {
  engine_.read([reply, scope, id](const engine::Picture& picture) {
    const v1::Incident* incident = picture.incident(id);
    // Out of scope answers like unknown: a sub-centre learns nothing of other districts.
    if (incident == nullptr || !scope.sees(incident->district())) {
      return reply(error_response(404, "unknown_incident", "no incident '" + id + "'"));
    }
    reply(json_body(to_json(*incident)));
  });
}

void Api::run_command(v1::Command command, const Scope& scope, int ok_status, Reply reply) {
  engine_.command(
      std::move(command), scope,
      [reply, ok_status](const v1::CommandResult& result, const engine::Picture& picture) {
        if (!result.ok()) {
          return reply(
              error_response(status_for(result), result.error_code(), result.error_message()));
        }
        if (!result.task_id().empty() && ok_status != 200) {
          return reply(json_body(to_json(*picture.task(result.task_id())), ok_status));
        }
        if (!result.incident_id().empty() && result.task_id().empty()) {
          return reply(json_body(to_json(*picture.incident(result.incident_id()))));
        }
        reply(json_body(to_json(*picture.task(result.task_id())), ok_status));
      });
}

void Api::incident_command(const std::string& id, std::string_view action, const Request& request,
                           const Scope& scope, Reply reply) {
  v1::Command command;
  std::optional<Response> bad;
  int ok_status = 200;
  if (action == "ack") {
    bad = parse_body(request, *command.mutable_acknowledge());
    command.mutable_acknowledge()->set_incident_id(id);
  } else if (action == "close") {
    bad = parse_body(request, *command.mutable_close());
    command.mutable_close()->set_incident_id(id);
  } else if (action == "false-alarm") {
    bad = parse_body(request, *command.mutable_false_alarm());
    command.mutable_false_alarm()->set_incident_id(id);
  } else if (action == "resolve") {
    bad = parse_body(request, *command.mutable_resolve());
    command.mutable_resolve()->set_incident_id(id);
  } else if (action == "severity") {
    bad = parse_body(request, *command.mutable_set_severity());
    command.mutable_set_severity()->set_incident_id(id);
  } else if (action == "tasks") {
    // An empty body is 一键派发核查任务: verify, by the nearest available team.
    bad = parse_body(request, *command.mutable_dispatch());
    command.mutable_dispatch()->set_incident_id(id);
    if (command.dispatch().kind() == v1::TASK_KIND_UNSPECIFIED) {
      command.mutable_dispatch()->set_kind(v1::TASK_KIND_VERIFY);
    }
    ok_status = 201;
  } else {
    return reply(error_response(404, "not_found",
                                "no action '" + std::string(action) +
                                    "' (ack, close, false-alarm, resolve, severity, tasks)"));
  }
  if (bad) return reply(std::move(*bad));
  command.set_correlation_id(request.header("x-request-id"));
  run_command(std::move(command), scope, ok_status, std::move(reply));
}

void Api::patch_task(const std::string& id, const Request& request, const Scope& scope,
                     Reply reply) {
  v1::Command command;
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return reply(error_response(400, "invalid_command", R"(send {"state": "..."})"));
  }
  if (auto bad = parse_body(request, *command.mutable_update_task())) return reply(std::move(*bad));
  command.mutable_update_task()->set_task_id(id);
  if (command.update_task().state() == v1::TASK_STATE_UNSPECIFIED) {
    return reply(error_response(400, "invalid_command", "state is required"));
  }
  command.set_correlation_id(request.header("x-request-id"));
  run_command(std::move(command), scope, 200, std::move(reply));
}

void Api::list_tasks(const Request& request, const Scope& scope, Reply reply) {
  std::set<v1::TaskState> states;
  std::string incident_id;
  for (const auto& [key, value] : parse_query(request.query())) {
    if (key == "state") {
      for (const auto& item : split_commas(value)) {
        const auto s = parse_task_state(item);
        if (!s) return reply(error_response(400, "invalid_state", "unknown state '" + item + "'"));
        states.insert(*s);
      }
    } else if (key == "incident") {
      incident_id = value;
    } else {
      return reply(error_response(400, "unknown_parameter", "unknown parameter '" + key + "'"));
    }
  }
  engine_.read([reply, scope, states, incident_id](const engine::Picture& picture) {
    std::string body = R"({"seq":)" + std::to_string(picture.seq()) + R"(,"tasks":[)";
    bool first = true;
    for (const auto& [id, task] : picture.tasks()) {
      if (!scope.sees(task.district())) continue;
      if (!states.empty() && states.count(task.state()) == 0) continue;
      if (!incident_id.empty() && task.incident_id() != incident_id) continue;
      if (!first) body += ',';
      first = false;
      body += to_json(task);
    }
    body += "]}";
    reply(json_body(std::move(body)));
  });
}

void Api::kpis(const Scope& scope, Reply reply) {
  engine_.read([reply, scope](const engine::Picture& picture) {
    reply(json_body(to_json(picture.kpis(scope.districts))));
  });
}

std::string Api::metrics() const {
  const EngineCounters c = engine_.counters();
  const engine::JournalStats j = engine_.journal_stats();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  metric("quanyu_observations_accepted_total", "counter", "Observations journaled and applied.",
         c.observations_accepted);
  metric("quanyu_observations_duplicate_total", "counter",
         "Observations acknowledged as duplicates.", c.observations_duplicate);
  metric("quanyu_commands_ok_total", "counter", "Commands applied.", c.commands_ok);
  metric("quanyu_commands_refused_total", "counter", "Commands refused.", c.commands_refused);
  metric("quanyu_ticks_total", "counter", "Journaled ticks.", c.ticks);
  metric("quanyu_open_incidents", "gauge", "Incidents new, acknowledged or dispatched.",
         c.open_incidents);
  metric("quanyu_journal_seq", "gauge", "Sequence number of the last applied entry.", c.seq);
  metric("quanyu_engine_pending_entries", "gauge", "Entries waiting for their commit.", c.pending);
  metric("quanyu_journal_queue_depth", "gauge", "Entries appended, not yet committed.",
         j.queue_depth);
  metric("quanyu_journal_entries_total", "counter", "Entries committed.", j.entries);
  metric("quanyu_journal_commits_total", "counter", "Transactions committed (group commit).",
         j.commits);
  out +=
      "# HELP quanyu_journal_commit_seconds Time from BEGIN to fsynced COMMIT.\n"
      "# TYPE quanyu_journal_commit_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < engine::JournalStats::kCommitBucketBoundsUs.size(); ++i) {
    cumulative += j.commit_us_buckets[i];
    char le[32];
    std::snprintf(le, sizeof le, "%g",
                  static_cast<double>(engine::JournalStats::kCommitBucketBoundsUs[i]) / 1e6);
    out += "quanyu_journal_commit_seconds_bucket{le=\"" + std::string(le) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += j.commit_us_buckets.back();
  out += "quanyu_journal_commit_seconds_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  char sum[32];
  std::snprintf(sum, sizeof sum, "%.6f", static_cast<double>(j.commit_us_sum) / 1e6);
  out += std::string("quanyu_journal_commit_seconds_sum ") + sum + "\n";
  out += "quanyu_journal_commit_seconds_count " + std::to_string(j.commits) + "\n";
  out +=
      "# HELP quanyu_refusals_total Requests refused, by reason.\n"
      "# TYPE quanyu_refusals_total counter\n";
  for (const auto& [code, count] : refusals()) {
    out += "quanyu_refusals_total{reason=\"" + code + "\"} " + std::to_string(count) + "\n";
  }
  if (metrics_source_) out += metrics_source_();
  return out;
}

}  // namespace quanyu::server::http
