#include "server/config/config.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <thread>

namespace quanyu::server {
namespace {

/// Reads one YAML document with the file name attached to every error.
class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw ConfigError(file_.string() + ": " + key + ": " + problem);
  }

  template <typename T>
  T get(const YAML::Node& node, const std::string& key, const std::string& path, T fallback) const {
    const YAML::Node value = node[key];
    if (!value || value.IsNull()) return fallback;
    try {
      return value.as<T>();
    } catch (const YAML::Exception&) {
      fail(path, "cannot read '" + YAML::Dump(value) + "' as " + type_name<T>());
    }
  }

  /// Reads `key` of `node` into `out` (keeping `out` when absent); it must be positive.
  template <typename T>
  void positive(const YAML::Node& node, const std::string& section, const char* key, T& out) const {
    const std::string path = section + "." + key;
    out = get<T>(node, key, path, out);
    if (!(out > 0)) fail(path, "must be positive");
  }

  /// The same for a value that may also be zero (a feature turned off).
  template <typename T>
  void non_negative(const YAML::Node& node, const std::string& section, const char* key,
                    T& out) const {
    const std::string path = section + "." + key;
    out = get<T>(node, key, path, out);
    if (!(out >= 0)) fail(path, "must be zero or positive");
  }

  std::filesystem::path resolve(const std::string& text) const {
    std::filesystem::path path(text);
    if (path.is_absolute()) return path.lexically_normal();
    return (file_.parent_path() / path).lexically_normal();
  }

 private:
  template <typename T>
  static const char* type_name() {
    if constexpr (std::is_same_v<T, std::string>) return "text";
    if constexpr (std::is_floating_point_v<T>) return "a number";
    if constexpr (std::is_integral_v<T>) return "a whole number";
    return "the expected type";
  }

  std::filesystem::path file_;
};

void check_keys(const Reader& reader, const YAML::Node& node, const std::string& path,
                std::initializer_list<const char*> known) {
  if (!node.IsMap()) reader.fail(path, "expected a mapping");
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      std::string list;
      for (const char* k : known) {
        if (!list.empty()) list += ", ";
        list += k;
      }
      reader.fail(path.empty() ? key : path + "." + key,
                  "unknown key (expected one of: " + list + ")");
    }
  }
}

bool parse_role(const std::string& text, Role& role) {
  static const std::array<std::pair<const char*, Role>, 5> kRoles{
      {{"wall", Role::wall},
       {"duty_officer", Role::duty_officer},
       {"subcentre", Role::subcentre},
       {"feed", Role::feed},
       {"admin", Role::admin}}};
  for (const auto& [name, value] : kRoles) {
    if (text == name) {
      role = value;
      return true;
    }
  }
  return false;
}

bool is_lower_hex(const std::string& text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0 || (c >= 'a' && c <= 'f');
         });
}

bool is_adcode(const std::string& text) {
  return text.size() == 6 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0;
         });
}

gis::LayerSpec read_layer(const Reader& reader, const YAML::Node& node, const std::string& path) {
  check_keys(reader, node, path, {"name", "role", "source", "layer", "crs", "fields"});
  gis::LayerSpec spec;
  spec.name = reader.get<std::string>(node, "name", path + ".name", "");
  if (spec.name.empty()) reader.fail(path + ".name", "every layer needs a name");
  const auto role = reader.get<std::string>(node, "role", path + ".role", "");
  if (!gis::parse_layer_role(role, spec.role)) {
    reader.fail(path + ".role", "'" + role +
                                    "' is not a role (jurisdiction, resource, sensor, "
                                    "sensitive, basemap)");
  }
  const auto source = reader.get<std::string>(node, "source", path + ".source", "");
  if (source.empty()) reader.fail(path + ".source", "every layer needs a source");
  // OGR connection strings ("PG:dbname=...", "GPKG:file.gpkg:layer") start with a driver
  // prefix and are passed through; anything else is a file name, resolved against the config.
  const auto colon = source.find(':');
  const bool connection =
      colon != std::string::npos && colon >= 2 &&
      std::all_of(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(colon),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
  spec.source = connection ? source : reader.resolve(source).string();
  spec.layer = reader.get<std::string>(node, "layer", path + ".layer", "");
  spec.crs = reader.get<std::string>(node, "crs", path + ".crs", "");
  if (const YAML::Node fields = node["fields"]; fields && !fields.IsNull()) {
    if (!fields.IsMap()) reader.fail(path + ".fields", "expected a mapping of field names");
    for (const auto& entry : fields) {
      spec.fields[entry.first.as<std::string>()] = entry.second.as<std::string>();
    }
  }
  return spec;
}

TokenConfig read_token(const Reader& reader, const YAML::Node& node, const std::string& path) {
  check_keys(reader, node, path, {"name", "role", "sha256", "districts"});
  TokenConfig token;
  token.name = reader.get<std::string>(node, "name", path + ".name", "");
  if (token.name.empty()) reader.fail(path + ".name", "every token needs a name");
  const auto role = reader.get<std::string>(node, "role", path + ".role", "");
  if (!parse_role(role, token.role)) {
    reader.fail(path + ".role",
                "'" + role + "' is not a role (wall, duty_officer, subcentre, feed, admin)");
  }
  token.sha256 = reader.get<std::string>(node, "sha256", path + ".sha256", "");
  if (!is_lower_hex(token.sha256, 64)) {
    reader.fail(path + ".sha256",
                "expected the token's SHA-256 as 64 lowercase hex digits "
                "(quanyu token hash SECRET prints it)");
  }
  if (const YAML::Node districts = node["districts"]; districts && !districts.IsNull()) {
    if (!districts.IsSequence()) reader.fail(path + ".districts", "expected a list of adcodes");
    for (const auto& d : districts) {
      const auto adcode = d.as<std::string>();
      if (!is_adcode(adcode)) {
        reader.fail(path + ".districts", "'" + adcode + "' is not a 6-digit GB/T 2260 adcode");
      }
      token.districts.push_back(adcode);
    }
  }
  if (token.role == Role::subcentre && token.districts.empty()) {
    reader.fail(path + ".districts", "a subcentre token must name its districts");
  }
  return token;
}

ListenAddress read_listen(const Reader& reader, const YAML::Node& node, const std::string& section,
                          const char* key, const std::string& file) {
  ListenAddress address;
  const auto text = reader.get<std::string>(node, key, section + "." + key, "");
  if (!text.empty())
    parse_listen(text, file + ": " + section + "." + key, address.host, address.port);
  return address;
}

bool is_digits(const std::string& text, std::size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0;
         });
}

void read_feeds(const Reader& reader, const YAML::Node& feeds, const std::string& file,
                FeedsConfig& out) {
  check_keys(reader, feeds, "feeds", {"gb28181", "sl651", "camera_push", "mqtt", "cap"});
  if (const YAML::Node n = feeds["gb28181"]) {
    const std::string s = "feeds.gb28181";
    check_keys(reader, n, s,
               {"enabled", "udp", "tcp", "sip_id", "realm", "password", "devices",
                "register_expires_max_s", "require_register", "max_connections"});
    auto& g = out.gb28181;
    g.enabled = reader.get<bool>(n, "enabled", s + ".enabled", g.enabled);
    g.udp = read_listen(reader, n, s, "udp", file);
    g.tcp = read_listen(reader, n, s, "tcp", file);
    g.sip_id = reader.get<std::string>(n, "sip_id", s + ".sip_id", g.sip_id);
    g.realm = reader.get<std::string>(n, "realm", s + ".realm", g.realm);
    g.password = reader.get<std::string>(n, "password", s + ".password", g.password);
    reader.positive(n, s, "register_expires_max_s", g.register_expires_max_s);
    g.require_register =
        reader.get<bool>(n, "require_register", s + ".require_register", g.require_register);
    reader.positive(n, s, "max_connections", g.max_connections);
    if (!is_digits(g.sip_id, 20)) reader.fail(s + ".sip_id", "must be a 20-digit SIP id");
    if (g.realm.empty()) reader.fail(s + ".realm", "must not be empty");
    if (const YAML::Node devices = n["devices"]; devices && !devices.IsNull()) {
      if (!devices.IsSequence()) reader.fail(s + ".devices", "expected a list of {id, password}");
      for (std::size_t i = 0; i < devices.size(); ++i) {
        const std::string path = s + ".devices[" + std::to_string(i) + "]";
        check_keys(reader, devices[i], path, {"id", "password"});
        auto id = reader.get<std::string>(devices[i], "id", path + ".id", "");
        auto password = reader.get<std::string>(devices[i], "password", path + ".password", "");
        if (!is_digits(id, 20)) reader.fail(path + ".id", "must be a 20-digit device id");
        if (password.empty()) reader.fail(path + ".password", "must not be empty");
        g.devices.emplace_back(std::move(id), std::move(password));
      }
    }
    if (g.enabled && !g.udp.enabled() && !g.tcp.enabled()) {
      reader.fail(s, "enabled, but neither udp nor tcp gives an address to listen on");
    }
    if (g.enabled && g.password.empty() && g.devices.empty()) {
      reader.fail(s + ".password", "required: no device could register without a password");
    }
  }
  if (const YAML::Node n = feeds["sl651"]) {
    const std::string s = "feeds.sl651";
    check_keys(reader, n, s, {"enabled", "tcp", "idle_timeout_s", "max_connections"});
    auto& c = out.sl651;
    c.enabled = reader.get<bool>(n, "enabled", s + ".enabled", c.enabled);
    c.tcp = read_listen(reader, n, s, "tcp", file);
    reader.positive(n, s, "idle_timeout_s", c.idle_timeout_s);
    reader.positive(n, s, "max_connections", c.max_connections);
    if (c.enabled && !c.tcp.enabled()) reader.fail(s + ".tcp", "required when enabled");
  }
  if (const YAML::Node n = feeds["camera_push"]) {
    check_keys(reader, n, "feeds.camera_push", {"enabled"});
    out.camera_push.enabled =
        reader.get<bool>(n, "enabled", "feeds.camera_push.enabled", out.camera_push.enabled);
  }
  if (const YAML::Node n = feeds["mqtt"]) {
    const std::string s = "feeds.mqtt";
    check_keys(reader, n, s,
               {"enabled", "broker", "client_id", "username", "password", "topics", "keepalive_s",
                "reconnect_max_s"});
    auto& m = out.mqtt;
    m.enabled = reader.get<bool>(n, "enabled", s + ".enabled", m.enabled);
    m.broker = read_listen(reader, n, s, "broker", file);
    m.client_id = reader.get<std::string>(n, "client_id", s + ".client_id", m.client_id);
    m.username = reader.get<std::string>(n, "username", s + ".username", m.username);
    m.password = reader.get<std::string>(n, "password", s + ".password", m.password);
    reader.positive(n, s, "keepalive_s", m.keepalive_s);
    reader.positive(n, s, "reconnect_max_s", m.reconnect_max_s);
    if (const YAML::Node topics = n["topics"]; topics && !topics.IsNull()) {
      if (!topics.IsSequence()) reader.fail(s + ".topics", "expected a list of topic filters");
      for (std::size_t i = 0; i < topics.size(); ++i) {
        const std::string path = s + ".topics[" + std::to_string(i) + "]";
        if (!topics[i].IsScalar()) reader.fail(path, "expected a topic filter");
        const auto topic = topics[i].as<std::string>();
        if (topic.empty() || topic.size() > 1024) {
          reader.fail(path, "must be a topic filter of 1 to 1024 bytes");
        }
        m.topics.push_back(topic);
      }
    }
    if (m.client_id.empty() || m.client_id.size() > 23) {
      reader.fail(s + ".client_id", "must be 1 to 23 characters (MQTT 3.1.1)");
    }
    if (m.enabled && !m.broker.enabled()) reader.fail(s + ".broker", "required when enabled");
    if (m.enabled && m.topics.empty()) reader.fail(s + ".topics", "required when enabled");
  }
  if (const YAML::Node n = feeds["cap"]) {
    const std::string s = "feeds.cap";
    check_keys(reader, n, s,
               {"enabled", "sender", "sender_name", "admin_code", "region_name", "agency_code",
                "unit_code"});
    auto& c = out.cap;
    c.enabled = reader.get<bool>(n, "enabled", s + ".enabled", c.enabled);
    c.sender = reader.get<std::string>(n, "sender", s + ".sender", c.sender);
    c.sender_name = reader.get<std::string>(n, "sender_name", s + ".sender_name", c.sender_name);
    c.admin_code = reader.get<std::string>(n, "admin_code", s + ".admin_code", c.admin_code);
    c.region_name = reader.get<std::string>(n, "region_name", s + ".region_name", c.region_name);
    c.agency_code = reader.get<std::string>(n, "agency_code", s + ".agency_code", c.agency_code);
    c.unit_code = reader.get<std::string>(n, "unit_code", s + ".unit_code", c.unit_code);
    if (c.sender.empty() || c.sender.find_first_of(" ,<&") != std::string::npos) {
      reader.fail(s + ".sender", "must be non-empty, without spaces, commas, < or &");
    }
    if (!is_digits(c.admin_code, 6) && !is_digits(c.admin_code, 12)) {
      reader.fail(s + ".admin_code", "must be a 6- or 12-digit administrative division code");
    }
    if (!is_digits(c.agency_code, 3))
      reader.fail(s + ".agency_code", "must be 3 digits (GB/T 4657)");
    if (!is_digits(c.unit_code, 3)) reader.fail(s + ".unit_code", "must be 3 digits");
  }
}

}  // namespace

const char* to_string(Role role) {
  switch (role) {
    case Role::wall:
      return "wall";
    case Role::duty_officer:
      return "duty_officer";
    case Role::subcentre:
      return "subcentre";
    case Role::feed:
      return "feed";
    case Role::admin:
      return "admin";
  }
  return "unknown";
}

void parse_listen(const std::string& text, const std::string& what, std::string& host,
                  std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw ConfigError(what + ": '" + text + "' is not HOST:PORT");
  }
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string digits = text.substr(colon + 1);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) ||
      digits.size() > 5 || std::stoul(digits) > 65535) {
    throw ConfigError(what + ": port '" + digits + "' is not a number from 0 to 65535");
  }
  port = static_cast<std::uint16_t>(std::stoul(digits));
}

std::string sha256_hex(std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr);
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

const TokenConfig* find_token(const Config& config, std::string_view secret) {
  const std::string presented = sha256_hex(secret);
  const TokenConfig* found = nullptr;
  for (const auto& token : config.tokens) {
    // Constant time, and no early exit: timing must not reveal how much of a hash matched.
    if (token.sha256.size() == presented.size() &&
        CRYPTO_memcmp(presented.data(), token.sha256.data(), presented.size()) == 0 &&
        found == nullptr) {
      found = &token;
    }
  }
  return found;
}

Config load_config(const std::filesystem::path& file) {
  Config config;
  config.file = std::filesystem::absolute(file).lexically_normal();
  const Reader reader(config.file);
  YAML::Node root;
  try {
    root = YAML::LoadFile(config.file.string());
  } catch (const YAML::BadFile&) {
    throw ConfigError(config.file.string() + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(config.file.string() + ": line " + std::to_string(e.mark.line + 1) + ": " +
                      e.msg);
  }
  if (!root.IsMap()) reader.fail("(top level)", "expected a mapping");
  check_keys(reader, root, "", {"server", "live", "feeds", "rules", "layers", "tokens"});
  if (const YAML::Node feeds = root["feeds"]; feeds && !feeds.IsNull()) {
    read_feeds(reader, feeds, config.file.string(), config.feeds);
  }
  if (const YAML::Node live = root["live"]) {
    check_keys(reader, live, "live",
               {"max_connections", "queue_messages", "queue_bytes", "stall_timeout_s",
                "heartbeat_s", "max_views", "view_linger_s", "ring_deltas", "delta_interval_ms",
                "view_frames_per_s", "view_part_sessions", "permessage_deflate"});
    auto& l = config.live;
    reader.positive(live, "live", "max_connections", l.max_connections);
    reader.positive(live, "live", "queue_messages", l.queue_messages);
    reader.positive(live, "live", "queue_bytes", l.queue_bytes);
    reader.positive(live, "live", "stall_timeout_s", l.stall_timeout_s);
    reader.positive(live, "live", "heartbeat_s", l.heartbeat_s);
    reader.positive(live, "live", "max_views", l.max_views);
    reader.positive(live, "live", "view_linger_s", l.view_linger_s);
    reader.positive(live, "live", "ring_deltas", l.ring_deltas);
    reader.non_negative(live, "live", "delta_interval_ms", l.delta_interval_ms);
    reader.non_negative(live, "live", "view_frames_per_s", l.view_frames_per_s);
    reader.positive(live, "live", "view_part_sessions", l.view_part_sessions);
    l.permessage_deflate = reader.get<bool>(live, "permessage_deflate", "live.permessage_deflate",
                                            l.permessage_deflate);
  }

  if (const YAML::Node server = root["server"]) {
    check_keys(reader, server, "server",
               {"listen", "threads", "data_dir", "web_root", "body_limit_bytes", "feed_rate_per_s",
                "feed_burst"});
    const auto listen =
        reader.get<std::string>(server, "listen", "server.listen", "127.0.0.1:8080");
    parse_listen(listen, config.file.string() + ": server.listen", config.listen_host,
                 config.listen_port);
    config.threads = reader.get<unsigned>(server, "threads", "server.threads", 0);
    config.data_dir =
        reader.resolve(reader.get<std::string>(server, "data_dir", "server.data_dir", "data"));
    config.web_root =
        reader.resolve(reader.get<std::string>(server, "web_root", "server.web_root", "www"));
    config.body_limit_bytes = reader.get<std::size_t>(
        server, "body_limit_bytes", "server.body_limit_bytes", config.body_limit_bytes);
    config.feed_rate_per_s = reader.get<double>(server, "feed_rate_per_s", "server.feed_rate_per_s",
                                                config.feed_rate_per_s);
    config.feed_burst =
        reader.get<double>(server, "feed_burst", "server.feed_burst", config.feed_burst);
    if (!(config.feed_rate_per_s >= 0)) reader.fail("server.feed_rate_per_s", "must be 0 or more");
    if (!(config.feed_burst >= 1)) reader.fail("server.feed_burst", "must be at least 1");
  } else {
    config.data_dir = reader.resolve("data");
    config.web_root = reader.resolve("www");
  }
  // One per core for the WebSocket lanes (so a fan-out can write on every core), and one more,
  // so requests, the engine strand and the commits behind each acknowledgement always find a
  // thread while the lanes write.
  if (config.threads == 0) config.threads = std::max(1U, std::thread::hardware_concurrency()) + 1;

  if (const YAML::Node rules = root["rules"]) {
    check_keys(reader, rules, "rules",
               {"jurisdiction", "nearest", "fire", "flood", "security", "tasks", "validation",
                "retention_s"});
    if (const YAML::Node j = rules["jurisdiction"]) {
      check_keys(reader, j, "rules.jurisdiction", {"tolerance_m"});
      config.gis.jurisdiction_tolerance_m =
          reader.get<double>(j, "tolerance_m", "rules.jurisdiction.tolerance_m", 500.0);
      if (!(config.gis.jurisdiction_tolerance_m >= 0 &&
            config.gis.jurisdiction_tolerance_m <= 50'000)) {
        reader.fail("rules.jurisdiction.tolerance_m", "must be between 0 and 50000 metres");
      }
    }
    if (const YAML::Node n = rules["nearest"]) {
      check_keys(reader, n, "rules.nearest", {"k", "radius_m"});
      config.gis.nearest_k = reader.get<unsigned>(n, "k", "rules.nearest.k", 5);
      config.gis.nearest_radius_m =
          reader.get<double>(n, "radius_m", "rules.nearest.radius_m", 50'000);
      if (config.gis.nearest_k == 0 || config.gis.nearest_k > 100) {
        reader.fail("rules.nearest.k", "must be between 1 and 100");
      }
      if (!(config.gis.nearest_radius_m > 0)) {
        reader.fail("rules.nearest.radius_m", "must be positive");
      }
    }
    auto& r = config.rules;
    if (const YAML::Node f = rules["fire"]) {
      check_keys(reader, f, "rules.fire", {"radius_m", "window_s", "sensitive_radius_m"});
      reader.positive(f, "rules.fire", "radius_m", r.fire.radius_m);
      reader.positive(f, "rules.fire", "window_s", r.fire.window_s);
      reader.positive(f, "rules.fire", "sensitive_radius_m", r.fire.sensitive_radius_m);
    }
    if (const YAML::Node f = rules["flood"]) {
      check_keys(reader, f, "rules.flood",
                 {"resolve_after_readings", "rising_m_per_h", "fast_rise_m_per_h"});
      reader.positive(f, "rules.flood", "resolve_after_readings", r.flood.resolve_after_readings);
      reader.positive(f, "rules.flood", "rising_m_per_h", r.flood.rising_m_per_h);
      reader.positive(f, "rules.flood", "fast_rise_m_per_h", r.flood.fast_rise_m_per_h);
    }
    if (const YAML::Node f = rules["security"]) {
      check_keys(reader, f, "rules.security",
                 {"dedup_window_s", "repeat_escalation", "sensitive_radius_m"});
      reader.positive(f, "rules.security", "dedup_window_s", r.security.dedup_window_s);
      reader.positive(f, "rules.security", "repeat_escalation", r.security.repeat_escalation);
      reader.positive(f, "rules.security", "sensitive_radius_m", r.security.sensitive_radius_m);
    }
    if (const YAML::Node f = rules["tasks"]) {
      check_keys(reader, f, "rules.tasks", {"verify_due_s", "handle_due_s", "evacuate_due_s"});
      reader.positive(f, "rules.tasks", "verify_due_s", r.tasks.verify_due_s);
      reader.positive(f, "rules.tasks", "handle_due_s", r.tasks.handle_due_s);
      reader.positive(f, "rules.tasks", "evacuate_due_s", r.tasks.evacuate_due_s);
    }
    if (const YAML::Node f = rules["validation"]) {
      check_keys(reader, f, "rules.validation", {"max_age_s", "max_ahead_s", "max_batch"});
      reader.positive(f, "rules.validation", "max_age_s", r.validation.max_age_s);
      reader.positive(f, "rules.validation", "max_ahead_s", r.validation.max_ahead_s);
      reader.positive(f, "rules.validation", "max_batch", r.validation.max_batch);
    }
    r.retention_s =
        reader.get<std::int64_t>(rules, "retention_s", "rules.retention_s", r.retention_s);
    if (r.retention_s <= 0) reader.fail("rules.retention_s", "must be positive");
  }
  config.rules.nearest_k = config.gis.nearest_k;
  config.rules.nearest_radius_m = config.gis.nearest_radius_m;

  const YAML::Node layers = root["layers"];
  if (!layers || !layers.IsSequence() || layers.size() == 0) {
    reader.fail("layers", "expected a list of layers, with exactly one of role jurisdiction");
  }
  std::set<std::string> names;
  int jurisdictions = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string path = "layers[" + std::to_string(i) + "]";
    auto spec = read_layer(reader, layers[i], path);
    if (!names.insert(spec.name).second) {
      reader.fail(path + ".name", "'" + spec.name + "' is used twice");
    }
    if (spec.role == gis::LayerRole::jurisdiction) ++jurisdictions;
    config.layers.push_back(std::move(spec));
  }
  if (jurisdictions != 1) {
    reader.fail("layers", "exactly one layer must have role jurisdiction (found " +
                              std::to_string(jurisdictions) + ")");
  }

  if (const YAML::Node tokens = root["tokens"]; tokens && !tokens.IsNull()) {
    if (!tokens.IsSequence()) reader.fail("tokens", "expected a list of tokens");
    std::set<std::string> token_names;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string path = "tokens[" + std::to_string(i) + "]";
      auto token = read_token(reader, tokens[i], path);
      if (!token_names.insert(token.name).second) {
        reader.fail(path + ".name", "'" + token.name + "' is used twice");
      }
      config.tokens.push_back(std::move(token));
    }
  }
  return config;
}

}  // namespace quanyu::server
