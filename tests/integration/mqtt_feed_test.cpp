// The MQTT feed against a real broker: Debian's mosquitto on a loopback port, with Debian's
// mosquitto_pub as an independent publisher. Observations published with QoS 1 reach the
// picture; malformed ones are counted and dropped; Quanyu reconnects when the broker restarts,
// and messages published while Quanyu is down arrive once it is back (persistent session).
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "feed_config.hpp"
#include "gtest_include.hpp"
#include "process.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;

const std::string kMosquitto = "/usr/sbin/mosquitto";
const std::string kPublish = "/usr/bin/mosquitto_pub";
const std::string kDuty = "Authorization: Bearer quanyu-demo-duty\r\n";

/// A broker on 127.0.0.1:port without persistence (sessions live as long as the broker does).
class Broker {
 public:
  Broker(const TempDir& dir, int port) : port_(port) {
    config_ = (dir / "mosquitto.conf").string();
    std::ofstream(config_) << "listener " << port << " 127.0.0.1\nallow_anonymous true\n"
                           << "persistence false\nlog_type error\n";
    start();
  }
  void start() {
    process_ = std::make_unique<Process>(std::vector<std::string>{kMosquitto, "-c", config_});
    for (int i = 0; i < 100 && !accepting(); ++i) {
      std::this_thread::sleep_for(50ms);
    }
  }
  void kill9() {
    process_->signal(SIGKILL);
    process_->wait(5s);
  }
  bool accepting() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }

 private:
  int port_;
  std::string config_;
  std::unique_ptr<Process> process_;
};

/// Publishes one message with QoS 1 through mosquitto_pub; true when it was delivered.
bool publish(int port, const std::string& topic, const std::string& payload) {
  Process pub({kPublish, "-h", "127.0.0.1", "-p", std::to_string(port), "-q", "1", "-t", topic,
               "-m", payload});
  return pub.wait(10s) == 0;
}

std::string gauge(const std::string& id, double level) {
  return R"({"id":")" + id + R"(","observedAt":")" + now_utc() +
         R"(","gaugeReading":{"gaugeId":"WG-0060105001","waterLevelM":)" + std::to_string(level) +
         "}}";
}

/// Polls the flood incident (with all its evidence) until it mentions `needle` (up to 10 s).
bool picture_mentions(int port, const std::string& needle) {
  for (int i = 0; i < 200; ++i) {
    const auto reply = http_request(port, "GET", "/api/v1/incidents/INC-000001", kDuty);
    if (reply.body.find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(MqttFeed, ObservationsFromARealBrokerReachThePicture) {
  ASSERT_EQ(::access(kMosquitto.c_str(), X_OK), 0) << "run scripts/install-deps.sh --test";
  ASSERT_EQ(::access(kPublish.c_str(), X_OK), 0) << "run scripts/install-deps.sh --test";
  TempDir dir("quanyu-mqtt");
  const int broker_port = free_port();
  Broker broker(dir, broker_port);
  ASSERT_TRUE(broker.accepting());
  const std::string config = write_feed_config(dir, R"(feeds:
  mqtt:
    enabled: true
    broker: 127.0.0.1:)" + std::to_string(broker_port) + R"(
    client_id: quanyu-test
    topics: ["quanyu/observations/#"]
    keepalive_s: 2
    reconnect_max_s: 1
)");
  const int port = free_port();
  const std::vector<std::string> args = {QUANYU_BINARY, "serve",
                                         "--config",    config,
                                         "--listen",    "127.0.0.1:" + std::to_string(port),
                                         "--data-dir",  (dir / "state").string()};
  auto quanyu = std::make_unique<Process>(args);
  ASSERT_EQ(wait_until_listening(*quanyu), port) << quanyu->err();
  ASSERT_TRUE(quanyu->wait_for_stderr("subscribed to 'quanyu/observations/#'", 10s))
      << quanyu->err();

  // 1. A reading above the warning level (207.9 m) opens a flood incident.
  ASSERT_TRUE(publish(broker_port, "quanyu/observations/jiangjin", gauge("mq-1", 208.5)));
  EXPECT_TRUE(picture_mentions(port, "WG-0060105001")) << quanyu->err();
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="mqtt",result="accepted"} )"), "1");

  // 2. Malformed JSON and a refused observation are counted, logged and dropped.
  ASSERT_TRUE(publish(broker_port, "quanyu/observations/x", R"({"gaugeReading":)"));
  ASSERT_TRUE(publish(
      broker_port, "quanyu/observations/x",
      R"({"observedAt":"2020-01-01T00:00:00Z","gaugeReading":{"gaugeId":"WG-0060105001","waterLevelM":1}})"));
  ASSERT_TRUE(quanyu->wait_for_stderr("feed=mqtt device=mqtt:quanyu/observations/x refused", 10s))
      << quanyu->err();
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="mqtt",result="malformed"} )"), "1");
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="mqtt",result="refused"} )"), "1");

  // 3. The broker dies and comes back: Quanyu reconnects on its own.
  const std::size_t connects = quanyu->count_in_stderr("feed=mqtt connected");
  broker.kill9();
  ASSERT_TRUE(quanyu->wait_for_stderr("feed=mqtt connection lost", 10s)) << quanyu->err();
  broker.start();
  ASSERT_TRUE(quanyu->wait_for_stderr("feed=mqtt connected", 15s, connects)) << quanyu->err();
  ASSERT_TRUE(quanyu->wait_for_stderr("subscribed to", 10s, connects)) << quanyu->err();
  ASSERT_TRUE(publish(broker_port, "quanyu/observations/jiangjin", gauge("mq-2", 208.7)));
  EXPECT_TRUE(picture_mentions(port, "mq-2")) << quanyu->err();

  // 4. Quanyu is killed; what is published meanwhile waits in its session at the broker and
  //    arrives when it is back.
  quanyu->signal(SIGKILL);
  quanyu->wait(10s);
  ASSERT_TRUE(publish(broker_port, "quanyu/observations/jiangjin", gauge("mq-3", 208.9)));
  quanyu = std::make_unique<Process>(args);
  ASSERT_EQ(wait_until_listening(*quanyu), port) << quanyu->err();
  EXPECT_TRUE(picture_mentions(port, "mq-3")) << quanyu->err();
  EXPECT_TRUE(picture_mentions(port, "mq-1"));  // and what was acknowledged before survived
  quanyu->signal(SIGTERM);
  EXPECT_EQ(quanyu->wait(15s), 0) << quanyu->err();
}

}  // namespace
}  // namespace quanyu::test
