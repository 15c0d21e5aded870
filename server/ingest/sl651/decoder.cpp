#include "server/ingest/sl651/decoder.hpp"

#include <algorithm>

namespace quanyu::ingest::sl651 {
namespace {

constexpr std::size_t kLengthEnd = 13;  // bytes up to and including the length field

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

}  // namespace

Decoder::Decoder(DecoderOptions options) : options_(options), assembler_(options.assembler) {}

void Decoder::error(std::vector<Event>& out, Error e, std::optional<Header> header,
                    std::optional<AckRequest> reply) {
  Event event;
  event.kind = Event::Kind::kError;
  event.error = std::move(e);
  event.header = std::move(header);
  event.reply = std::move(reply);
  ++stats_.errors;
  out.push_back(std::move(event));
}

std::vector<Event> Decoder::feed(std::string_view bytes) {
  std::vector<Event> out;
  // Take the input in slices so the buffer stays bounded whatever a read delivers; scan() always
  // leaves less than one frame behind, so every slice makes progress.
  while (!bytes.empty()) {
    const std::size_t take = std::min(bytes.size(), kMaxBuffer - buffer_.size());
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    scan(out);
  }
  return out;
}

void Decoder::scan(std::vector<Event>& out) {
  std::size_t pos = 0;
  while (true) {
    const std::size_t start = buffer_.find("\x7E\x7E", pos);
    if (start == std::string::npos) {
      // Keep a trailing 7E: it may be the first half of the next frame's start.
      const std::size_t keep =
          !buffer_.empty() && byte_at(buffer_, buffer_.size() - 1) == 0x7E && buffer_.size() > pos
              ? 1
              : 0;
      stats_.skipped_bytes += buffer_.size() - pos - keep;
      buffer_.erase(0, buffer_.size() - keep);
      return;
    }
    stats_.skipped_bytes += start - pos;
    pos = start;
    if (buffer_.size() - pos < kLengthEnd) break;  // wait for the length field
    const std::string_view view(buffer_);
    const unsigned flag = byte_at(view, pos + 11) >> 4;
    const std::size_t length =
        (static_cast<std::size_t>(byte_at(view, pos + 11)) << 8 | byte_at(view, pos + 12)) & 0xFFF;
    // In 7E7E7E the frame may start at the second 7E (a stray 7E before it) or at the first (a
    // centre address of 7EH); try the first and fall back silently, so stray bytes are no errors.
    const bool shifted = byte_at(view, pos + 2) == 0x7E;
    if ((flag != 0 && flag != 8) || length == 0) {
      if (!shifted) {
        error(out, Error{length == 0 ? "sl651_bad_length" : "sl651_bad_frame",
                         length == 0 ? "body length 0 at offset 11 of the frame at 7E7E"
                                     : "up/down flag " + std::to_string(flag) +
                                           " at offset 11 is neither 0 (up) nor 8 (down)"});
      }
      ++stats_.skipped_bytes;
      ++pos;  // resynchronise on the next 7E7E
      continue;
    }
    const std::size_t size = length + kFrameOverhead;
    if (buffer_.size() - pos < size) break;  // wait for the rest of the frame
    auto frame = decode_frame(view.substr(pos, size));
    if (!frame) {
      if (!shifted) error(out, frame.error());
      ++stats_.skipped_bytes;
      ++pos;
      continue;
    }
    ++stats_.frames;
    pos += size;
    on_frame(*frame, out);
  }
  buffer_.erase(0, pos);
}

void Decoder::on_frame(const Frame& frame, std::vector<Event>& out) {
  const Header& h = frame.header;
  if (h.direction != Direction::kUp) {
    std::string fc = to_hex(std::string(1, static_cast<char>(h.function_code)));
    error(out,
          Error{"sl651_bad_direction", "downstream frame (function " + fc + "H) from station " +
                                           format_station(h.station_address) +
                                           " on a station connection"},
          h);
    return;
  }
  if (!h.packet) {
    on_message(h, frame.body, out);
    return;
  }
  for (auto& outcome : assembler_.add(frame)) {
    switch (outcome.kind) {
      case MultiPacketAssembler::Outcome::Kind::kComplete:
        on_message(outcome.header, outcome.body, out);
        break;
      case MultiPacketAssembler::Outcome::Kind::kMissing:
        error(out, std::move(outcome.error), outcome.header,
              nak_for(outcome.header, outcome.serial, outcome.missing));
        break;
      case MultiPacketAssembler::Outcome::Kind::kDropped:
        error(out, std::move(outcome.error), outcome.header);
        break;
    }
  }
}

void Decoder::on_message(const Header& header, std::string_view body, std::vector<Event>& out) {
  auto report = parse_report(header, body);
  if (!report) {
    // M2: the centre does not answer an invalid message; the station will resend it.
    error(out, report.error(), header);
    return;
  }
  Event event;
  switch (report->kind) {
    case Report::Kind::kKeepAlive:
      event.kind = Event::Kind::kKeepAlive;
      break;
    case Report::Kind::kHydrology:
    case Report::Kind::kManual:
      event.kind = Event::Kind::kReport;
      break;
    case Report::Kind::kUnparsed:
      event.kind = Event::Kind::kUnsupported;
      break;
  }
  event.reply = reply_for(*report, options_.keep_online);
  event.report = std::move(*report);
  out.push_back(std::move(event));
}

std::vector<Event> Decoder::finish() {
  std::vector<Event> out;
  const std::size_t start = buffer_.find("\x7E\x7E");
  if (start != std::string::npos) {
    error(out, Error{"sl651_truncated_frame",
                     "stream ended inside a frame: " + std::to_string(buffer_.size() - start) +
                         " bytes from 7E7E"});
  }
  stats_.skipped_bytes += buffer_.size();
  buffer_.clear();
  if (auto abandoned = assembler_.abandon()) error(out, std::move(*abandoned));
  return out;
}

}  // namespace quanyu::ingest::sl651
