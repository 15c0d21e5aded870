#include "server/ingest/sl651/ack.hpp"

namespace quanyu::ingest::sl651 {

std::optional<AckRequest> reply_for(const Report& report, bool keep_online) {
  const Header& h = report.header;
  if (h.direction != Direction::kUp || h.function_code == kFunctionKeepAlive) return std::nullopt;
  AckRequest ack;
  ack.centre_address = h.centre_address;
  ack.station_address = h.station_address;
  ack.password = h.password;
  ack.function_code = h.function_code;
  ack.serial = report.serial;
  const std::uint8_t final_marker = keep_online ? kEsc : kEot;
  if (h.packet) {
    // Table 23 note a: the confirmation carries the total, and number = total.
    ack.end_marker = final_marker;
    ack.packet = PacketInfo{h.packet->total, h.packet->total};
    return ack;
  }
  if (h.end_marker == kEtx) {
    ack.end_marker = final_marker;
  } else if (h.end_marker == kEtb) {
    ack.end_marker = kAck;
  } else {
    return std::nullopt;
  }
  return ack;
}

AckRequest nak_for(const Header& header, std::uint16_t serial, std::uint16_t missing) {
  AckRequest ack;
  ack.centre_address = header.centre_address;
  ack.station_address = header.station_address;
  ack.password = header.password;
  ack.function_code = header.function_code;
  ack.serial = serial;
  ack.end_marker = kNak;
  const std::uint16_t total = header.packet ? header.packet->total : missing;
  ack.packet = PacketInfo{total, missing};
  return ack;
}

std::string encode_ack(const AckRequest& request, const StationTime& centre_time) {
  Header h;
  h.direction = Direction::kDown;
  h.centre_address = request.centre_address;
  h.station_address = request.station_address;
  h.password = request.password;
  h.function_code = request.function_code;
  h.end_marker = request.end_marker;
  if (request.packet) {
    // Numbers come from a decoded frame; clamp so a hand-made request still frames.
    PacketInfo p = *request.packet;
    p.total = static_cast<std::uint16_t>(p.total & 0xFFF);
    p.number = static_cast<std::uint16_t>(p.number & 0xFFF);
    if (p.total == 0) p.total = 1;
    if (p.number == 0 || p.number > p.total) p.number = p.total;
    h.packet = p;
  }
  std::string body;
  body += static_cast<char>(request.serial >> 8);
  body += static_cast<char>(request.serial & 0xFF);
  body += encode_bcd_time(centre_time);
  // 8 or 11 bytes with valid packet numbers: encode_frame cannot fail here.
  return encode_frame(h, body).value();
}

}  // namespace quanyu::ingest::sl651
