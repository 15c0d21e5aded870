#pragma once
/// MQTT 3.1.1 (OASIS standard) packets a subscribing client needs, as pure encode and decode.
/// Quanyu speaks MQTT itself rather than through libmosquitto or Paho because both acknowledge
/// a QoS 1 PUBLISH as soon as it arrives; Quanyu sends PUBACK only once the observation is in
/// the journal, so a message the broker was told is delivered survives a crash.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::mqtt {

enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
};

struct ConnectOptions {
  std::string client_id;
  std::uint16_t keepalive_s = 30;
  bool clean_session = false;  ///< false: the broker keeps QoS 1 messages while Quanyu is away
  std::string username;        ///< empty: none
  std::string password;        ///< empty: none (only sent with a username)
};

std::string encode_connect(const ConnectOptions& options);
/// SUBSCRIBE with one QoS for every topic filter.
std::string encode_subscribe(std::uint16_t packet_id, const std::vector<std::string>& filters,
                             std::uint8_t qos);
std::string encode_puback(std::uint16_t packet_id);
std::string encode_pingreq();
std::string encode_disconnect();
/// PUBLISH (used by tests and tools; Quanyu itself only subscribes).
std::string encode_publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                           std::uint16_t packet_id, bool retain = false, bool dup = false);

/// A packet received from the broker.
struct Packet {
  PacketType type{};
  std::uint8_t flags = 0;
  // CONNACK
  bool session_present = false;
  std::uint8_t return_code = 0;  ///< 0 accepted; 1..5 refused (see connack_reason)
  // PUBLISH, PUBACK, SUBACK
  std::uint16_t packet_id = 0;
  // PUBLISH
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::string topic;
  std::string payload;
  // SUBACK: granted QoS per filter, 0x80 = refused
  std::vector<std::uint8_t> granted;
};

/// Why a broker refused a connection, from the CONNACK return code.
const char* connack_reason(std::uint8_t code);

/// Splits a byte stream from the broker into packets. After an error the stream cannot be
/// trusted any more: the caller closes the connection.
class Decoder {
 public:
  explicit Decoder(std::size_t max_packet_bytes = std::size_t{1} << 20)
      : max_packet_bytes_(max_packet_bytes) {}

  void feed(std::string_view bytes) {
    // What next() has decoded goes only now: a read of many small packets moves the rest once.
    buffer_.erase(0, consumed_);
    consumed_ = 0;
    buffer_.append(bytes);
  }
  /// The next complete packet, nullopt when more bytes are needed, or an error naming what is
  /// wrong (bad remaining length, packet too large, malformed fields, a type a client never
  /// receives).
  Result<std::optional<Packet>> next();

 private:
  std::size_t max_packet_bytes_;
  std::string buffer_;
  std::size_t consumed_ = 0;  ///< bytes of buffer_ already decoded
};

/// Decodes one whole packet (fixed header included); for tests and the fuzz target.
Result<Packet> decode_packet(std::string_view bytes);

/// Whether a topic name matches a subscription filter with `+` and `#` wildcards.
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace quanyu::ingest::mqtt
