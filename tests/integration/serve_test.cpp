// The real `quanyu` binary: start-up on the shipped config, HTTP on an ephemeral port, graceful
// stop, `layers check`, and the command line's help and errors.
#include <sys/resource.h>

#include <cstdlib>
#include <fstream>

#include "gtest_include.hpp"
#include "process.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;

const std::string kBinary = QUANYU_BINARY;
const std::string kConfig = std::string(QUANYU_CONFIG_DIR) + "/quanyu.yaml";
const std::string kWall = "Authorization: Bearer quanyu-demo-wall\r\n";

TEST(Serve, StartsOnShippedConfigServesAndStopsGracefully) {
  TempDir data("quanyu-data");
  Process quanyu({kBinary, "serve", "--config", kConfig, "--listen", "127.0.0.1:0", "--data-dir",
                  (data / "state").string()});
  ASSERT_TRUE(quanyu.wait_for_stdout("Quanyu is listening on", 60s)) << quanyu.err();
  const int port = listening_port(quanyu.out());
  ASSERT_GT(port, 0) << quanyu.out();
  EXPECT_TRUE(std::filesystem::is_directory(data / "state"));

  const auto health = http_request(port, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(health.body, testing::HasSubstr(R"("status":"ok")"));

  EXPECT_EQ(http_request(port, "GET", "/api/v1/layers").status, 401);
  const auto layers = http_request(port, "GET", "/api/v1/layers", kWall);
  EXPECT_EQ(layers.status, 200);
  EXPECT_THAT(layers.body, testing::HasSubstr(R"("name":"districts")"));
  EXPECT_THAT(layers.body, testing::HasSubstr(R"("repaired":"7")"));

  const auto geojson = http_request(port, "GET", "/api/v1/layers/sensors?kind=water_gauge", kWall);
  EXPECT_EQ(geojson.status, 200);
  EXPECT_THAT(geojson.headers, testing::HasSubstr("application/geo+json"));
  EXPECT_THAT(geojson.body, testing::HasSubstr(R"("warningLevelM")"));

  const auto locate = http_request(port, "GET", "/api/v1/locate?lon=106.5775&lat=29.5574", kWall);
  EXPECT_THAT(locate.body, testing::HasSubstr(R"("adcode":"500103")"));

  const auto too_large =
      http_request(port, "POST", "/api/v1/layers", kWall, std::string(5 << 20, 'x'));
  EXPECT_TRUE(too_large.status == 413 || too_large.status == 0);  // 413, or reset mid-upload

  // One log line per start-up step, each with its duration.
  for (const char* step : {"config ", "data dir ", "layer districts [(]jurisdiction[)] loaded",
                           "jurisdiction index built", "nearest indexes built", "ready in"}) {
    EXPECT_THAT(quanyu.err(), testing::ContainsRegex(std::string(step) + ".*[0-9] ms"));
  }
  EXPECT_THAT(quanyu.err(), testing::HasSubstr("大渡口区) had an invalid geometry"));
  // Secrets never reach the log.
  EXPECT_THAT(quanyu.err(), testing::Not(testing::HasSubstr("quanyu-demo-wall")));

  quanyu.signal(SIGTERM);
  EXPECT_EQ(quanyu.wait(10s), 0) << quanyu.err();
  EXPECT_THAT(quanyu.err(), testing::HasSubstr("stopping (SIGTERM)"));
}

// 2,000 screens need more descriptors than the common soft limit of 1,024: quanyu raises its own
// soft limit to what the configured connection limits need (children inherit ours).
TEST(Serve, RaisesTheOpenFilesLimitForTheConfiguredConnections) {
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 2256) {
    GTEST_SKIP() << "hard limit " << saved.rlim_max << " is below what the shipped config needs";
  }
  rlimit low = saved;
  low.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  TempDir data("quanyu-data");
  Process quanyu({kBinary, "serve", "--config", kConfig, "--listen", "127.0.0.1:0", "--data-dir",
                  (data / "state").string()});
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(quanyu.wait_for_stdout("Quanyu is listening on", 60s)) << quanyu.err();
  // live.max_connections 2000 + 256 (the shipped config enables no TCP feed listener).
  EXPECT_THAT(quanyu.err(), testing::HasSubstr("open files limit raised from 1024 to 2256"));
  std::ifstream limits("/proc/" + std::to_string(quanyu.pid()) + "/limits");
  std::string line;
  std::string open_files;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) open_files = line;
  }
  EXPECT_THAT(open_files, testing::ContainsRegex("Max open files +2256 "));
  quanyu.signal(SIGTERM);
  EXPECT_EQ(quanyu.wait(10s), 0) << quanyu.err();
}

TEST(Serve, DistrictsOptionReplacesTheJurisdictionSource) {
  TempDir dir;
  // Two squares standing in for districts.
  write_file(
      dir / "two.geojson",
      R"({"type":"FeatureCollection","features":[)"
      R"({"type":"Feature","properties":{"adcode":"500901","name":"甲区"},"geometry":{"type":"Polygon","coordinates":[[[106,29],[107,29],[107,30],[106,30],[106,29]]]}},)"
      R"({"type":"Feature","properties":{"adcode":"500902","name":"乙区"},"geometry":{"type":"Polygon","coordinates":[[[107,29],[108,29],[108,30],[107,30],[107,29]]]}}]})");
  Process quanyu({kBinary, "serve", "--config", kConfig, "--listen", "127.0.0.1:0", "--data-dir",
                  (dir / "data").string(), "--districts", (dir / "two.geojson").string()});
  ASSERT_TRUE(quanyu.wait_for_stdout("Quanyu is listening on", 60s)) << quanyu.err();
  const int port = listening_port(quanyu.out());
  const auto locate = http_request(port, "GET", "/api/v1/locate?lon=107.5&lat=29.5", kWall);
  EXPECT_THAT(locate.body, testing::HasSubstr(R"("adcode":"500902")"));
  quanyu.signal(SIGINT);
  EXPECT_EQ(quanyu.wait(10s), 0);
}

TEST(Serve, PortInUseIsOneClearLine) {
  TempDir dir;
  Process first({kBinary, "serve", "--config", kConfig, "--listen", "127.0.0.1:0", "--data-dir",
                 (dir / "a").string()});
  ASSERT_TRUE(first.wait_for_stdout("Quanyu is listening on", 60s)) << first.err();
  const std::string taken = "127.0.0.1:" + std::to_string(listening_port(first.out()));
  Process second({kBinary, "serve", "--config", kConfig, "--listen", taken, "--data-dir",
                  (dir / "b").string()});
  EXPECT_EQ(second.wait(60s), 1);
  EXPECT_THAT(second.err(), testing::HasSubstr("listen on " + taken));
}

TEST(LayersCheck, PrintsEachLayersCountsCrsExtentAndRepairs) {
  Process check({kBinary, "layers", "check", "--config", kConfig});
  ASSERT_EQ(check.wait(60s), 0) << check.err();
  // districts  jurisdiction  38  EPSG:4326  <extent>  7  0
  EXPECT_THAT(
      check.out(),
      testing::ContainsRegex(
          R"(districts +jurisdiction +38 +EPSG:4326 +105[.][0-9]+,28[.][0-9]+ [.][.] 110[.][0-9]+,32[.][0-9]+ +7 +0)"));
  for (const char* layer : {"resources", "sensors", "sensitive", "rivers"}) {
    EXPECT_THAT(check.out(), testing::HasSubstr(layer));
  }
}

TEST(Cli, BadLayerStopsStartUpWithOneLineNamingFileLayerAndField) {
  TempDir dir;
  std::string config = read_file(kConfig);
  config.replace(config.find("fields: { adcode: adcode"), 24, "fields: { adcode: code  ");
  config.replace(config.find("source: chongqing-districts.geojson"), 35,
                 "source: " + std::string(QUANYU_CONFIG_DIR) + "/chongqing-districts.geojson");
  write_file(dir / "bad.yaml", config);
  Process quanyu({kBinary, "serve", "--config", (dir / "bad.yaml").string(), "--data-dir",
                  (dir / "data").string()});
  EXPECT_EQ(quanyu.wait(60s), 1);
  const std::string& err = quanyu.err();
  EXPECT_THAT(err,
              testing::ContainsRegex(
                  "critical .*chongqing-districts.geojson: layer 'districts' \\(jurisdiction\\): "
                  "field 'code' \\(for 'adcode'\\) not found"));
  // The error is said once, and nothing after it.
  EXPECT_EQ(err.find("critical"), err.rfind("critical")) << err;
  EXPECT_EQ(err.find('\n', err.find("critical")), err.size() - 1) << err;
}

TEST(Cli, HelpOnEveryCommand) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"},
                                               {"serve", "--help"},
                                               {"layers", "check", "--help"},
                                               {"token", "hash", "--help"}}) {
    std::vector<std::string> argv{kBinary};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    EXPECT_EQ(p.wait(10s), 0) << args.front();
    EXPECT_THAT(p.out(), testing::HasSubstr("Usage")) << args.front();
  }
  Process serve_help({kBinary, "serve", "--help"});
  serve_help.wait(10s);
  for (const char* option : {"--config", "--listen", "--data-dir", "--districts"}) {
    EXPECT_THAT(serve_help.out(), testing::HasSubstr(option));
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  Process unknown({kBinary, "frobnicate"});
  EXPECT_EQ(unknown.wait(10s), 2);
  EXPECT_THAT(unknown.err(), testing::HasSubstr("unknown command 'frobnicate'"));
  Process no_config({kBinary, "serve"});
  EXPECT_EQ(no_config.wait(10s), 2);
  EXPECT_THAT(no_config.err(), testing::HasSubstr("--config FILE is required"));
  Process bad_option({kBinary, "serve", "--config", kConfig, "--colour"});
  EXPECT_EQ(bad_option.wait(10s), 2);
}

TEST(Cli, TokenHashPrintsTheSha256) {
  Process hash({kBinary, "token", "hash", "quanyu-demo-wall"});
  EXPECT_EQ(hash.wait(10s), 0);
  EXPECT_EQ(hash.out(), "c102dd98817d45f954f9f8cc8d9775e3ccc2b16f976b83e006d1f8a0015f5419\n");
}

}  // namespace
}  // namespace quanyu::test
