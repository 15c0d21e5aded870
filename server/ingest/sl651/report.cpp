#include "server/ingest/sl651/report.hpp"

#include "server/ingest/common/charset.hpp"

namespace quanyu::ingest::sl651 {
namespace {

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

std::string hex_byte(std::uint8_t b) { return to_hex(std::string(1, static_cast<char>(b))); }

std::string id_name(std::uint16_t id) {
  if (id > 0xFF) return "FF" + hex_byte(static_cast<std::uint8_t>(id)) + "H";
  return hex_byte(static_cast<std::uint8_t>(id)) + "H";
}

Error bad_body(const std::string& message) { return Error{"sl651_bad_body", message}; }
Error bad_element(const std::string& message) { return Error{"sl651_bad_element", message}; }

bool is_hydrology(std::uint8_t function_code) {
  return function_code >= kFunctionTest && function_code <= kFunctionHourly;
}

bool is_level_series(std::uint16_t id) {
  return id >= kFiveMinuteLevel1 && id <= kFiveMinuteLevel8;
}

// Table C.1 rows 15-131: decimal numbers N(D,d) in BCD, except the time step code and ZT.
bool is_bcd_number(std::uint16_t id) {
  return id >= 0x01 && id <= 0x75 && id != 0x04 && id != kStatusBits;
}

// DRP: 12 one-byte HEX values in 0.1 mm, FFH invalid (table C.1 row 5).
void decode_rain_series(std::string_view data, Element& e) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    const std::uint8_t b = byte_at(data, i);
    e.series.push_back(b == 0xFF ? std::nullopt : std::optional<double>(b / 10.0));
  }
}

// DRZ1..8: 12 two-byte HEX values in cm, FFFFH invalid (table C.1 rows 6-13).
void decode_level_series(std::string_view data, Element& e) {
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    const unsigned v = static_cast<unsigned>(byte_at(data, i)) << 8 | byte_at(data, i + 1);
    e.series.push_back(v == 0xFFFF ? std::nullopt : std::optional<double>(v / 100.0));
  }
}

class BodyParser {
 public:
  BodyParser(std::string_view body, Report& report)
      : body_(body), report_(report), station_(report.station_id()) {}

  std::optional<Error> hydrology() {
    std::size_t pos = 8;
    if (body_.size() < pos + 2 || byte_at(body_, pos) != 0xF1 || byte_at(body_, pos + 1) != 0xF1) {
      return bad_body("expected the address group F1F1 at body offset 8");
    }
    while (pos < body_.size()) {
      const std::size_t start = pos;
      std::uint16_t id = byte_at(body_, pos++);
      if (id == 0xFF) {
        if (pos >= body_.size()) {
          return bad_element("extension identifier FFH at body offset " + std::to_string(start) +
                             " has no extension byte");
        }
        id = static_cast<std::uint16_t>(0xFF00 | byte_at(body_, pos++));
      }
      const std::string where =
          "identifier " + id_name(id) + " at body offset " + std::to_string(start);
      if (pos >= body_.size()) return bad_element(where + " has no data-definition byte");
      const std::uint8_t definition = byte_at(body_, pos++);

      if (id == 0xF1 || id == 0xF0) {
        // Address and observation time have fixed lengths, so their definition byte repeats the
        // guide byte (table C.1 notes a, b).
        if (definition != id) {
          return bad_element(where + " is followed by " + hex_byte(definition) + "H, " +
                             id_name(id) + " expected");
        }
        const std::size_t n = id == 0xF1 ? 6 : 5;  // address + station type, or YYMMDDhhmm
        if (pos + n > body_.size()) {
          return bad_element(where + " needs " + std::to_string(n) + " bytes, " +
                             std::to_string(body_.size() - pos) + " remain");
        }
        if (id == 0xF1) {
          station_ = to_hex(body_.substr(pos, 5));
          if (report_.station.empty()) {
            report_.station = station_;
            report_.station_type = byte_at(body_, pos + 5);
          }
        } else {
          auto time = decode_bcd_time(body_.substr(pos, 5),
                                      "observation time at body offset " + std::to_string(pos));
          if (!time) return time.error();
          observed_ = *time;
          if (!report_.observed_at) report_.observed_at = *time;
        }
        pos += n;
        continue;
      }
      if (id == 0xF2 || id == 0xF3 || id == 0xFD) {
        // Manual data, picture, flow-batch: all that follows is their data (table C.1 notes c,
        // d, f); none of it is a gauge reading.
        report_.unknown_elements.push_back(id);
        break;
      }

      const std::size_t n = definition >> 3;
      if (pos + n > body_.size()) {
        return bad_element(where + " declares " + std::to_string(n) + " data bytes, only " +
                           std::to_string(body_.size() - pos) + " remain in the body");
      }
      const std::string_view data = body_.substr(pos, n);
      pos += n;

      if (id == 0x04) {
        auto step = time_step(data, where);
        if (!step) return step.error();
        report_.step_minutes = *step;
        // A 31H body carries one element identifier after the step code, then only its values
        // (table 30).
        if (report_.header.function_code == kFunctionUniform) return uniform(pos, *step);
        continue;
      }
      if (!is_bcd_number(id) && id != kStatusBits && id != kFiveMinuteRainfall &&
          !is_level_series(id)) {
        report_.unknown_elements.push_back(id);
        continue;
      }
      auto element = make_element(id, definition, where);
      if (!element) return element.error();
      Element& e = element.value();
      if (id == kFiveMinuteRainfall || is_level_series(id)) {
        const std::size_t expected = id == kFiveMinuteRainfall ? 12 : 24;
        if (n != expected) {
          return bad_element(where + " carries " + std::to_string(n) + " data bytes, table C.1 " +
                             "defines " + std::to_string(expected));
        }
        e.kind = Element::Kind::kSeries;
        e.step_minutes = 5;
        if (id == kFiveMinuteRainfall) {
          decode_rain_series(data, e);
        } else {
          decode_level_series(data, e);
        }
      } else if (id == kStatusBits) {
        if (n != 4)
          return bad_element(where + " (ZT) carries " + std::to_string(n) + " bytes, 4 expected");
        e.kind = Element::Kind::kStatus;
        e.status = static_cast<std::uint32_t>(byte_at(data, 0)) << 24 |
                   static_cast<std::uint32_t>(byte_at(data, 1)) << 16 |
                   static_cast<std::uint32_t>(byte_at(data, 2)) << 8 | byte_at(data, 3);
      } else {
        if (n == 0) return bad_element(where + " declares no data bytes");
        auto value = decode_bcd_number(data, definition & 7, where);
        if (!value) return value.error();
        e.number = *value;
      }
      report_.elements.push_back(std::move(e));
    }
    return std::nullopt;
  }

 private:
  Result<Element> make_element(std::uint16_t id, std::uint8_t definition,
                               const std::string& where) {
    if (!observed_) return bad_element(where + " comes before any observation time (F0F0)");
    Element e;
    e.id = id;
    e.definition = definition;
    e.station = station_;
    e.observed = *observed_;
    return e;
  }

  // Time step code dhm, 3 BCD bytes (table C.3).
  static Result<int> time_step(std::string_view data, const std::string& where) {
    if (data.size() != 3) {
      return bad_element(where + " (time step) carries " + std::to_string(data.size()) +
                         " bytes, 3 expected");
    }
    int parts[3] = {0, 0, 0};
    for (std::size_t i = 0; i < 3; ++i) {
      const std::uint8_t b = byte_at(data, i);
      if ((b >> 4) > 9 || (b & 0xF) > 9) {
        return Error{"sl651_bad_bcd", where + " (time step): byte " + hex_byte(b) + "H is not BCD"};
      }
      parts[i] = (b >> 4) * 10 + (b & 0xF);
    }
    return parts[0] * 1440 + parts[1] * 60 + parts[2];
  }

  // 31H: one element identifier, then values of its length to the end of the body.
  std::optional<Error> uniform(std::size_t pos, int step) {
    const std::size_t start = pos;
    if (pos >= body_.size()) return bad_body("31H body ends after the time step code");
    std::uint16_t id = byte_at(body_, pos++);
    if (id == 0xFF && pos < body_.size())
      id = static_cast<std::uint16_t>(0xFF00 | byte_at(body_, pos++));
    const std::string where =
        "identifier " + id_name(id) + " at body offset " + std::to_string(start);
    if (pos >= body_.size()) return bad_element(where + " has no data-definition byte");
    const std::uint8_t definition = byte_at(body_, pos++);
    const bool rain = id == kFiveMinuteRainfall;
    const bool level = is_level_series(id);
    // DRP/DRZ come in whole hours of 12 values; the step code is then 000000 (table C.1 note g).
    const std::size_t n = rain ? 12 : level ? 24 : definition >> 3;
    const std::size_t rest = body_.size() - pos;
    if (n == 0 || rest == 0 || rest % n != 0) {
      return bad_element(where + ": " + std::to_string(rest) + " data bytes are not a whole " +
                         "number of " + std::to_string(n) + "-byte values");
    }
    if (!is_bcd_number(id) && !rain && !level) {
      report_.unknown_elements.push_back(id);
      return std::nullopt;
    }
    if (step == 0 && !rain && !level) {
      return bad_element(where + " follows time step 000000, which only DRP/DRZ may follow");
    }
    auto element = make_element(id, definition, where);
    if (!element) return element.error();
    Element& e = element.value();
    e.kind = Element::Kind::kSeries;
    e.step_minutes = rain || level ? 5 : step;
    const std::string_view data = body_.substr(pos);
    if (rain) {
      decode_rain_series(data, e);
    } else if (level) {
      decode_level_series(data, e);
    } else {
      for (std::size_t i = 0; i < data.size(); i += n) {
        auto value = decode_bcd_number(data.substr(i, n), definition & 7,
                                       where + " value " + std::to_string(i / n + 1));
        if (!value) return value.error();
        e.series.push_back(*value);
      }
    }
    report_.elements.push_back(std::move(e));
    return std::nullopt;
  }

  std::string_view body_;
  Report& report_;
  std::string station_;
  std::optional<StationTime> observed_;
};

}  // namespace

Result<Report> parse_report(const Header& header, std::string_view body) {
  Report report;
  report.header = header;
  if (header.packet) report.packets = header.packet->total;
  if (body.size() < 8) {
    return bad_body("body of " + std::to_string(body.size()) +
                    " bytes cannot hold the serial number and send time");
  }
  report.serial = static_cast<std::uint16_t>(byte_at(body, 0) << 8 | byte_at(body, 1));
  auto sent = decode_bcd_time(body.substr(2, 6), "send time at body offset 2");
  if (!sent) return sent.error();
  report.sent_at = *sent;

  const std::uint8_t function = header.function_code;
  if (function == kFunctionKeepAlive) {
    report.kind = Report::Kind::kKeepAlive;
    if (body.size() != 8) {
      return bad_body("2FH keepalive body of " + std::to_string(body.size()) +
                      " bytes, 8 expected (table 27)");
    }
  } else if (is_hydrology(function)) {
    report.kind = Report::Kind::kHydrology;
    BodyParser parser(body, report);
    if (auto error = parser.hydrology()) return *error;
  } else if (function == kFunctionManual) {
    report.kind = Report::Kind::kManual;
    if (body.size() < 10 || byte_at(body, 8) != 0xF2 || byte_at(body, 9) != 0xF2) {
      return bad_body("expected the manual-entry identifier F2F2 at body offset 8 (table 38)");
    }
    // SL 330 text, ASCII in practice; GB18030 when a station puts Chinese in it.
    auto text = decode_text(body.substr(10), "");
    if (!text) return Error{"sl651_bad_text", "manual-entry data: " + text.error().message};
    report.manual_text = std::move(*text);
  } else {
    report.kind = Report::Kind::kUnparsed;
    report.raw_body = std::string(body);
  }
  return report;
}

Result<Report> decode_report(std::string_view frame_bytes) {
  auto frame = decode_frame(frame_bytes);
  if (!frame) return frame.error();
  if (frame->header.packet && frame->header.packet->total > 1) {
    return Error{"sl651_bad_packet", "packet " + std::to_string(frame->header.packet->number) +
                                         " of " + std::to_string(frame->header.packet->total) +
                                         " is part of a multi-packet message"};
  }
  return parse_report(frame->header, frame->body);
}

}  // namespace quanyu::ingest::sl651
