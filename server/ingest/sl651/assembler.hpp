#pragma once
/// Joins the packets of an SL 651-2014 multi-packet (M3, SYN) message, per connection. Only the
/// first packet carries the serial number and send time (§6.6.2.4); the message body is the
/// packets' data in packet-number order. The station sends all packets (ETB, the last ETX), the
/// centre confirms once, or NAKs one missing packet at a time, which comes again ending in ETX
/// (§6.3.1.2 c, at most twice). Memory is bounded: a message with too many packets or bytes, one
/// interrupted by another message, or one still missing a packet after the allowed NAKs is
/// dropped and reported, never half-delivered.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gis/geo/result.hpp"
#include "server/ingest/sl651/frame.hpp"

namespace quanyu::ingest::sl651 {

struct AssemblerLimits {
  std::size_t max_packets = 1024;            ///< messages announcing more packets are refused
  std::size_t max_message_bytes = 1u << 20;  ///< joined body size at which a message is dropped
  int max_naks_per_packet = 2;               ///< resend requests per packet (§6.3.1.2 c)
};

class MultiPacketAssembler {
 public:
  struct Outcome {
    enum class Kind {
      kComplete,  ///< every packet is in: `header` (of the last packet) and the joined `body`
      kMissing,   ///< the burst ended without packet `missing`: NAK it (`serial` for the NAK)
      kDropped,   ///< an assembly was given up; `error` says which and why
    };
    Kind kind = Kind::kDropped;
    Header header;
    std::string body;
    std::uint16_t serial = 0;
    std::uint16_t missing = 0;
    Error error;
  };

  explicit MultiPacketAssembler(AssemblerLimits limits = {});

  /// Adds one SYN frame (header.packet set; a frame without it is a complete message). Returns
  /// nothing while more packets are awaited.
  std::vector<Outcome> add(const Frame& packet);

  /// Gives up the message being assembled (connection closed or idle), if any.
  std::optional<Error> abandon();

  bool pending() const { return active_.has_value(); }

 private:
  struct Key {
    std::uint8_t centre = 0;
    StationAddress station{};
    std::uint8_t function = 0;
    std::uint16_t total = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct Assembly {
    Key key;
    std::vector<std::string> parts;
    std::vector<bool> have;
    std::vector<int> naks;
    std::size_t received = 0;
    std::size_t bytes = 0;
    std::uint16_t highest = 0;
  };

  std::string describe(const Key& key) const;

  AssemblerLimits limits_;
  std::optional<Assembly> active_;
  std::optional<Key> rejected_;  ///< a dropped message whose later packets are ignored
};

}  // namespace quanyu::ingest::sl651
