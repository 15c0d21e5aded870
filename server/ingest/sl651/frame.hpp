#pragma once
/// SL 651-2014 HEX/BCD frames (§6.2, §6.5, tables 20-23): the envelope every message travels in.
/// Upstream (station to centre): 7E7E, centre address (1), station address (5), password (2),
/// function code (1), up/down flag and body length (2: high 4 bits 0 = up / 8 = down, low 12 bits
/// the length), STX or SYN, [packet total and number (3) after SYN], body, end marker, CRC (2).
/// Downstream frames swap the two addresses (station first). The CRC is CRC-16/MODBUS over
/// everything before it, sent high byte first. For SYN frames the length counts the 3 packet
/// bytes too (table 22), so a frame is always length + 17 bytes long.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::sl651 {

// Control characters (table 10).
constexpr std::uint8_t kStx = 0x02;  ///< body start, single frame
constexpr std::uint8_t kSyn = 0x16;  ///< body start, one packet of a multi-packet message (M3)
constexpr std::uint8_t kEtx = 0x03;  ///< end, nothing follows
constexpr std::uint8_t kEtb = 0x17;  ///< end, more follows
constexpr std::uint8_t kEnq = 0x05;  ///< end of a downstream query
constexpr std::uint8_t kEot = 0x04;  ///< end of a confirmation: the station may hang up
constexpr std::uint8_t kAck = 0x06;  ///< end of a confirmation: go on sending
constexpr std::uint8_t kNak = 0x15;  ///< end of a negative confirmation: resend that packet
constexpr std::uint8_t kEsc = 0x1B;  ///< end of a confirmation: stay online (10 minutes)

constexpr std::size_t kFrameOverhead = 17;  ///< bytes of a frame besides its body
constexpr std::size_t kMaxBodyLength = 0xFFF;
constexpr std::size_t kMaxFrameSize = kMaxBodyLength + kFrameOverhead;
constexpr std::size_t kMinFrameSize = 1 + kFrameOverhead;

enum class Direction { kUp, kDown };

/// Packet total and number of a SYN frame: 12 bits each, 1 <= number <= total <= 4095.
struct PacketInfo {
  std::uint16_t total = 1;
  std::uint16_t number = 1;

  friend bool operator==(const PacketInfo&, const PacketInfo&) = default;
};

/// The remote station address, 5 bytes as sent (BCD for hydrological stations, §6.2.3.2).
using StationAddress = std::array<std::uint8_t, 5>;

/// The address as 10 upper-case hex digits, e.g. "0012345678".
std::string format_station(const StationAddress& address);

/// Everything of a frame except its body.
struct Header {
  Direction direction = Direction::kUp;
  std::uint8_t centre_address = 0;
  StationAddress station_address{};
  std::uint16_t password = 0;
  std::uint8_t function_code = 0;
  std::optional<PacketInfo> packet;  ///< SYN frames only
  std::uint8_t end_marker = kEtx;
};

struct Frame {
  Header header;
  std::string body;  ///< bytes after the start marker (and packet info) up to the end marker
};

/// CRC-16/MODBUS (reflected polynomial A001H, initial FFFFH) of `bytes`.
std::uint16_t crc16_modbus(std::string_view bytes);

/// Decodes exactly one frame, `bytes` running from 7E7E through the CRC. Errors name the byte
/// offset at fault; codes: sl651_bad_frame, sl651_bad_length, sl651_bad_crc, sl651_bad_marker,
/// sl651_bad_packet.
Result<Frame> decode_frame(std::string_view bytes);

/// Builds a frame (addresses in the order of `header.direction`, STX or SYN after the packet
/// info, CRC appended). Fails when the body (plus the 3 packet bytes) is empty or longer than
/// 4095 bytes, or the packet numbers are out of range.
Result<std::string> encode_frame(const Header& header, std::string_view body);

}  // namespace quanyu::ingest::sl651
