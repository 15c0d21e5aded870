// The live channel on the real binary: WebSocket /ws/situation with the snapshot, deltas after an
// observation posted over HTTP, JSON frames, subscribe, resume, commands, browser-style token,
// refusals, a client that stops reading, and going-away on shutdown.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "gtest_include.hpp"
#include "integration/ws_client.hpp"
#include "process.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;

const std::string kBinary = QUANYU_BINARY;
const std::string kConfig = std::string(QUANYU_CONFIG_DIR) + "/quanyu.yaml";
const std::string kFeed =
    "Authorization: Bearer quanyu-demo-feed\r\nContent-Type: application/json\r\n";

std::string smoke(const std::string& id, double lon, double lat) {
  return R"({"id":")" + id + R"(","source":"live-test","observedAt":")" + now_utc() +
         R"(","position":{"x":)" + std::to_string(lon) + R"(,"y":)" + std::to_string(lat) +
         R"(},"smokeDetection":{"towerId":"tower-)" + id + R"(","confidence":0.6}})";
}

std::string flood(const std::string& id) {
  // A gauge reading above its warning level opens a flood incident.
  return R"({"id":")" + id + R"(","source":"live-test","observedAt":")" + now_utc() +
         R"(","position":{"x":106.60,"y":29.56},"gaugeReading":{"gaugeId":"g-live","waterLevelM":9.5,)"
         R"("warningLevelM":8.0,"guaranteeLevelM":10.0}})";
}

class Live : public testing::Test {
 protected:
  void SetUp() override {
    quanyu_ = std::make_unique<Process>(
        std::vector<std::string>{kBinary, "serve", "--config", kConfig, "--listen", "127.0.0.1:0",
                                 "--data-dir", (data_ / "state").string()});
    port_ = wait_until_listening(*quanyu_);
    ASSERT_GT(port_, 0) << quanyu_->err();
  }

  std::unique_ptr<WsClient> connect(const std::string& token, const std::string& query = "",
                                    int receive_buffer = 0) {
    int status = 0;
    auto client = WsClient::situation(port_, token, query, receive_buffer, &status);
    EXPECT_TRUE(client) << "status " << status;
    return client;
  }

  void post(const std::string& body) {
    const auto reply = http_request(port_, "POST", "/api/v1/observations", kFeed, body);
    ASSERT_EQ(reply.status, 202) << reply.body;
  }

  TempDir data_{"quanyu-live"};
  std::unique_ptr<Process> quanyu_;
  int port_ = 0;
};

TEST_F(Live, SnapshotDeltasSubscribeResumeAndCommands) {
  auto duty = connect("quanyu-demo-duty");
  auto json = connect("quanyu-demo-wall", "?format=json");
  ASSERT_TRUE(duty && json);
  LiveState state;
  auto snapshot = duty->receive(10s);
  ASSERT_TRUE(snapshot && snapshot->has_snapshot());
  state.apply(*snapshot);
  const std::uint64_t first_seq = snapshot->seq();
  bool text = false;
  auto raw = json->receive_raw(10s, &text);
  ASSERT_TRUE(raw);
  EXPECT_TRUE(text);
  EXPECT_THAT(*raw, testing::HasSubstr(R"("snapshot":)"));

  post(smoke("live-1", 106.5775, 29.5574));
  auto delta = duty->receive_until(v1::ServerMessage::kDelta, 10s);
  ASSERT_TRUE(delta);
  EXPECT_GT(delta->seq(), first_seq);
  ASSERT_EQ(delta->delta().incidents_size(), 1);
  const v1::Incident fire = delta->delta().incidents(0);
  EXPECT_EQ(fire.kind(), v1::INCIDENT_KIND_FIRE);
  EXPECT_EQ(fire.district().adcode(), "500103");
  EXPECT_TRUE(delta->delta().has_kpis());
  raw = json->receive_raw(10s, &text);
  ASSERT_TRUE(raw);
  EXPECT_TRUE(text);
  EXPECT_THAT(*raw, testing::HasSubstr(R"("delta":{"incidents":[{"id":")" + fire.id()));

  // Subscribe to floods: a new snapshot without the fire; then a flood arrives as a delta.
  v1::ClientMessage floods;
  floods.mutable_subscribe()->add_kinds(v1::INCIDENT_KIND_FLOOD);
  json->send(floods, true);
  auto flood_snapshot = json->receive_until(v1::ServerMessage::kSnapshot, 10s);
  ASSERT_TRUE(flood_snapshot);
  EXPECT_EQ(flood_snapshot->snapshot().incidents_size(), 0);
  post(flood("live-flood-1"));
  auto flood_delta = json->receive_until(v1::ServerMessage::kDelta, 10s);
  ASSERT_TRUE(flood_delta);
  ASSERT_EQ(flood_delta->delta().incidents_size(), 1);
  EXPECT_EQ(flood_delta->delta().incidents(0).kind(), v1::INCIDENT_KIND_FLOOD);

  // Resume from the first snapshot: the deltas since, from the view's ring.
  while (duty->receive(300ms)) {
  }
  v1::ClientMessage resume;
  resume.mutable_resume()->set_after_seq(first_seq);
  duty->send(resume);
  auto resumed = duty->receive(10s);
  ASSERT_TRUE(resumed);
  ASSERT_TRUE(resumed->has_delta()) << resumed->DebugString();
  EXPECT_EQ(resumed->seq(), delta->seq());
  // From a sequence number the server never held: a snapshot marked resync.
  resume.mutable_resume()->set_after_seq(first_seq + 1'000'000);
  duty->send(resume);
  auto resync = duty->receive_until(v1::ServerMessage::kSnapshot, 10s);
  ASSERT_TRUE(resync);
  EXPECT_TRUE(resync->snapshot().resync());
  EXPECT_EQ(resync->snapshot().incidents_size(), 2);

  // A command with a correlation id, answered on the same connection, then seen as a delta.
  v1::ClientMessage ack;
  ack.mutable_command()->set_correlation_id("it-ack-1");
  ack.mutable_command()->mutable_acknowledge()->set_incident_id(fire.id());
  duty->send(ack);
  auto result = duty->receive_until(v1::ServerMessage::kCommandResult, 10s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->command_result().ok()) << result->command_result().error_message();
  EXPECT_EQ(result->command_result().correlation_id(), "it-ack-1");
  EXPECT_EQ(result->command_result().incident_id(), fire.id());
  auto acked = duty->receive_until(v1::ServerMessage::kDelta, 10s);
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->delta().incidents(0).status(), v1::INCIDENT_STATUS_ACKNOWLEDGED);

  const auto metrics = http_request(port_, "GET", "/metrics");
  EXPECT_THAT(metrics.body, testing::HasSubstr("quanyu_live_clients 2"));
  EXPECT_THAT(metrics.body, testing::HasSubstr("quanyu_live_resyncs_total 1"));
}

TEST_F(Live, BrowsersAuthenticateWithTheSubprotocolAndBadTokensAreRefused) {
  WsClient::Options browser;
  browser.subprotocols = {"quanyu.v1", "quanyu.token.quanyu-demo-wall"};
  browser.target = "/ws/situation?format=json";
  browser.deflate = true;
  int status = 0;
  std::string chosen;
  auto client = WsClient::connect(port_, browser, &status, &chosen);
  ASSERT_TRUE(client) << status;
  EXPECT_EQ(status, 101);
  EXPECT_EQ(chosen, "quanyu.v1");
  ASSERT_TRUE(client->receive_until(v1::ServerMessage::kSnapshot, 10s));

  browser.subprotocols = {"quanyu.v1", "quanyu.token.not-a-token"};
  EXPECT_FALSE(WsClient::connect(port_, browser, &status));
  EXPECT_EQ(status, 401);
  WsClient::Options header;
  header.bearer = "wrong";
  EXPECT_FALSE(WsClient::connect(port_, header, &status));
  EXPECT_EQ(status, 401);
  header.bearer = "quanyu-demo-feed";
  EXPECT_FALSE(WsClient::connect(port_, header, &status));
  EXPECT_EQ(status, 403);
  const auto metrics = http_request(port_, "GET", "/metrics");
  EXPECT_THAT(metrics.body,
              testing::HasSubstr(R"(quanyu_live_refusals_total{reason="unauthorized"} 2)"));
  EXPECT_THAT(metrics.body,
              testing::HasSubstr(R"(quanyu_live_refusals_total{reason="forbidden"} 1)"));
}

TEST_F(Live, AClientThatStopsReadingDoesNotDelayAnother) {
  auto slow = connect("quanyu-demo-duty", "?format=json", 4096);
  auto fast = connect("quanyu-demo-duty");
  ASSERT_TRUE(slow && fast);
  ASSERT_TRUE(slow->receive(10s));  // its snapshot; then it reads nothing
  LiveState state;
  state.apply(*fast->receive_until(v1::ServerMessage::kSnapshot, 10s));
  // Every report joins one fire whose evidence (and so each delta) grows: the slow client's
  // socket fills while the fast one sees each report at once.
  constexpr int kReports = 250;
  double worst_ms = 0;
  for (int n = 0; n < kReports; ++n) {
    post(smoke("grow-" + std::to_string(n), 106.5775 + 0.0001 * (n % 10), 29.5574));
    const auto posted = std::chrono::steady_clock::now();
    const std::string id = "grow-" + std::to_string(n);
    auto has_report = [&] {
      if (state.incidents.size() != 1) return false;
      const auto& evidence = state.incidents.begin()->second.evidence();
      return std::any_of(evidence.begin(), evidence.end(),
                         [&](const v1::Evidence& e) { return e.observation_id() == id; });
    };
    while (!has_report()) {
      auto m = fast->receive(5s);
      ASSERT_TRUE(m) << "report " << n;
      state.apply(*m);
    }
    worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(
                                      std::chrono::steady_clock::now() - posted)
                                      .count());
  }
  EXPECT_LT(worst_ms, 2000.0);
  const auto metrics = http_request(port_, "GET", "/metrics");
  EXPECT_THAT(metrics.body, testing::HasSubstr("quanyu_live_clients 2"));
  // The slow client, reading again, ends with the same state.
  LiveState slow_state;
  const auto final_version = state.incidents.begin()->second.version();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((slow_state.incidents.empty() ||
          slow_state.incidents.begin()->second.version() < final_version) &&
         std::chrono::steady_clock::now() < deadline) {
    auto m = slow->receive(5s);
    ASSERT_TRUE(m);
    slow_state.apply(*m);
  }
  ASSERT_EQ(slow_state.incidents.size(), 1U);
  EXPECT_EQ(slow_state.incidents.begin()->second.version(), final_version);
  const std::string after = http_request(port_, "GET", "/metrics").body;
  const auto at = after.find("\nquanyu_live_deltas_coalesced_total ") + 1;
  std::printf("worst fast-client latency %.1f ms; %s\n", worst_ms,
              after.substr(at, after.find('\n', at) - at).c_str());
}

TEST_F(Live, ShutdownClosesWithGoingAway) {
  auto client = connect("quanyu-demo-wall");
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->receive(10s));
  quanyu_->signal(SIGTERM);
  while (client->receive(5s)) {
  }
  EXPECT_TRUE(client->closed());
  EXPECT_EQ(client->close_reason().code, boost::beast::websocket::close_code::going_away);
  EXPECT_EQ(quanyu_->wait(10s), 0) << quanyu_->err();
}

}  // namespace
}  // namespace quanyu::test
