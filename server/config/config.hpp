#pragma once
/// The one YAML configuration file of a Quanyu deployment: where to listen, where data lives, the
/// GIS layers and their roles, the GIS rules, and the access tokens. Relative paths in the file are
/// resolved against the file's own directory, so a config and its layers travel together.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/core/rules.hpp"
#include "gis/layers/layer_loader.hpp"

namespace quanyu::server {

/// A configuration that cannot be used. what() is one line: "<file>: <key>: <problem>".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Role { wall, duty_officer, subcentre, feed, admin };
const char* to_string(Role role);

/// An access token. Only its SHA-256 is stored; the secret itself never enters the process
/// except in a request, and is never logged.
struct TokenConfig {
  std::string name;  ///< who holds it, for audit ("wall-main", "duty-1")
  Role role = Role::wall;
  std::string sha256;                  ///< lowercase hex SHA-256 of the secret
  std::vector<std::string> districts;  ///< adcodes it may see; empty = the whole jurisdiction
};

struct GisRules {
  double jurisdiction_tolerance_m = 500.0;  ///< slivers and just-outside points within this
  unsigned nearest_k = 5;                   ///< nearest resources reported per position
  double nearest_radius_m = 50'000.0;       ///< ... within this radius
};

/// Limits and timings of the WebSocket live channel (`live:` in the YAML).
struct LiveConfig {
  std::size_t max_connections = 2000;
  std::size_t queue_messages = 64;
  std::size_t queue_bytes = std::size_t{4} << 20;
  double stall_timeout_s = 30.0;
  double heartbeat_s = 10.0;
  std::size_t max_views = 1024;
  double view_linger_s = 120.0;
  std::size_t ring_deltas = 1024;
  double delta_interval_ms = 5.0;  ///< a view sends at most one delta per interval; 0 = every batch
};

struct Config {
  std::filesystem::path file;  ///< where this configuration was read from
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  unsigned threads = 0;  ///< 0 = one per core
  std::filesystem::path data_dir;
  std::filesystem::path web_root;
  std::size_t body_limit_bytes = std::size_t{4} * 1024 * 1024;
  double feed_rate_per_s = 0.0;   ///< observations per second per token; 0 = unlimited
  double feed_burst = 100'000.0;  ///< observations a token may send at once before the rate applies
  GisRules gis;
  engine::EngineRules rules;  ///< fusion, severity, tasks, validation (nearest_* mirror `gis`)
  LiveConfig live;
  std::vector<gis::LayerSpec> layers;
  std::vector<TokenConfig> tokens;
};

/// Reads and validates the file; throws ConfigError naming the key at fault.
Config load_config(const std::filesystem::path& file);

/// Parses "HOST:PORT" (IPv6 as "[::1]:8080"); throws ConfigError naming `what`.
void parse_listen(const std::string& text, const std::string& what, std::string& host,
                  std::uint16_t& port);

/// The token whose SHA-256 matches the presented `secret` (constant-time comparison), or null.
const TokenConfig* find_token(const Config& config, std::string_view secret);

/// Lowercase hex SHA-256 of `secret` (for comparing presented tokens with the configured hashes).
std::string sha256_hex(std::string_view secret);

}  // namespace quanyu::server
