#pragma once
/// Turns the byte stream of one station connection into SL 651-2014 events. Frames may arrive
/// split across reads, several in one read, or with garbage between them: the decoder buffers at
/// most two frames' worth, finds 7E7E, waits for the length the header announces, checks the CRC
/// and yields, in order, a report, a keepalive, an unsupported message or an error. After an
/// error it resynchronises on the next 7E7E, so the connection stays usable. SYN packets are
/// joined by a MultiPacketAssembler. Each event says what the centre must send back, if
/// anything (encode_ack). Pure: no sockets, no clock; the listener owns both.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"
#include "server/ingest/sl651/ack.hpp"
#include "server/ingest/sl651/assembler.hpp"
#include "server/ingest/sl651/frame.hpp"
#include "server/ingest/sl651/report.hpp"

namespace quanyu::ingest::sl651 {

struct DecoderOptions {
  /// Confirm with ESC (the station stays online and sends 2FH keepalives, as TCP stations do)
  /// rather than EOT (the station hangs up).
  bool keep_online = true;
  AssemblerLimits assembler;
};

struct Event {
  enum class Kind {
    kReport,       ///< 30H-35H report in `report`
    kKeepAlive,    ///< 2FH link keepalive in `report`
    kUnsupported,  ///< a good message of another function code (`report.kind` kUnparsed)
    kError,        ///< `error`; the connection goes on
  };
  Kind kind = Kind::kError;
  Report report;
  Error error;
  std::optional<Header> header;  ///< kError: the frame's header, when its CRC was good
  std::optional<AckRequest>
      reply;  ///< send encode_ack(*reply, now) to the station; nullopt = nothing
};

class Decoder {
 public:
  /// Bytes held between feeds: never more than this.
  static constexpr std::size_t kMaxBuffer = 2 * kMaxFrameSize;

  struct Stats {
    std::uint64_t frames = 0;         ///< frames with a good CRC
    std::uint64_t errors = 0;         ///< error events
    std::uint64_t skipped_bytes = 0;  ///< bytes outside any frame
  };

  explicit Decoder(DecoderOptions options = {});

  /// Consumes `bytes` (any split of the stream) and returns the events they complete.
  std::vector<Event> feed(std::string_view bytes);

  /// The connection closed or went idle: reports a half-received frame or multi-packet message
  /// as errors and starts afresh.
  std::vector<Event> finish();

  const Stats& stats() const { return stats_; }

 private:
  void scan(std::vector<Event>& out);
  void on_frame(const Frame& frame, std::vector<Event>& out);
  void on_message(const Header& header, std::string_view body, std::vector<Event>& out);
  void error(std::vector<Event>& out, Error e, std::optional<Header> header = std::nullopt,
             std::optional<AckRequest> reply = std::nullopt);

  DecoderOptions options_;
  MultiPacketAssembler assembler_;
  std::string buffer_;
  Stats stats_;
};

}  // namespace quanyu::ingest::sl651
