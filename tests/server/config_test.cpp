// The YAML configuration: the shipped file loads, and every mistake names its key.
#include "server/config/config.hpp"

#include <algorithm>
#include <thread>

#include "gtest_include.hpp"
#include "test_support.hpp"

namespace quanyu::server {
namespace {

using test::TempDir;

std::string expect_config_error(const std::string& yaml) {
  TempDir dir;
  test::write_file(dir / "q.yaml", yaml);
  try {
    (void)load_config(dir / "q.yaml");
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {};
}

constexpr const char* kMinimalLayers = R"(
layers:
  - name: districts
    role: jurisdiction
    source: d.geojson
)";

TEST(Config, ShippedConfigLoads) {
  const Config config = load_config(test::config_dir() + "/quanyu.yaml");
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 8080);
  // 0 in the file: one per core for the WebSocket lanes, and one more.
  EXPECT_EQ(config.threads, std::max(1U, std::thread::hardware_concurrency()) + 1);
  EXPECT_DOUBLE_EQ(config.gis.jurisdiction_tolerance_m, 500.0);
  EXPECT_EQ(config.gis.nearest_k, 5U);
  ASSERT_GE(config.layers.size(), 4U);
  EXPECT_EQ(config.layers[0].role, gis::LayerRole::jurisdiction);
  // Relative sources resolve against the config file's directory.
  EXPECT_EQ(config.layers[0].source, test::config_dir() + "/chongqing-districts.geojson");
  EXPECT_EQ(config.data_dir.filename(), "data");
  ASSERT_EQ(config.tokens.size(), 5U);
  EXPECT_EQ(config.tokens[2].role, Role::subcentre);
  EXPECT_EQ(config.tokens[2].districts, (std::vector<std::string>{"500103", "500108"}));
  // The published demo secret hashes to the configured value.
  EXPECT_EQ(sha256_hex("quanyu-demo-wall"), config.tokens[0].sha256);
}

TEST(Config, Sha256MatchesTheStandardTestVector) {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Config, DefaultsWhenServerSectionIsAbsent) {
  TempDir dir;
  test::write_file(dir / "q.yaml", kMinimalLayers);
  const Config config = load_config(dir / "q.yaml");
  EXPECT_EQ(config.listen_port, 8080);
  EXPECT_EQ(config.data_dir, dir.path() / "data");
  EXPECT_EQ(config.layers[0].source, (dir / "d.geojson").string());
  EXPECT_TRUE(config.tokens.empty());
}

TEST(Config, PgConnectionStringsPassThrough) {
  TempDir dir;
  test::write_file(dir / "q.yaml", R"(
layers:
  - name: districts
    role: jurisdiction
    source: "PG:host=127.0.0.1 dbname=gis"
    layer: districts
)");
  EXPECT_EQ(load_config(dir / "q.yaml").layers[0].source, "PG:host=127.0.0.1 dbname=gis");
}

TEST(Config, ErrorsNameTheKey) {
  EXPECT_THAT(expect_config_error("server: {listen: nowhere}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("server.listen: 'nowhere' is not HOST:PORT"));
  EXPECT_THAT(
      expect_config_error("server: {listen: '127.0.0.1:99999'}\n" + std::string(kMinimalLayers)),
      testing::HasSubstr("port '99999'"));
  EXPECT_THAT(expect_config_error("server: {threads: many}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("server.threads: cannot read 'many' as a whole number"));
  EXPECT_THAT(expect_config_error("sever: {}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("sever: unknown key"));
  EXPECT_THAT(expect_config_error("layers: []\n"), testing::HasSubstr("layers: expected a list"));
  EXPECT_THAT(expect_config_error("layers:\n  - {name: a, role: resource, source: a.geojson}\n"),
              testing::HasSubstr("exactly one layer must have role jurisdiction (found 0)"));
  EXPECT_THAT(expect_config_error("layers:\n  - {name: a, role: district, source: a.geojson}\n"),
              testing::HasSubstr("layers[0].role: 'district' is not a role"));
  EXPECT_THAT(expect_config_error(std::string(kMinimalLayers) +
                                  "  - {name: districts, role: resource, source: r.geojson}\n"),
              testing::HasSubstr("layers[1].name: 'districts' is used twice"));
  EXPECT_THAT(expect_config_error("rules: {jurisdiction: {tolerance_m: -1}}\n" +
                                  std::string(kMinimalLayers)),
              testing::HasSubstr("rules.jurisdiction.tolerance_m: must be between"));
  EXPECT_THAT(expect_config_error(std::string(kMinimalLayers) +
                                  "tokens:\n  - {name: w, role: wall, sha256: abc}\n"),
              testing::HasSubstr("tokens[0].sha256: expected the token's SHA-256"));
  EXPECT_THAT(expect_config_error(std::string(kMinimalLayers) +
                                  "tokens:\n  - {name: s, role: subcentre, sha256: " +
                                  std::string(64, 'a') + "}\n"),
              testing::HasSubstr("tokens[0].districts: a subcentre token must name its districts"));
  EXPECT_THAT(expect_config_error(std::string(kMinimalLayers) +
                                  "tokens:\n  - {name: s, role: wall, sha256: " +
                                  std::string(64, 'a') + ", districts: ['5001']}\n"),
              testing::HasSubstr("'5001' is not a 6-digit GB/T 2260 adcode"));
  EXPECT_THAT(expect_config_error("layers: [\n"), testing::HasSubstr("line "));
}

TEST(Config, ShippedFeedsSection) {
  const Config config = load_config(test::config_dir() + "/quanyu.yaml");
  const auto& f = config.feeds;
  EXPECT_FALSE(f.gb28181.enabled);
  EXPECT_EQ(f.gb28181.udp.host, "0.0.0.0");
  EXPECT_EQ(f.gb28181.udp.port, 5060);
  EXPECT_EQ(f.gb28181.sip_id, "50000000002000000001");
  EXPECT_FALSE(f.gb28181.require_register);
  EXPECT_FALSE(f.sl651.enabled);
  EXPECT_EQ(f.sl651.tcp.port, 5005);
  EXPECT_TRUE(f.camera_push.enabled);
  EXPECT_FALSE(f.mqtt.enabled);
  EXPECT_EQ(f.mqtt.topics, (std::vector<std::string>{"quanyu/observations/#"}));
  EXPECT_TRUE(f.cap.enabled);
  EXPECT_EQ(f.cap.admin_code, "500000");
  EXPECT_EQ(f.cap.agency_code, "000");
}

TEST(Config, FeedErrorsNameTheKey) {
  const std::string layers(kMinimalLayers);
  EXPECT_THAT(expect_config_error("feeds: {sl651: {enabled: true}}\n" + layers),
              testing::HasSubstr("feeds.sl651.tcp: required when enabled"));
  EXPECT_THAT(expect_config_error("feeds: {sl651: {tcp: 'here'}}\n" + layers),
              testing::HasSubstr("feeds.sl651.tcp: 'here' is not HOST:PORT"));
  EXPECT_THAT(
      expect_config_error("feeds: {gb28181: {enabled: true, udp: '0.0.0.0:5060'}}\n" + layers),
      testing::HasSubstr("feeds.gb28181.password: required"));
  EXPECT_THAT(expect_config_error("feeds: {gb28181: {sip_id: '123'}}\n" + layers),
              testing::HasSubstr("feeds.gb28181.sip_id: must be a 20-digit SIP id"));
  EXPECT_THAT(expect_config_error("feeds: {gb28181: {enabled: true, password: x}}\n" + layers),
              testing::HasSubstr("neither udp nor tcp"));
  EXPECT_THAT(
      expect_config_error("feeds: {gb28181: {devices: [{id: '1', password: x}]}}\n" + layers),
      testing::HasSubstr("feeds.gb28181.devices[0].id: must be a 20-digit device id"));
  EXPECT_THAT(
      expect_config_error("feeds: {mqtt: {enabled: true, broker: '127.0.0.1:1883'}}\n" + layers),
      testing::HasSubstr("feeds.mqtt.topics: required when enabled"));
  EXPECT_THAT(
      expect_config_error("feeds: {mqtt: {client_id: 'a-client-id-longer-than-23'}}\n" + layers),
      testing::HasSubstr("feeds.mqtt.client_id: must be 1 to 23 characters"));
  EXPECT_THAT(expect_config_error("feeds: {mqtt: {keepalive_s: 0}}\n" + layers),
              testing::HasSubstr("feeds.mqtt.keepalive_s: must be positive"));
  EXPECT_THAT(expect_config_error("feeds: {cap: {admin_code: '5000'}}\n" + layers),
              testing::HasSubstr("feeds.cap.admin_code: must be a 6- or 12-digit"));
  EXPECT_THAT(expect_config_error("feeds: {cap: {sender: 'a b'}}\n" + layers),
              testing::HasSubstr("feeds.cap.sender: must be non-empty, without spaces"));
  EXPECT_THAT(expect_config_error("feeds: {cap: {agency_code: '4160'}}\n" + layers),
              testing::HasSubstr("feeds.cap.agency_code: must be 3 digits"));
  EXPECT_THAT(expect_config_error("feeds: {onvif: {}}\n" + layers),
              testing::HasSubstr("feeds.onvif: unknown key"));
}

TEST(Config, MissingFileIsNamed) {
  try {
    (void)load_config("/nonexistent/quanyu.yaml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("/nonexistent/quanyu.yaml: cannot read the file"));
  }
}

}  // namespace
}  // namespace quanyu::server

namespace quanyu::server {
namespace {

TEST(Config, LiveSectionAndTokenLookup) {
  const Config shipped = load_config(test::config_dir() + "/quanyu.yaml");
  EXPECT_EQ(shipped.live.max_connections, 2000U);
  EXPECT_DOUBLE_EQ(shipped.live.stall_timeout_s, 30.0);
  EXPECT_EQ(shipped.live.ring_deltas, 1024U);
  EXPECT_DOUBLE_EQ(shipped.live.delta_interval_ms, 5.0);
  EXPECT_DOUBLE_EQ(shipped.live.view_frames_per_s, 65'000.0);
  EXPECT_EQ(shipped.live.view_part_sessions, 250U);
  EXPECT_TRUE(shipped.live.permessage_deflate);
  const TokenConfig* duty = find_token(shipped, "quanyu-demo-duty");
  ASSERT_NE(duty, nullptr);
  EXPECT_EQ(duty->name, "demo-duty");
  EXPECT_EQ(find_token(shipped, "quanyu-demo-dut"), nullptr);
  EXPECT_EQ(find_token(shipped, ""), nullptr);
  EXPECT_THAT(expect_config_error("live: {queue_messages: 0}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("live.queue_messages: must be positive"));
  EXPECT_THAT(expect_config_error("rules: {fire: {radius_m: -5}}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("rules.fire.radius_m: must be positive"));
  EXPECT_THAT(expect_config_error("live: {delta_interval_ms: -1}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("live.delta_interval_ms: must be zero or positive"));
  EXPECT_THAT(expect_config_error("live: {view_frames_per_s: -5}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("live.view_frames_per_s: must be zero or positive"));
  EXPECT_THAT(expect_config_error("live: {view_part_sessions: 0}\n" + std::string(kMinimalLayers)),
              testing::HasSubstr("live.view_part_sessions: must be positive"));
  EXPECT_THAT(
      expect_config_error("live: {permessage_deflate: sometimes}\n" + std::string(kMinimalLayers)),
      testing::HasSubstr("live.permessage_deflate"));
}

}  // namespace
}  // namespace quanyu::server
