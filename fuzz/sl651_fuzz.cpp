// libFuzzer target for the SL 651-2014 parsers (server/ingest/sl651): frames, bodies, BCD, the
// multi-packet assembler, the stream decoder, acknowledgements and the observation converter.
// Invariants checked with __builtin_trap():
//  - a decoded frame re-encodes to the very same bytes;
//  - every acknowledgement decodes as a downstream frame with the serial echoed;
//  - the decoder yields the same events whatever the split of the stream;
//  - observations carry an "sl651:" id and source and finite readings.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/ingest/sl651/ack.hpp"
#include "server/ingest/sl651/assembler.hpp"
#include "server/ingest/sl651/bcd.hpp"
#include "server/ingest/sl651/decoder.hpp"
#include "server/ingest/sl651/frame.hpp"
#include "server/ingest/sl651/observations.hpp"
#include "server/ingest/sl651/report.hpp"

namespace sl = quanyu::ingest::sl651;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_report(const sl::Report& report) {
  sl::ObservationOptions options;
  options.include_test_reports = true;
  options.relative_level_base_m = 12.5;
  for (const auto& o : sl::to_observations(report, "gauge", options)) {
    check(o.id().rfind("sl651:", 0) == 0 && o.source().rfind("sl651:", 0) == 0);
    check(std::isfinite(o.gauge_reading().water_level_m()));
    check(std::isfinite(o.gauge_reading().rainfall_mm()) && o.gauge_reading().rainfall_mm() >= 0);
  }
  for (const bool online : {false, true}) {
    const auto reply = sl::reply_for(report, online);
    if (!reply) continue;
    const std::string bytes = sl::encode_ack(*reply, sl::StationTime{2026, 2, 2, 9, 0, 31});
    auto frame = sl::decode_frame(bytes);
    check(frame.ok());
    check(frame->header.direction == sl::Direction::kDown);
    check(frame->header.end_marker == reply->end_marker);
    check(frame->body.size() == 8);
    check((static_cast<std::uint8_t>(frame->body[0]) << 8 |
           static_cast<std::uint8_t>(frame->body[1])) == reply->serial);
  }
}

std::string summary(const std::vector<sl::Event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += std::to_string(static_cast<int>(e.kind)) + ":" + e.error.code + ":" +
           std::to_string(e.report.serial) + ":" + std::to_string(e.report.elements.size()) + ";";
  }
  return out;
}

// Builds a byte stream of well-formed frames (so the decoder gets past the CRC), garbage and
// damaged frames, steered by the fuzz input.
std::string script_stream(std::string_view in) {
  std::string stream;
  std::size_t pos = 0;
  const auto take = [&](std::size_t n) {
    const std::string_view s = in.substr(pos, std::min(n, in.size() - pos));
    pos += s.size();
    return s;
  };
  while (pos + 4 <= in.size()) {
    const auto op = static_cast<std::uint8_t>(in[pos]);
    const auto fc = static_cast<std::uint8_t>(0x2F + static_cast<std::uint8_t>(in[pos + 1]) % 8);
    const std::size_t n = static_cast<std::uint8_t>(in[pos + 2]);
    const auto extra = static_cast<std::uint8_t>(in[pos + 3]);
    pos += 4;
    const std::string_view body = take(n);
    sl::Header h;
    h.centre_address = 1;
    h.station_address = {0x00, 0x12, 0x34, 0x56, 0x78};
    h.function_code = fc;
    h.end_marker = (extra & 1) != 0 ? sl::kEtb : sl::kEtx;
    switch (op % 4) {
      case 0:
        stream.append(body);  // garbage
        break;
      case 1:
        if (auto f = sl::encode_frame(h, body)) stream += *f;
        break;
      case 2: {
        const std::uint16_t total = static_cast<std::uint16_t>(1 + (extra >> 4) % 4);
        h.packet = sl::PacketInfo{total, static_cast<std::uint16_t>(1 + (extra >> 1) % total)};
        if (auto f = sl::encode_frame(h, body)) stream += *f;
        break;
      }
      default:
        if (auto f = sl::encode_frame(h, body)) {
          std::string damaged = *f;
          damaged[extra % damaged.size()] ^= static_cast<char>(1 + (extra >> 3));
          stream += damaged;
        }
        break;
    }
  }
  return stream;
}

void run_decoder(const std::string& stream, std::size_t chunk) {
  sl::Decoder whole;
  auto all = whole.feed(stream);
  for (auto& e : whole.finish()) all.push_back(std::move(e));
  sl::Decoder split;
  std::vector<sl::Event> pieces;
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    for (auto& e : split.feed(std::string_view(stream).substr(i, chunk)))
      pieces.push_back(std::move(e));
  }
  for (auto& e : split.finish()) pieces.push_back(std::move(e));
  check(summary(all) == summary(pieces));
  for (const auto& e : all) {
    if (e.kind != sl::Event::Kind::kError) check_report(e.report);
    if (e.reply) {
      auto frame = sl::decode_frame(sl::encode_ack(*e.reply, sl::StationTime{2025, 1, 1, 0, 0, 0}));
      check(frame.ok());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  // One frame, exactly as given.
  if (auto frame = sl::decode_frame(in)) {
    auto again = sl::encode_frame(frame->header, frame->body);
    check(again.ok() && *again == in);
    if (auto report = sl::parse_report(frame->header, frame->body)) check_report(*report);
  }

  // The input as the body of each self-report function code (no CRC to get past).
  for (std::uint8_t fc = 0x2F; fc <= 0x36; ++fc) {
    sl::Header h;
    h.function_code = fc;
    h.station_address = {0x00, 0x12, 0x34, 0x56, 0x78};
    if (auto report = sl::parse_report(h, in)) check_report(*report);
  }

  // BCD numbers and times.
  if (size > 0) {
    (void)sl::decode_bcd_number(in.substr(1, 12), data[0] & 7, "fuzz");
    (void)sl::decode_bcd_time(in.substr(0, 5), "fuzz");
    (void)sl::decode_bcd_time(in.substr(0, 6), "fuzz");
  }

  // The raw input as a stream, and a scripted stream of good, damaged and multi-packet frames.
  const std::size_t chunk = size > 0 ? 1 + data[0] % 61 : 1;
  run_decoder(std::string(in), chunk);
  run_decoder(script_stream(in), chunk);

  // The assembler on its own, packets steered by the input.
  sl::MultiPacketAssembler assembler(sl::AssemblerLimits{8, 4096, 2});
  for (std::size_t pos = 0; pos + 3 <= size;) {
    sl::Frame f;
    f.header.function_code = 0x31;
    const std::uint16_t total = static_cast<std::uint16_t>(1 + data[pos] % 12);
    f.header.packet = sl::PacketInfo{total, static_cast<std::uint16_t>(1 + data[pos + 1] % total)};
    f.header.end_marker = (data[pos + 2] & 1) != 0 ? sl::kEtx : sl::kEtb;
    const std::size_t n = std::min<std::size_t>(data[pos + 2] >> 1, size - pos - 3);
    f.body = std::string(in.substr(pos + 3, n));
    pos += 3 + n;
    for (const auto& outcome : assembler.add(f)) {
      if (outcome.kind == sl::MultiPacketAssembler::Outcome::Kind::kComplete) {
        check(outcome.body.size() <= 4096);
        if (auto report = sl::parse_report(outcome.header, outcome.body)) check_report(*report);
      }
    }
  }
  (void)assembler.abandon();
  return 0;
}
