// The HTTP feed routes on the real binary: Hikvision ISAPI and Dahua event pushes (published
// samples with the time moved to now), CAP 1.2 import of a Chinese warning placed by its adcode,
// and CAP export of an incident, checked with xmllint against the OASIS schema the project
// carries (tests/ingest/cap/cap-1.2.xsd).
#include <signal.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

#include "feed_config.hpp"
#include "gtest_include.hpp"
#include "process.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;

const std::string kFeed = "Authorization: Bearer quanyu-demo-feed\r\n";
const std::string kDuty = "Authorization: Bearer quanyu-demo-duty\r\n";
const std::string kWall = "Authorization: Bearer quanyu-demo-wall\r\n";
// Basic base64("admin:quanyu-demo-feed"): what a camera's HTTP host settings can send.
const std::string kCameraBasic = "Authorization: Basic YWRtaW46cXVhbnl1LWRlbW8tZmVlZA==\r\n";

std::string sample(const std::string& path) {
  std::ifstream in(std::string(QUANYU_SOURCE_DIR) + "/tests/ingest/" + path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Beijing time now, "YYYY-MM-DDThh:mm:ss".
std::string beijing_now() {
  const std::time_t t = std::time(nullptr) + 8 * 3600;
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", std::gmtime(&t));
  return out;
}

std::string with_time(std::string xml, const std::string& element, const std::string& value) {
  const auto open = xml.find("<" + element + ">");
  const auto close = xml.find("</" + element + ">");
  if (open == std::string::npos || close == std::string::npos) return xml;
  const auto from = open + element.size() + 2;
  return xml.replace(from, close - from, value);
}

class HttpFeeds : public testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    quanyu_ = std::make_unique<Process>(std::vector<std::string>{
        QUANYU_BINARY, "serve", "--config", std::string(QUANYU_CONFIG_DIR) + "/quanyu.yaml",
        "--listen", "127.0.0.1:" + std::to_string(port_), "--data-dir",
        (data_ / "state").string()});
    ASSERT_EQ(wait_until_listening(*quanyu_), port_) << quanyu_->err();
  }
  void TearDown() override {
    quanyu_->signal(SIGTERM);
    EXPECT_EQ(quanyu_->wait(15s), 0) << quanyu_->err();
  }
  TempDir data_{"quanyu-http-feeds"};
  int port_ = 0;
  std::unique_ptr<Process> quanyu_;
};

TEST_F(HttpFeeds, CameraPushesBecomeAlarmsAndFireDetections) {
  // Hikvision field detection (intrusion), ver20 namespace, pushed with Basic credentials.
  const std::string field = with_time(sample("camera_push/samples/isapi_fielddetection_ver20.xml"),
                                      "dateTime", beijing_now() + "+08:00");
  auto reply = http_request(port_, "POST", "/api/v1/feeds/isapi/50010100001320000001",
                            kCameraBasic + "Content-Type: application/xml\r\n", field);
  ASSERT_EQ(reply.status, 200) << reply.body << quanyu_->err();
  EXPECT_THAT(reply.body, testing::HasSubstr(R"("accepted":1)"));
  // Resent by the camera: a duplicate. The token may also come in the URL.
  reply =
      http_request(port_, "POST", "/api/v1/feeds/isapi/50010100001320000001?token=quanyu-demo-feed",
                   "Content-Type: application/xml\r\n", field);
  EXPECT_THAT(reply.body, testing::HasSubstr(R"("accepted":0,"duplicates":1)")) << reply.body;

  // A thermal fire detection with the PTZ bearing in tenths of a degree, from a tower camera.
  const std::string fire =
      with_time(sample("camera_push/samples/isapi_fire_ptz_tenths.xml"), "dateTime", beijing_now());
  reply = http_request(port_, "POST", "/api/v1/feeds/isapi/50010200001310000001",
                       kFeed + "Content-Type: application/xml\r\n", fire);
  ASSERT_EQ(reply.status, 200) << reply.body;

  // Dahua: one line, received now.
  reply = http_request(port_, "POST", "/api/v1/feeds/dahua/50010100001320000002",
                       kFeed + "Content-Type: text/plain\r\n",
                       "Code=CrossLineDetection;action=Start;index=0\r\n");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, testing::HasSubstr(R"("accepted":1)"));
  reply = http_request(port_, "POST", "/api/v1/feeds/dahua/50010100001320000002",
                       kFeed + "Content-Type: text/plain\r\n",
                       "Code=CrossLineDetection;action=Stop;index=0\r\n");
  EXPECT_THAT(reply.body, testing::HasSubstr(R"("accepted":0,"duplicates":0,"ended":1)"));

  const auto security = http_request(port_, "GET", "/api/v1/incidents?kind=security", kDuty);
  EXPECT_THAT(security.body, testing::HasSubstr("50010100001320000001"));
  EXPECT_THAT(security.body, testing::HasSubstr("50010100001320000002"));
  const auto fires = http_request(port_, "GET", "/api/v1/incidents?kind=fire", kDuty);
  EXPECT_THAT(fires.body, testing::HasSubstr("涪陵区")) << fires.body;

  // Malformed: 400 naming what is missing, counted; a wall token may not push.
  reply = http_request(port_, "POST", "/api/v1/feeds/isapi/50010100001320000001",
                       kFeed + "Content-Type: application/xml\r\n",
                       "<EventNotificationAlert><dateTime>" + beijing_now() +
                           "</dateTime></EventNotificationAlert>");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, testing::HasSubstr("eventType"));
  EXPECT_EQ(metric(port_, R"(quanyu_feed_messages_total{feed="isapi",result="malformed"} )"), "1");
  EXPECT_EQ(http_request(port_, "POST", "/api/v1/feeds/isapi/x", kWall, field).status, 403);
  EXPECT_EQ(http_request(port_, "POST", "/api/v1/feeds/isapi/x", "", field).status, 401);
  EXPECT_EQ(http_request(port_, "POST", "/api/v1/feeds/onvif/x", kFeed, field).status, 404);
}

TEST_F(HttpFeeds, CapWarningsInAndIncidentsOut) {
  // The Chinese rainstorm warning (two info blocks, area given only by its adcode), sent now.
  const std::time_t t = std::time(nullptr);
  std::string cap = sample("cap/samples/cn_jiangjin_rainstorm.xml");
  cap =
      std::regex_replace(cap, std::regex("2025-07-12T15:30:00\\+08:00"), beijing_now() + "+08:00");
  cap = std::regex_replace(cap, std::regex("2025-07-13T15:30:00\\+08:00"), [&] {
    const std::time_t later = t + 8 * 3600 + 86400;
    char out[40];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S+08:00", std::gmtime(&later));
    return std::string(out);
  }());
  auto reply = http_request(port_, "POST", "/api/v1/cap",
                            kFeed + "Content-Type: application/cap+xml\r\n", cap);
  ASSERT_EQ(reply.status, 202) << reply.body << quanyu_->err();
  EXPECT_EQ(reply.body, R"({"accepted":2,"duplicates":0})");
  const auto warnings = http_request(port_, "GET", "/api/v1/incidents?kind=warning", kDuty);
  EXPECT_THAT(warnings.body, testing::HasSubstr("江津区气象台发布暴雨橙色预警信号"));
  EXPECT_THAT(warnings.body, testing::HasSubstr("SEVERITY_ORANGE"));
  EXPECT_THAT(warnings.body, testing::HasSubstr("\"adcode\":\"500116\""));

  // Not CAP 1.2: refused naming the namespace found.
  reply = http_request(port_, "POST", "/api/v1/cap", kFeed + "Content-Type: application/xml\r\n",
                       sample("cap/samples/cap11_amber.xml"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, testing::HasSubstr("cap:1.1"));

  // Export: the warning incident as CAP 1.2, valid against the OASIS schema.
  reply = http_request(port_, "GET", "/api/v1/incidents/INC-000001/cap", kDuty);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.headers, testing::HasSubstr("application/common-alerting-protocol+xml"));
  const std::string file = (data_ / "export.xml").string();
  std::ofstream(file) << reply.body;
  std::string out;
  const int rc = run("xmllint --noout --schema '" + std::string(QUANYU_SOURCE_DIR) +
                         "/tests/ingest/cap/cap-1.2.xsd' '" + file + "'",
                     &out);
  EXPECT_EQ(rc, 0) << out << reply.body;
  // Identifier: admin code 500000, agency 000, unit 000, extension, Beijing send time, sequence.
  EXPECT_TRUE(std::regex_search(reply.body, std::regex("<identifier>500000000000\\d\\d_"
                                                       "\\d{14}_\\d</identifier>")))
      << reply.body;
  EXPECT_THAT(reply.body, testing::HasSubstr("<sender>quanyu@yjj.cq.gov.cn</sender>"));
  EXPECT_EQ(http_request(port_, "GET", "/api/v1/incidents/INC-999999/cap", kDuty).status, 404);
  EXPECT_EQ(http_request(port_, "POST", "/api/v1/cap", kWall, cap).status, 403);
}

}  // namespace
}  // namespace quanyu::test
