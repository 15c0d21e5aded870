#include "server/ingest/sl651/bcd.hpp"

#include <array>

#include "server/ingest/common/time.hpp"

namespace quanyu::ingest::sl651 {
namespace {

constexpr std::string_view kHex = "0123456789ABCDEF";

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

std::string hex_byte(std::uint8_t b) { return std::string{kHex[b >> 4], kHex[b & 0xF]}; }

Error bad_bcd(std::string_view what, const std::string& why) {
  return Error{"sl651_bad_bcd", std::string(what) + ": " + why};
}

// Days to a civil date (Howard Hinnant's civil_from_days), for times the centre sends.
void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(year + (m <= 2 ? 1 : 0));
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) out += hex_byte(byte_at(bytes, i));
  return out;
}

Result<std::optional<double>> decode_bcd_number(std::string_view data, int decimals,
                                                std::string_view what) {
  if (data.empty()) return bad_bcd(what, "no data bytes");
  bool all_f = true;
  bool all_a = true;
  for (std::size_t i = 0; i < data.size(); ++i) {
    all_f = all_f && byte_at(data, i) == 0xFF;
    all_a = all_a && byte_at(data, i) == 0xAA;
  }
  // All F is the standard's "no data" marker. All A is not in SL 651-2014, but RTUs of several
  // vendors fill an element they could not measure with AAH (the provincial profiles call it the
  // invalid-value marker); refusing the whole report for it would lose the other elements.
  if (all_f || all_a) return std::optional<double>{};

  const bool negative = byte_at(data, 0) == 0xFF;
  const std::string_view digits = negative ? data.substr(1) : data;
  // 18 digits fit an unsigned 64-bit integer exactly; the standard's longest value is N(11,3).
  if (digits.size() > 9) {
    return bad_bcd(what, std::to_string(data.size()) + " bytes is too long for a BCD number");
  }
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const std::uint8_t b = byte_at(digits, i);
    if ((b >> 4) > 9 || (b & 0xF) > 9) {
      return bad_bcd(what, "byte " + hex_byte(b) + "H at data offset " +
                               std::to_string(i + (negative ? 1 : 0)) + " is not BCD");
    }
    n = n * 100 + static_cast<std::uint64_t>((b >> 4) * 10 + (b & 0xF));
  }
  static constexpr std::array<double, 8> kScale = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
  const double value = static_cast<double>(n) / kScale[static_cast<std::size_t>(decimals & 7)];
  return std::optional<double>{negative ? -value : value};
}

Result<StationTime> decode_bcd_time(std::string_view data, std::string_view what) {
  if (data.size() != 5 && data.size() != 6) {
    return Error{"sl651_bad_time", std::string(what) + ": " + std::to_string(data.size()) +
                                       " bytes, 5 or 6 expected"};
  }
  std::array<int, 6> f{};
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t b = byte_at(data, i);
    if ((b >> 4) > 9 || (b & 0xF) > 9) {
      return Error{"sl651_bad_time", std::string(what) + " " + to_hex(data) + ": byte " +
                                         hex_byte(b) + "H is not BCD"};
    }
    f[i] = (b >> 4) * 10 + (b & 0xF);
  }
  const StationTime t{2000 + f[0], f[1], f[2], f[3], f[4], f[5]};
  if (t.second > 59) {
    return Error{"sl651_bad_time",
                 std::string(what) + " " + to_hex(data) + ": second " + std::to_string(t.second)};
  }
  auto us = station_time_to_us(t);
  if (!us) {
    return Error{"sl651_bad_time",
                 std::string(what) + " " + to_hex(data) + ": " + us.error().message};
  }
  return t;
}

std::string encode_bcd_time(const StationTime& time) {
  std::string out;
  for (const int field : {time.year, time.month, time.day, time.hour, time.minute, time.second}) {
    const int v = ((field % 100) + 100) % 100;
    out += static_cast<char>(((v / 10) << 4) | (v % 10));
  }
  return out;
}

Result<std::int64_t> station_time_to_us(const StationTime& time) {
  return civil_to_us(time.year, time.month, time.day, time.hour, time.minute, time.second,
                     kBeijingOffsetMinutes);
}

StationTime station_time_from_us(std::int64_t utc_us) {
  constexpr std::int64_t kMicros = 1'000'000;
  std::int64_t seconds = utc_us / kMicros;
  if (utc_us % kMicros < 0) --seconds;
  seconds += kBeijingOffsetMinutes * 60;
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  StationTime t;
  civil_from_days(days, t.year, t.month, t.day);
  t.hour = static_cast<int>(rest / 3600);
  t.minute = static_cast<int>(rest % 3600 / 60);
  t.second = static_cast<int>(rest % 60);
  return t;
}

}  // namespace quanyu::ingest::sl651
