// MQTT 3.1.1 packets (OASIS standard, 29 October 2014), checked against the standard's own
// examples: the remaining-length table (§2.2.3, Table 2.4), the CONNECT variable header example
// (§3.1.2.10, Figure 3.6), and the PUBLISH example (§3.3.2.3, Table 3.3).
#include "server/ingest/mqtt/codec.hpp"

#include <fstream>
#include <sstream>

#include "gtest_include.hpp"
#include "server/ingest/mqtt/observation_json.hpp"

namespace quanyu::ingest::mqtt {
namespace {

std::string sample(const std::string& name) {
  std::ifstream in(std::string(QUANYU_SOURCE_DIR) + "/tests/ingest/mqtt/samples/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

TEST(MqttCodec, RemainingLengthTableOfTheStandard) {
  // Table 2.4: 127 = 0x7F, 128 = 0x80 0x01, 16383 = 0xFF 0x7F, 16384 = 0x80 0x80 0x01.
  for (const auto& [length, encoded] :
       {std::pair{std::size_t{0}, bytes({0x00})}, std::pair{std::size_t{127}, bytes({0x7F})},
        std::pair{std::size_t{128}, bytes({0x80, 0x01})},
        std::pair{std::size_t{16383}, bytes({0xFF, 0x7F})},
        std::pair{std::size_t{16384}, bytes({0x80, 0x80, 0x01})}}) {
    // A QoS 0 PUBLISH with topic "a" has 3 bytes of header before the payload.
    const std::string payload(length >= 3 ? length - 3 : 0, 'x');
    if (length < 3) continue;
    const std::string packet = encode_publish("a", payload, 0, 0);
    EXPECT_EQ(packet.substr(1, encoded.size()), encoded) << length;
    auto decoded = decode_packet(packet);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->payload.size(), payload.size());
  }
}

TEST(MqttCodec, ConnectVariableHeaderAsInTheStandard) {
  ConnectOptions o;
  o.client_id = "quanyu";
  o.keepalive_s = 10;
  o.clean_session = false;
  o.username = "u";
  o.password = "p";
  const std::string packet = encode_connect(o);
  // Figure 3.6: protocol name "MQTT", level 4, connect flags, keep alive 10 (0x00 0x0A). Flags
  // here: user name (0x80) and password (0x40), no clean session.
  EXPECT_EQ(packet[0], '\x10');
  EXPECT_EQ(packet.substr(2, 10), bytes({0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xC0, 0x00, 0x0A}));
  EXPECT_EQ(packet.substr(12),
            bytes({0x00, 0x06, 'q', 'u', 'a', 'n', 'y', 'u', 0x00, 0x01, 'u', 0x00, 0x01, 'p'}));
  EXPECT_EQ(static_cast<std::size_t>(packet[1]), packet.size() - 2);
}

TEST(MqttCodec, PublishExampleOfTheStandard) {
  // Table 3.3: topic "a/b", packet identifier 10.
  const std::string packet = encode_publish("a/b", "", 1, 10);
  EXPECT_EQ(packet, bytes({0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A}));
  auto p = decode_packet(packet);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, PacketType::publish);
  EXPECT_EQ(p->topic, "a/b");
  EXPECT_EQ(p->packet_id, 10);
  EXPECT_EQ(p->qos, 1);
}

TEST(MqttCodec, SubscribePubackPingDisconnect) {
  EXPECT_EQ(encode_subscribe(1, {"a/#"}, 1),
            bytes({0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 'a', '/', '#', 0x01}));
  EXPECT_EQ(encode_puback(0x1234), bytes({0x40, 0x02, 0x12, 0x34}));
  EXPECT_EQ(encode_pingreq(), bytes({0xC0, 0x00}));
  EXPECT_EQ(encode_disconnect(), bytes({0xE0, 0x00}));
}

TEST(MqttCodec, StreamOfBrokerPacketsSplitAnywhere) {
  const std::string stream = sample("stream.bin");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    Decoder d;
    std::vector<Packet> packets;
    for (const auto& part : {stream.substr(0, cut), stream.substr(cut)}) {
      d.feed(part);
      while (true) {
        auto next = d.next();
        ASSERT_TRUE(next) << next.error().message;
        if (!next.value()) break;
        packets.push_back(std::move(*next.value()));
      }
    }
    ASSERT_EQ(packets.size(), 4u) << "cut at " << cut;
    EXPECT_EQ(packets[0].type, PacketType::connack);
    EXPECT_EQ(packets[1].type, PacketType::suback);
    EXPECT_EQ(packets[1].granted, std::vector<std::uint8_t>{1});
    EXPECT_EQ(packets[2].type, PacketType::publish);
    EXPECT_EQ(packets[2].qos, 1);
    EXPECT_TRUE(packets[2].retain);
    EXPECT_EQ(packets[2].packet_id, 9);
    EXPECT_EQ(packets[3].type, PacketType::pingresp);
  }
}

TEST(MqttCodec, SamplesDecode) {
  auto connack = decode_packet(sample("connack_session_present.bin"));
  ASSERT_TRUE(connack);
  EXPECT_TRUE(connack->session_present);
  EXPECT_EQ(connack->return_code, 0);
  auto suback = decode_packet(sample("suback.bin"));
  ASSERT_TRUE(suback);
  EXPECT_EQ(suback->granted, (std::vector<std::uint8_t>{1, 0x80}));
  auto publish = decode_packet(sample("publish_qos1.bin"));
  ASSERT_TRUE(publish);
  EXPECT_EQ(publish->topic, "quanyu/observations/gauge");
  EXPECT_EQ(publish->payload, sample("observation.json"));
}

TEST(MqttCodec, MalformedPacketsAreNamed) {
  for (const auto& [packet, why] :
       {std::pair{bytes({0x20, 0x03, 0x00, 0x00, 0x00}), "CONNACK"},
        std::pair{bytes({0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01}), "QoS 3"},
        std::pair{bytes({0x30, 0x02, 0x00, 0x05}), "topic runs past"},
        std::pair{bytes({0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x00}), "packet id 0"},
        std::pair{bytes({0x30, 0x03, 0x00, 0x01, '#'}), "wildcard"},
        std::pair{bytes({0x10, 0x00}), "never sent to a client"},
        std::pair{bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), "longer than 4 bytes"}}) {
    auto p = decode_packet(packet);
    ASSERT_FALSE(p) << why;
    EXPECT_EQ(p.error().code, "malformed_mqtt");
    EXPECT_NE(p.error().message.find(why), std::string::npos) << p.error().message;
  }
  Decoder small(64);
  small.feed(encode_publish("a", std::string(100, 'x'), 0, 0));
  auto next = small.next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message.find("exceeds the limit"), std::string::npos);
}

TEST(MqttCodec, TopicFilters) {
  EXPECT_TRUE(topic_matches("quanyu/#", "quanyu/observations/gauge"));
  EXPECT_TRUE(topic_matches("quanyu/#", "quanyu"));
  EXPECT_TRUE(topic_matches("quanyu/+/gauge", "quanyu/observations/gauge"));
  EXPECT_FALSE(topic_matches("quanyu/+", "quanyu/observations/gauge"));
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/uptime"));
  EXPECT_TRUE(topic_matches("a/b", "a/b"));
  EXPECT_FALSE(topic_matches("a/b", "a/c"));
}

TEST(ObservationJson, OneArrayOrBatch) {
  const std::string one = sample("observation.json");
  auto single = parse_observation_json(one);
  ASSERT_TRUE(single) << single.error().message;
  ASSERT_EQ(single->observations_size(), 1);
  EXPECT_EQ(single->observations(0).gauge_reading().gauge_id(), "WG-0060105001");
  EXPECT_DOUBLE_EQ(single->observations(0).gauge_reading().water_level_m(), 3.2);
  auto array = parse_observation_json("[" + one + "," + one + "]");
  ASSERT_TRUE(array);
  EXPECT_EQ(array->observations_size(), 2);
  auto batch = parse_observation_json(R"({"observations":[)" + one + "]}");
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->observations_size(), 1);
}

TEST(ObservationJson, ErrorsSayWhy) {
  auto empty = parse_observation_json("  ");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "invalid_json");
  auto unknown = parse_observation_json(R"({"gaugeReadin":{}})");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("gaugeReadin"), std::string::npos)
      << unknown.error().message;
  EXPECT_FALSE(parse_observation_json("{\"id\":"));
}

}  // namespace
}  // namespace quanyu::ingest::mqtt
