// Durable ingest on the real binary: every acknowledged observation and command survives kill -9,
// and malformed requests are answered with their code while the server keeps serving.
#include <signal.h>

#include <chrono>
#include <ctime>

#include "gtest_include.hpp"
#include "process.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;

const std::string kBinary = QUANYU_BINARY;
const std::string kConfig = std::string(QUANYU_CONFIG_DIR) + "/quanyu.yaml";
const std::string kFeed =
    "Authorization: Bearer quanyu-demo-feed\r\nContent-Type: application/json\r\n";
const std::string kDuty = "Authorization: Bearer quanyu-demo-duty\r\n";

std::vector<std::string> serve_args(const TempDir& data, int port) {
  return {kBinary,      "serve",
          "--config",   kConfig,
          "--listen",   "127.0.0.1:" + std::to_string(port),
          "--data-dir", (data / "state").string()};
}

/// A smoke detection at a distinct place per n, so each opens its own incident.
std::string smoke(int n) {
  return R"({"id":"kill9-)" + std::to_string(n) + R"(","source":"it","observedAt":")" + now_utc() +
         R"(","position":{"x":)" + std::to_string(106.0 + 0.05 * (n % 60)) + R"(,"y":)" +
         std::to_string(28.8 + 0.05 * (n / 60)) + R"(},"smokeDetection":{"towerId":"t)" +
         std::to_string(n) + R"(","confidence":0.5}})";
}

TEST(Ingest, AcknowledgedDataSurvivesKill9) {
  TempDir data("quanyu-kill9");
  const int port = free_port();
  int acknowledged = 0;
  std::string acked_task;
  {
    Process quanyu(serve_args(data, port));
    ASSERT_EQ(wait_until_listening(quanyu), port) << quanyu.err();
    for (int n = 0; n < 40; ++n) {
      const auto reply = http_request(port, "POST", "/api/v1/observations", kFeed, smoke(n));
      ASSERT_EQ(reply.status, 202) << reply.body;
      ++acknowledged;
    }
    const auto ack = http_request(port, "POST", "/api/v1/incidents/INC-000003/ack", kDuty);
    ASSERT_EQ(ack.status, 200) << ack.body;
    const auto task = http_request(port, "POST", "/api/v1/incidents/INC-000003/tasks", kDuty);
    ASSERT_EQ(task.status, 201) << task.body;
    acked_task = task.body.substr(task.body.find("TASK-"), 11);
    quanyu.signal(SIGKILL);  // no flush, no snapshot
    EXPECT_EQ(quanyu.wait(10s), -1);
  }
  Process again(serve_args(data, port));
  ASSERT_EQ(wait_until_listening(again), port) << again.err();
  EXPECT_THAT(again.err(), testing::HasSubstr("entries replayed"));
  const auto incidents = http_request(port, "GET", "/api/v1/incidents", kDuty);
  ASSERT_EQ(incidents.status, 200);
  for (int n = 1; n <= acknowledged; ++n) {
    char id[16];
    std::snprintf(id, sizeof id, "INC-%06d", n);
    EXPECT_THAT(incidents.body, testing::HasSubstr(std::string("\"id\":\"") + id + "\"")) << id;
  }
  const auto three = http_request(port, "GET", "/api/v1/incidents/INC-000003", kDuty);
  EXPECT_THAT(three.body, testing::HasSubstr("INCIDENT_STATUS_DISPATCHED"));
  EXPECT_THAT(http_request(port, "GET", "/api/v1/tasks", kDuty).body,
              testing::HasSubstr(acked_task));
  // Resending after the restart is recognised as a duplicate: the ids survived too.
  EXPECT_EQ(http_request(port, "POST", "/api/v1/observations", kFeed, smoke(0)).body,
            R"({"accepted":0,"duplicates":1})");
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(10s), 0) << again.err();
}

TEST(Ingest, MalformedRequestsGetTheirCodeAndTheServerKeepsServing) {
  TempDir data("quanyu-bad");
  const int port = free_port();
  Process quanyu(serve_args(data, port));
  ASSERT_EQ(wait_until_listening(quanyu), port) << quanyu.err();
  struct Case {
    std::string method, target, headers, body;
    int status;
    std::string code;
  };
  const std::string json = "Content-Type: application/json\r\n";
  const std::string feed = "Authorization: Bearer quanyu-demo-feed\r\n";
  const std::vector<Case> cases = {
      {"POST", "/api/v1/observations", json, "{}", 401, "unauthorized"},
      {"POST", "/api/v1/observations", feed + json, "{not json", 400, "invalid_json"},
      {"POST", "/api/v1/observations", feed + json, "[]", 400, "empty_batch"},
      {"POST", "/api/v1/observations", feed + "Content-Type: text/csv\r\n", "a,b", 415,
       "unsupported_media_type"},
      {"POST", "/api/v1/observations", feed + "Content-Type: application/x-protobuf\r\n",
       "\xff\xff\xff", 400, "invalid_protobuf"},
      {"POST", "/api/v1/observations", feed + json,
       R"({"source":"x","observedAt":"2001-01-01T00:00:00Z","gaugeReading":{"gaugeId":"WG-0060105001","waterLevelM":1}})",
       400, "stale_observation"},
      {"POST", "/api/v1/observations", feed + json,
       R"({"source":"x","observedAt":")" + now_utc() +
           R"(","smokeDetection":{"towerId":"nowhere","confidence":0.5}})",
       400, "unknown_sensor"},
      {"POST", "/api/v1/observations", feed + json, std::string(5 << 20, ' '), 413,
       "payload_too_large"},
      {"DELETE", "/api/v1/incidents", kDuty, "", 405, "method_not_allowed"},
      {"POST", "/api/v1/incidents/INC-404/ack", kDuty, "", 404, "unknown_incident"},
      {"GET", "/api/v1/incidents?status=burning", kDuty, "", 400, "invalid_status"},
      {"PATCH", "/api/v1/tasks/TASK-1", kDuty + json, "{\"state\":\"NOPE\"}", 400, "invalid_json"},
      {"GET", "/api/v1/incidents", feed, "", 403, "forbidden"},
  };
  for (const auto& c : cases) {
    const auto reply = http_request(port, c.method, c.target, c.headers, c.body);
    if (c.status == 413 && reply.status == 0) continue;  // reset mid-upload is also a refusal
    EXPECT_EQ(reply.status, c.status) << c.method << " " << c.target << ": " << reply.body;
    EXPECT_THAT(reply.body, testing::HasSubstr("\"code\":\"" + c.code + "\"")) << c.target;
    // ...and the server is still there.
    EXPECT_EQ(http_request(port, "GET", "/healthz").status, 200) << "after " << c.code;
  }
  const auto metrics = http_request(port, "GET", "/metrics");
  EXPECT_THAT(metrics.body,
              testing::HasSubstr(R"(quanyu_refusals_total{reason="invalid_json"} 2)"));
  EXPECT_THAT(metrics.body,
              testing::HasSubstr(R"(quanyu_refusals_total{reason="unknown_sensor"} 1)"));
  quanyu.signal(SIGTERM);
  EXPECT_EQ(quanyu.wait(10s), 0);
}

}  // namespace
}  // namespace quanyu::test
