#pragma once
/// The confirmations the centre sends back to a station (SL 651-2014 §6.3.1.2, tables 21, 23,
/// 29, 31, 33, 35, 37, 39). A confirmation is a downstream frame with the station address first,
/// the centre address, the station's password and function code, a body of the echoed serial
/// number and the centre's own time (6 BCD), and an end marker that tells the station what to do:
///  - M2, upstream ETX: EOT (hang up) or ESC (stay online for commands, 10 minutes);
///  - M2, upstream ETB: ACK (go on, more follows);
///  - M3 multi-packet: nothing per packet; one EOT/ESC once every packet arrived, carrying packet
///    number = total; NAK with the number of a missing packet to have it resent (one at a time);
///  - 2FH link keepalive: nothing ("没有下行报文", §6.6.4.2); invalid messages: nothing (M2).

#include <cstdint>
#include <optional>
#include <string>

#include "server/ingest/sl651/bcd.hpp"
#include "server/ingest/sl651/frame.hpp"
#include "server/ingest/sl651/report.hpp"

namespace quanyu::ingest::sl651 {

/// Everything a confirmation frame needs besides the centre's clock.
struct AckRequest {
  std::uint8_t centre_address = 0;
  StationAddress station_address{};
  std::uint16_t password = 0;
  std::uint8_t function_code = 0;
  std::uint16_t serial = 0;          ///< echoed from the upstream message
  std::uint8_t end_marker = kEot;    ///< kEot, kEsc, kAck or kNak
  std::optional<PacketInfo> packet;  ///< M3 confirmations: total, and total or the missing number

  friend bool operator==(const AckRequest&, const AckRequest&) = default;
};

/// The confirmation SL 651-2014 requires for a complete upstream message, or nullopt when none
/// is due (keepalive, downstream frame, an end marker other than ETX/ETB). `keep_online` picks
/// ESC over EOT as the final end marker.
std::optional<AckRequest> reply_for(const Report& report, bool keep_online);

/// The NAK asking the station to resend packet `missing` of the multi-packet message whose
/// packet `header` belongs to; `serial` is the message's serial (0 when packet 1 never came).
AckRequest nak_for(const Header& header, std::uint16_t serial, std::uint16_t missing);

/// The confirmation frame, byte-exact; `centre_time` becomes the send time (fields taken
/// modulo 100, so pass a real calendar time such as station_time_from_us(now)).
std::string encode_ack(const AckRequest& request, const StationTime& centre_time);

}  // namespace quanyu::ingest::sl651
