#pragma once
/// SL 651-2014 message bodies (§6.6) of the self-reports a station sends: 2FH link keepalive,
/// 30H test, 31H uniform-interval, 32H timed, 33H additional (threshold), 34H hourly and 35H
/// manual-entry reports. A body starts with serial number (2) and send time (6 BCD); 30H-34H go
/// on with the address group F1F1 + station address + station type, then observation-time groups
/// F0F0 + YYMMDDhhmm, each followed by the elements observed at that time. An element is an
/// identifier byte (FFH + 1 extension byte for user-defined ones), a data-definition byte (high 5
/// bits byte count, low 3 bits decimal places) and the data (table 26, appendix C).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"
#include "server/ingest/sl651/bcd.hpp"
#include "server/ingest/sl651/frame.hpp"

namespace quanyu::ingest::sl651 {

// Function codes (appendix B).
constexpr std::uint8_t kFunctionKeepAlive = 0x2F;
constexpr std::uint8_t kFunctionTest = 0x30;
constexpr std::uint8_t kFunctionUniform = 0x31;
constexpr std::uint8_t kFunctionTimed = 0x32;
constexpr std::uint8_t kFunctionAdditional = 0x33;
constexpr std::uint8_t kFunctionHourly = 0x34;
constexpr std::uint8_t kFunctionManual = 0x35;

// Element identifiers (appendix C, table C.1) the converters use.
constexpr std::uint16_t kCurrentRainfall = 0x20;     ///< PJ, mm since the day began
constexpr std::uint16_t kCumulativeRainfall = 0x26;  ///< PT, mm
constexpr std::uint16_t kVoltage = 0x38;             ///< VT, volts
constexpr std::uint16_t kWaterLevel = 0x39;          ///< Z, river water level or tide, m
constexpr std::uint16_t kUpstreamLevel = 0x3B;       ///< ZU, reservoir / gate upstream level, m
constexpr std::uint16_t kStatusBits = 0x45;          ///< ZT, station status and alarms (table 58)
constexpr std::uint16_t kFiveMinuteRainfall = 0xF4;  ///< DRP, 12 x 5 min, 0.1 mm each
constexpr std::uint16_t kFiveMinuteLevel1 = 0xF5;    ///< DRZ1 .. DRZ8 = F5H .. FCH, 12 x 5 min, cm
constexpr std::uint16_t kFiveMinuteLevel8 = 0xFC;

/// One element of a report.
struct Element {
  enum class Kind {
    kNumber,  ///< one value
    kSeries,  ///< values at `step_minutes` intervals, the first at `observed`
    kStatus,  ///< ZT status bits
  };
  std::uint16_t id = 0;         ///< identifier byte, or FF00H | extension byte
  std::uint8_t definition = 0;  ///< data-definition byte as sent
  Kind kind = Kind::kNumber;
  std::string station;           ///< station of the address group in force (10 hex digits)
  StationTime observed;          ///< observation time in force (F0F0 before the element)
  std::optional<double> number;  ///< kNumber; nullopt when the station sent its no-data marker
  std::vector<std::optional<double>> series;  ///< kSeries; nullopt = invalid / no data
  int step_minutes = 0;                       ///< kSeries
  std::uint32_t status = 0;                   ///< kStatus
};

/// A decoded upstream message (one STX frame, or a joined multi-packet SYN message).
struct Report {
  enum class Kind {
    kKeepAlive,  ///< 2FH: serial and send time only
    kHydrology,  ///< 30H-34H: elements
    kManual,     ///< 35H: manual-entry text
    kUnparsed,   ///< another function code: serial, send time and raw body only
  };
  Header header;  ///< of the frame (for a multi-packet message, of the packet that completed it)
  Kind kind = Kind::kUnparsed;
  std::uint16_t packets = 1;  ///< packets the message came in
  std::uint16_t serial = 0;
  StationTime sent_at;
  std::string station;            ///< first address group (F1F1) of the body, 10 hex digits
  std::uint8_t station_type = 0;  ///< e.g. 48H 'H' river, 50H 'P' rainfall (appendix A)
  std::optional<StationTime> observed_at;  ///< first observation time group (F0F0)
  std::optional<int> step_minutes;         ///< time step code (04H), 31H reports
  std::vector<Element> elements;
  std::vector<std::uint16_t> unknown_elements;  ///< identifiers skipped by their length
  std::string manual_text;  ///< 35H: the manual-entry data (SL 330 text), decoded to UTF-8
  std::string raw_body;     ///< kUnparsed: the body as sent

  /// The station address of the frame header, 10 hex digits.
  std::string station_id() const { return format_station(header.station_address); }
};

/// Parses the body of an upstream message with header `header`. Errors (codes sl651_bad_body,
/// sl651_bad_element, sl651_bad_bcd, sl651_bad_time, sl651_bad_text) name the body offset or
/// element at fault.
Result<Report> parse_report(const Header& header, std::string_view body);

/// decode_frame() then parse_report() of one single-frame message (STX, or SYN of 1 packet).
Result<Report> decode_report(std::string_view frame_bytes);

}  // namespace quanyu::ingest::sl651
