#include "server/ingest/common/time.hpp"

#include <cctype>
#include <string>

namespace quanyu::ingest {
namespace {

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

Error bad(std::string_view text, const std::string& why) {
  return Error{"invalid_time", "time \"" + std::string(text.substr(0, 64)) + "\" " + why};
}

}  // namespace

Result<std::int64_t> civil_to_us(int year, int month, int day, int hour, int minute, int second,
                                 int offset_minutes) {
  if (year < 1970 || year > 9999) return Error{"invalid_time", "year " + std::to_string(year)};
  if (month < 1 || month > 12) return Error{"invalid_time", "month " + std::to_string(month)};
  if (day < 1 || day > days_in_month(year, month)) {
    return Error{"invalid_time",
                 "day " + std::to_string(day) + " of month " + std::to_string(month)};
  }
  if (hour > 23 || minute > 59 || second > 60) {
    return Error{"invalid_time", "time of day " + std::to_string(hour) + ":" +
                                     std::to_string(minute) + ":" + std::to_string(second)};
  }
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // A leap second (60) is read as the first second of the next minute.
  const std::int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - std::int64_t{offset_minutes} * 60;
  return seconds * 1'000'000;
}

Result<std::int64_t> parse_datetime_us(std::string_view text, int default_offset_minutes) {
  std::size_t p = 0;
  while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, p, 4, year) || p >= text.size() || text[p++] != '-' ||
      !digits(text, p, 2, month) || p >= text.size() || text[p++] != '-' ||
      !digits(text, p, 2, day)) {
    return bad(text, "is not YYYY-MM-DD");
  }
  if (p >= text.size() || (text[p] != 'T' && text[p] != 't' && text[p] != ' ')) {
    return bad(text, "has no time of day");
  }
  ++p;
  if (!digits(text, p, 2, hour) || p >= text.size() || text[p++] != ':' ||
      !digits(text, p, 2, minute)) {
    return bad(text, "has no hh:mm");
  }
  if (p < text.size() && text[p] == ':') {
    ++p;
    if (!digits(text, p, 2, second)) return bad(text, "has a bad seconds field");
  }
  std::int64_t fraction_us = 0;
  if (p < text.size() && (text[p] == '.' || text[p] == ',')) {
    ++p;
    std::int64_t scale = 100'000;
    const std::size_t start = p;
    while (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p]))) {
      fraction_us += (text[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return bad(text, "has an empty fraction");
  }
  int offset = default_offset_minutes;
  if (p < text.size() && (text[p] == 'Z' || text[p] == 'z')) {
    offset = 0;
    ++p;
  } else if (p < text.size() && (text[p] == '+' || text[p] == '-')) {
    const int sign = text[p] == '-' ? -1 : 1;
    ++p;
    int oh = 0, om = 0;
    if (!digits(text, p, 2, oh)) return bad(text, "has a bad offset");
    if (p < text.size() && text[p] == ':') ++p;
    if (p < text.size() && !digits(text, p, 2, om)) return bad(text, "has a bad offset");
    if (oh > 14 || om > 59) return bad(text, "has an offset out of range");
    offset = sign * (oh * 60 + om);
  }
  while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
  if (p != text.size()) return bad(text, "has trailing characters");
  auto us = civil_to_us(year, month, day, hour, minute, second, offset);
  if (!us) return bad(text, "is out of range: " + us.error().message);
  return *us + fraction_us;
}

}  // namespace quanyu::ingest
