#pragma once
/// BCD numbers and station times of SL 651-2014 HEX/BCD messages. Element values are packed BCD
/// whose decimal places come from the data-definition byte (§6.6.3.2); a leading FFH byte marks a
/// negative number and a value made only of F digits marks "no data" (§6.6.3.3, §6.6.4.4 d).
/// Times are YYMMDDhhmm[ss] in BCD, Beijing time (UTC+8), years 2000-2099.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::sl651 {

/// A civil date and time as a station writes it (Beijing time). Observation times have second 0.
struct StationTime {
  int year = 2000;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;

  friend bool operator==(const StationTime&, const StationTime&) = default;
};

/// Decodes a packed-BCD element value with `decimals` places. Returns nullopt for the all-F "no
/// data" marker (and the all-A invalid-value marker some RTUs send), a negative number when the
/// first byte is FFH and the rest is BCD. An error (code "sl651_bad_bcd") names `what` and the
/// offending byte.
Result<std::optional<double>> decode_bcd_number(std::string_view data, int decimals,
                                                std::string_view what);

/// Decodes 5 (YYMMDDhhmm) or 6 (YYMMDDhhmmss) BCD bytes into a validated calendar time. An error
/// (code "sl651_bad_time") names `what` and the digits.
Result<StationTime> decode_bcd_time(std::string_view data, std::string_view what);

/// The 6 BCD bytes YYMMDDhhmmss of `time` (each field taken modulo 100).
std::string encode_bcd_time(const StationTime& time);

/// Microseconds since the epoch of a station time (Beijing time, UTC+8).
Result<std::int64_t> station_time_to_us(const StationTime& time);

/// The Beijing civil time of `utc_us` microseconds since the epoch, e.g. the centre's clock for
/// the send time of an acknowledgement.
StationTime station_time_from_us(std::int64_t utc_us);

/// Upper-case hex of `bytes`, e.g. "0012345678".
std::string to_hex(std::string_view bytes);

}  // namespace quanyu::ingest::sl651
