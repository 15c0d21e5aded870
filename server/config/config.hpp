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
  /// Frames a second the sessions of one subscription may take together: the average interval
  /// between deltas grows with the sessions beyond delta_interval_ms (1,000 screens: 15 ms).
  /// 0 = no budget.
  double view_frames_per_s = 65'000.0;
  /// A subscription watched by more sessions is split into parts of at most this many.
  std::size_t view_part_sessions = 250;
  bool permessage_deflate = true;  ///< compress for clients that offer it (browsers)
};

/// A listening address of a feed: "HOST:PORT" read into its parts; empty host = not listening.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  bool enabled() const { return !host.empty(); }
};

/// GB/T 28181 SIP intake (`feeds.gb28181`).
struct Gb28181Config {
  bool enabled = false;
  ListenAddress udp;                            ///< SIP over UDP
  ListenAddress tcp;                            ///< SIP over TCP
  std::string sip_id = "50000000002000000001";  ///< the platform's 20-digit SIP id
  std::string realm = "5000000000";  ///< SIP domain (10 digits) used in digest challenges
  std::string password;              ///< shared device password (empty: per device only)
  std::vector<std::pair<std::string, std::string>> devices;  ///< device id -> its own password
  double register_expires_max_s = 3600;                      ///< longest registration granted
  bool require_register = true;        ///< refuse alarms from unregistered devices (403)
  std::size_t max_connections = 1000;  ///< TCP connections at once
};

/// SL 651-2014 station intake (`feeds.sl651`).
struct Sl651Config {
  bool enabled = false;
  ListenAddress tcp;
  double idle_timeout_s = 900;  ///< a station connection silent this long is closed
  std::size_t max_connections = 2000;
};

/// Camera HTTP event push routes on the HTTP server (`feeds.camera_push`).
struct CameraPushConfig {
  bool enabled = true;
};

/// MQTT subscription (`feeds.mqtt`).
struct MqttConfig {
  bool enabled = false;
  ListenAddress broker;              ///< HOST:PORT of the broker
  std::string client_id = "quanyu";  ///< also the persistent session's name
  std::string username;
  std::string password;
  std::vector<std::string> topics;  ///< subscribed with QoS 1
  double keepalive_s = 30;
  double reconnect_max_s = 30;  ///< reconnect backoff grows to this
};

/// CAP 1.2 import and export (`feeds.cap`).
struct CapConfig {
  bool enabled = true;
  std::string sender = "quanyu@yjj.cq.gov.cn";   ///< CAP sender of exported alerts
  std::string sender_name = "重庆市应急管理局";  ///< CAP senderName
  std::string admin_code = "500000";   ///< region code in exported identifiers (GB/T 2260)
  std::string region_name = "重庆市";  ///< areaDesc when an incident has no district
  std::string agency_code = "000";     ///< issuing agency, GB/T 4657 (3 digits)
  std::string unit_code = "000";       ///< issuing unit within the agency (3 digits)
};

struct FeedsConfig {
  Gb28181Config gb28181;
  Sl651Config sl651;
  CameraPushConfig camera_push;
  MqttConfig mqtt;
  CapConfig cap;
};

struct Config {
  std::filesystem::path file;  ///< where this configuration was read from
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  unsigned threads = 0;  ///< 0 = one per core and one more
  std::filesystem::path data_dir;
  std::filesystem::path web_root;
  std::size_t body_limit_bytes = std::size_t{4} * 1024 * 1024;
  double feed_rate_per_s = 0.0;   ///< observations per second per token; 0 = unlimited
  double feed_burst = 100'000.0;  ///< observations a token may send at once before the rate applies
  GisRules gis;
  engine::EngineRules rules;  ///< fusion, severity, tasks, validation (nearest_* mirror `gis`)
  LiveConfig live;
  FeedsConfig feeds;
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
