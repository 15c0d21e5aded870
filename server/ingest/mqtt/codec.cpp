#include "server/ingest/mqtt/codec.hpp"

namespace quanyu::ingest::mqtt {
namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}

// Fixed header: type and flags, then the remaining length as 1..4 base-128 digits.
std::string packet(PacketType type, std::uint8_t flags, const std::string& body) {
  std::string out;
  out += static_cast<char>((static_cast<std::uint8_t>(type) << 4) | (flags & 0x0F));
  std::size_t n = body.size();
  do {
    std::uint8_t digit = n % 128;
    n /= 128;
    if (n > 0) digit |= 0x80;
    out += static_cast<char>(digit);
  } while (n > 0);
  out += body;
  return out;
}

Error malformed(const std::string& what) { return Error{"malformed_mqtt", what}; }

/// A cursor over a packet's variable header and payload.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > bytes_.size()) return false;
    v = static_cast<std::uint8_t>(bytes_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > bytes_.size()) return false;
    v = static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes_[pos_]) << 8) |
                                   static_cast<std::uint8_t>(bytes_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool string(std::string& s) {
    std::uint16_t n = 0;
    if (!u16(n) || pos_ + n > bytes_.size()) return false;
    s.assign(bytes_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  std::string_view rest() const { return bytes_.substr(pos_); }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

Result<Packet> decode_body(std::uint8_t first, std::string_view body) {
  Packet p;
  p.type = static_cast<PacketType>(first >> 4);
  p.flags = first & 0x0F;
  Reader r(body);
  switch (p.type) {
    case PacketType::connack: {
      std::uint8_t ack_flags = 0;
      if (p.flags != 0 || !r.u8(ack_flags) || !r.u8(p.return_code) || !r.done()) {
        return malformed("CONNACK must be 2 bytes with flags 0");
      }
      p.session_present = (ack_flags & 1) != 0;
      return p;
    }
    case PacketType::publish: {
      p.qos = (p.flags >> 1) & 3;
      p.retain = (p.flags & 1) != 0;
      p.dup = (p.flags & 8) != 0;
      if (p.qos == 3) return malformed("PUBLISH with QoS 3");
      if (!r.string(p.topic)) return malformed("PUBLISH topic runs past the packet");
      if (p.topic.empty()) return malformed("PUBLISH with an empty topic");
      if (p.topic.find_first_of("+#") != std::string::npos ||
          p.topic.find('\0') != std::string::npos) {
        return malformed("PUBLISH topic contains a wildcard or NUL");
      }
      if (p.qos > 0) {
        if (!r.u16(p.packet_id)) return malformed("PUBLISH without its packet id");
        if (p.packet_id == 0) return malformed("PUBLISH with packet id 0");
      }
      p.payload.assign(r.rest());
      return p;
    }
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubrel:
    case PacketType::pubcomp:
    case PacketType::unsuback: {
      if (!r.u16(p.packet_id) || !r.done()) return malformed("acknowledgement must be 2 bytes");
      return p;
    }
    case PacketType::suback: {
      if (!r.u16(p.packet_id)) return malformed("SUBACK without its packet id");
      std::uint8_t code = 0;
      while (r.u8(code)) {
        if (code > 2 && code != 0x80)
          return malformed("SUBACK return code " + std::to_string(code));
        p.granted.push_back(code);
      }
      if (p.granted.empty()) return malformed("SUBACK without return codes");
      return p;
    }
    case PacketType::pingresp:
      if (!body.empty()) return malformed("PINGRESP with a body");
      return p;
    default:
      return malformed("packet type " + std::to_string(first >> 4) + " is never sent to a client");
  }
}

}  // namespace

std::string encode_connect(const ConnectOptions& o) {
  std::string body;
  put_string(body, "MQTT");
  body += static_cast<char>(4);  // protocol level 4 = 3.1.1
  std::uint8_t flags = 0;
  if (o.clean_session) flags |= 0x02;
  if (!o.username.empty()) {
    flags |= 0x80;
    if (!o.password.empty()) flags |= 0x40;
  }
  body += static_cast<char>(flags);
  put_u16(body, o.keepalive_s);
  put_string(body, o.client_id);
  if (!o.username.empty()) {
    put_string(body, o.username);
    if (!o.password.empty()) put_string(body, o.password);
  }
  return packet(PacketType::connect, 0, body);
}

std::string encode_subscribe(std::uint16_t packet_id, const std::vector<std::string>& filters,
                             std::uint8_t qos) {
  std::string body;
  put_u16(body, packet_id);
  for (const auto& f : filters) {
    put_string(body, f);
    body += static_cast<char>(qos);
  }
  return packet(PacketType::subscribe, 0x02, body);  // flags 0010 are required for SUBSCRIBE
}

std::string encode_puback(std::uint16_t packet_id) {
  std::string body;
  put_u16(body, packet_id);
  return packet(PacketType::puback, 0, body);
}

std::string encode_pingreq() { return packet(PacketType::pingreq, 0, {}); }
std::string encode_disconnect() { return packet(PacketType::disconnect, 0, {}); }

std::string encode_publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                           std::uint16_t packet_id, bool retain, bool dup) {
  std::string body;
  put_string(body, topic);
  if (qos > 0) put_u16(body, packet_id);
  body.append(payload);
  const auto flags = static_cast<std::uint8_t>((dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0));
  return packet(PacketType::publish, flags, body);
}

const char* connack_reason(std::uint8_t code) {
  switch (code) {
    case 0:
      return "accepted";
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client identifier rejected";
    case 3:
      return "server unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized";
    default:
      return "unknown return code";
  }
}

Result<std::optional<Packet>> Decoder::next() {
  const std::string_view rest = std::string_view(buffer_).substr(consumed_);
  if (rest.size() < 2) return std::optional<Packet>{};
  std::size_t length = 0;
  std::size_t multiplier = 1;
  std::size_t pos = 1;
  while (true) {
    if (pos >= rest.size()) return std::optional<Packet>{};
    if (pos > 4) return malformed("remaining length longer than 4 bytes");
    const auto digit = static_cast<std::uint8_t>(rest[pos++]);
    length += (digit & 0x7F) * multiplier;
    if ((digit & 0x80) == 0) break;
    multiplier *= 128;
  }
  if (length > max_packet_bytes_) {
    return malformed("packet of " + std::to_string(length) + " bytes exceeds the limit of " +
                     std::to_string(max_packet_bytes_));
  }
  if (rest.size() < pos + length) return std::optional<Packet>{};
  auto packet = decode_body(static_cast<std::uint8_t>(rest[0]), rest.substr(pos, length));
  consumed_ += pos + length;
  if (!packet) return packet.error();
  return std::optional<Packet>(std::move(packet).value());
}

Result<Packet> decode_packet(std::string_view bytes) {
  Decoder decoder(bytes.size() + 8);
  decoder.feed(bytes);
  auto next = decoder.next();
  if (!next) return next.error();
  if (!next.value()) return malformed("incomplete packet");
  return std::move(*next.value());
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  // Topics starting with '$' are not matched by filters starting with a wildcard.
  if (!topic.empty() && topic[0] == '$' && !filter.empty() &&
      (filter[0] == '+' || filter[0] == '#')) {
    return false;
  }
  while (true) {
    const auto fs = filter.find('/');
    const auto ts = topic.find('/');
    const std::string_view f = filter.substr(0, fs);
    const std::string_view t = topic.substr(0, ts);
    if (f == "#") return true;
    if (f != "+" && f != t) return false;
    if (fs == std::string_view::npos || ts == std::string_view::npos) {
      // "a/#" also matches "a".
      return fs == ts || (ts == std::string_view::npos && filter.substr(fs + 1) == "#");
    }
    filter.remove_prefix(fs + 1);
    topic.remove_prefix(ts + 1);
  }
}

}  // namespace quanyu::ingest::mqtt
