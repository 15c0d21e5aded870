#pragma once
/// Date-times as field devices write them. GB/T 28181, ISAPI and CAP use ISO 8601 forms with or
/// without an offset and fraction; Chinese devices that send no offset mean Beijing time.

#include <cstdint>
#include <string_view>

#include "gis/geo/result.hpp"

namespace quanyu::ingest {

constexpr int kBeijingOffsetMinutes = 8 * 60;

/// Parses "YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm|-hh:mm|+hhmm]" (a space may stand for the T) into
/// microseconds since the Unix epoch. Without an offset the time is taken at
/// `default_offset_minutes` east of UTC. An error names the text and what is wrong with it.
Result<std::int64_t> parse_datetime_us(std::string_view text, int default_offset_minutes);

/// Microseconds since the epoch of a civil date and time at `offset_minutes` east of UTC, or an
/// error when a field is out of range (month 13, 31 April, hour 24...).
Result<std::int64_t> civil_to_us(int year, int month, int day, int hour, int minute, int second,
                                 int offset_minutes);

}  // namespace quanyu::ingest
