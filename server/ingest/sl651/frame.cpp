#include "server/ingest/sl651/frame.hpp"

#include "server/ingest/sl651/bcd.hpp"

namespace quanyu::ingest::sl651 {
namespace {

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

std::string hex_byte(std::uint8_t b) { return to_hex(std::string(1, static_cast<char>(b))); }

std::string hex_word(std::uint16_t w) {
  return hex_byte(static_cast<std::uint8_t>(w >> 8)) + hex_byte(static_cast<std::uint8_t>(w));
}

bool is_end_marker(std::uint8_t b) {
  switch (b) {
    case kEtx:
    case kEtb:
    case kEnq:
    case kEot:
    case kAck:
    case kNak:
    case kEsc:
      return true;
    default:
      return false;
  }
}

void put(std::string& out, std::uint8_t b) { out += static_cast<char>(b); }

}  // namespace

std::string format_station(const StationAddress& address) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(address.data()), address.size()));
}

std::uint16_t crc16_modbus(std::string_view bytes) {
  std::uint16_t crc = 0xFFFF;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    crc ^= byte_at(bytes, i);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001)
                           : static_cast<std::uint16_t>(crc >> 1);
    }
  }
  return crc;
}

Result<Frame> decode_frame(std::string_view bytes) {
  if (bytes.size() < kMinFrameSize) {
    return Error{"sl651_bad_length", "frame of " + std::to_string(bytes.size()) +
                                         " bytes is shorter than the " +
                                         std::to_string(kMinFrameSize) + "-byte minimum"};
  }
  if (byte_at(bytes, 0) != 0x7E || byte_at(bytes, 1) != 0x7E) {
    return Error{"sl651_bad_frame", "frame starts with " + to_hex(bytes.substr(0, 2)) +
                                        "H at offset 0, 7E7EH expected"};
  }
  const auto flag_length = static_cast<std::uint16_t>(byte_at(bytes, 11) << 8 | byte_at(bytes, 12));
  const unsigned flag = flag_length >> 12;
  if (flag != 0 && flag != 8) {
    return Error{"sl651_bad_frame", "up/down flag " + std::to_string(flag) +
                                        " at offset 11 is neither 0 (up) nor 8 (down)"};
  }
  const std::size_t length = flag_length & 0xFFF;
  if (length == 0) return Error{"sl651_bad_length", "body length 0 at offset 11"};
  if (bytes.size() != length + kFrameOverhead) {
    return Error{"sl651_bad_length", "body length " + std::to_string(length) +
                                         " at offset 11 makes a frame of " +
                                         std::to_string(length + kFrameOverhead) + " bytes, got " +
                                         std::to_string(bytes.size())};
  }
  const std::size_t crc_at = bytes.size() - 2;
  const auto sent =
      static_cast<std::uint16_t>(byte_at(bytes, crc_at) << 8 | byte_at(bytes, crc_at + 1));
  const std::uint16_t computed = crc16_modbus(bytes.substr(0, crc_at));
  if (sent != computed) {
    return Error{"sl651_bad_crc", "CRC " + hex_word(sent) + "H at offset " +
                                      std::to_string(crc_at) + " does not match the computed " +
                                      hex_word(computed) + "H"};
  }
  const std::uint8_t start = byte_at(bytes, 13);
  if (start != kStx && start != kSyn) {
    return Error{"sl651_bad_marker", "start marker " + hex_byte(start) +
                                         "H at offset 13 is neither STX (02H) nor SYN (16H)"};
  }
  const std::uint8_t end = byte_at(bytes, crc_at - 1);
  if (!is_end_marker(end)) {
    return Error{"sl651_bad_marker", "end marker " + hex_byte(end) + "H at offset " +
                                         std::to_string(crc_at - 1) +
                                         " is not a control character"};
  }

  Frame frame;
  Header& h = frame.header;
  h.direction = flag == 0 ? Direction::kUp : Direction::kDown;
  const std::size_t station_at = h.direction == Direction::kUp ? 3 : 2;
  h.centre_address = byte_at(bytes, h.direction == Direction::kUp ? 2 : 7);
  for (std::size_t i = 0; i < h.station_address.size(); ++i) {
    h.station_address[i] = byte_at(bytes, station_at + i);
  }
  h.password = static_cast<std::uint16_t>(byte_at(bytes, 8) << 8 | byte_at(bytes, 9));
  h.function_code = byte_at(bytes, 10);
  h.end_marker = end;
  std::string_view body = bytes.substr(14, length);
  if (start == kSyn) {
    if (length < 4) {
      return Error{"sl651_bad_packet", "SYN frame body of " + std::to_string(length) +
                                           " bytes cannot hold the 3 packet bytes and data"};
    }
    const unsigned a = byte_at(bytes, 14);
    const unsigned b = byte_at(bytes, 15);
    const unsigned c = byte_at(bytes, 16);
    const PacketInfo packet{static_cast<std::uint16_t>(a << 4 | b >> 4),
                            static_cast<std::uint16_t>((b & 0xF) << 8 | c)};
    if (packet.total == 0 || packet.number == 0 || packet.number > packet.total) {
      return Error{"sl651_bad_packet", "packet " + std::to_string(packet.number) + " of " +
                                           std::to_string(packet.total) +
                                           " at offset 14 (1 <= number <= total expected)"};
    }
    h.packet = packet;
    body.remove_prefix(3);
  }
  frame.body = std::string(body);
  return frame;
}

Result<std::string> encode_frame(const Header& header, std::string_view body) {
  const std::size_t length = body.size() + (header.packet ? 3 : 0);
  if (body.empty() || length > kMaxBodyLength) {
    return Error{"sl651_bad_length", "cannot frame a body of " + std::to_string(body.size()) +
                                         " bytes (1.." + std::to_string(kMaxBodyLength) + ")"};
  }
  if (header.packet &&
      (header.packet->total == 0 || header.packet->total > 0xFFF || header.packet->number == 0 ||
       header.packet->number > header.packet->total)) {
    return Error{"sl651_bad_packet", "packet " + std::to_string(header.packet->number) + " of " +
                                         std::to_string(header.packet->total)};
  }
  std::string out;
  out.reserve(length + kFrameOverhead);
  put(out, 0x7E);
  put(out, 0x7E);
  const auto put_station = [&] {
    for (const std::uint8_t b : header.station_address) put(out, b);
  };
  if (header.direction == Direction::kUp) {
    put(out, header.centre_address);
    put_station();
  } else {
    put_station();
    put(out, header.centre_address);
  }
  put(out, static_cast<std::uint8_t>(header.password >> 8));
  put(out, static_cast<std::uint8_t>(header.password));
  put(out, header.function_code);
  const unsigned flag = header.direction == Direction::kUp ? 0x0 : 0x8;
  put(out, static_cast<std::uint8_t>(flag << 4 | length >> 8));
  put(out, static_cast<std::uint8_t>(length));
  if (header.packet) {
    put(out, kSyn);
    put(out, static_cast<std::uint8_t>(header.packet->total >> 4));
    put(out,
        static_cast<std::uint8_t>((header.packet->total & 0xF) << 4 | header.packet->number >> 8));
    put(out, static_cast<std::uint8_t>(header.packet->number));
  } else {
    put(out, kStx);
  }
  out.append(body);
  put(out, header.end_marker);
  const std::uint16_t crc = crc16_modbus(out);
  put(out, static_cast<std::uint8_t>(crc >> 8));
  put(out, static_cast<std::uint8_t>(crc));
  return out;
}

}  // namespace quanyu::ingest::sl651
