#include "server/ingest/sl651/assembler.hpp"

namespace quanyu::ingest::sl651 {
namespace {

std::string function_name(std::uint8_t code) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string{kHex[code >> 4], kHex[code & 0xF], 'H'};
}

}  // namespace

MultiPacketAssembler::MultiPacketAssembler(AssemblerLimits limits) : limits_(limits) {}

std::string MultiPacketAssembler::describe(const Key& key) const {
  return "multi-packet " + function_name(key.function) + " message of " +
         std::to_string(key.total) + " packets from station " + format_station(key.station);
}

std::vector<MultiPacketAssembler::Outcome> MultiPacketAssembler::add(const Frame& packet) {
  std::vector<Outcome> out;
  const Header& h = packet.header;
  if (!h.packet || h.packet->total == 1) {
    out.push_back(Outcome{Outcome::Kind::kComplete, h, packet.body, 0, 0, {}});
    return out;
  }
  const PacketInfo p = *h.packet;
  const Key key{h.centre_address, h.station_address, h.function_code, p.total};
  const auto dropped = [&](const std::string& code, const std::string& message) {
    Outcome o;
    o.kind = Outcome::Kind::kDropped;
    o.header = h;
    o.error = Error{code, message};
    out.push_back(std::move(o));
  };

  if (rejected_) {
    if (*rejected_ == key && p.number != 1) return out;  // rest of a message already refused
    rejected_.reset();
  }
  if (p.total > limits_.max_packets) {
    rejected_ = key;
    dropped("sl651_multipacket_too_large", describe(key) + " exceeds the limit of " +
                                               std::to_string(limits_.max_packets) + " packets");
    return out;
  }
  if (active_) {
    // Another message, or packet 1 again after later packets: a new message has begun.
    const bool restart = p.number == 1 && active_->have[0] && active_->received > 1;
    if (!(active_->key == key) || restart) {
      dropped("sl651_multipacket_interrupted",
              describe(active_->key) + " interrupted after " + std::to_string(active_->received) +
                  " packets by packet " + std::to_string(p.number) + " of " + describe(key));
      active_.reset();
    }
  }
  if (!active_) {
    Assembly a;
    a.key = key;
    a.parts.resize(p.total);
    a.have.assign(p.total, false);
    a.naks.assign(p.total, 0);
    active_ = std::move(a);
  }
  Assembly& a = *active_;
  const std::size_t index = p.number - 1u;
  if (a.have[index]) {
    a.bytes -= a.parts[index].size();  // a resend replaces the copy we have
  } else {
    a.have[index] = true;
    ++a.received;
  }
  a.parts[index] = packet.body;
  a.bytes += packet.body.size();
  const bool resend = p.number < a.highest;
  if (p.number > a.highest) a.highest = p.number;
  if (a.bytes > limits_.max_message_bytes) {
    const Key k = a.key;
    active_.reset();
    rejected_ = k;
    dropped("sl651_multipacket_too_large",
            describe(k) + " exceeds " + std::to_string(limits_.max_message_bytes) + " bytes");
    return out;
  }
  if (a.received == a.key.total) {
    Outcome o;
    o.kind = Outcome::Kind::kComplete;
    o.header = h;
    o.body.reserve(a.bytes);
    for (const std::string& part : a.parts) o.body += part;
    active_.reset();
    out.push_back(std::move(o));
    return out;
  }
  // The burst is over when its last packet came, or a resent (ETX) packet still leaves a gap.
  if (p.number != a.key.total && !(resend && h.end_marker == kEtx)) return out;
  std::size_t missing = 0;
  while (a.have[missing]) ++missing;
  if (a.naks[missing] >= limits_.max_naks_per_packet) {
    const Key k = a.key;
    const std::size_t received = a.received;
    active_.reset();
    rejected_ = k;
    dropped("sl651_multipacket_incomplete",
            describe(k) + " still lacks packet " + std::to_string(missing + 1) + " after " +
                std::to_string(limits_.max_naks_per_packet) + " resend requests (" +
                std::to_string(received) + " received)");
    return out;
  }
  ++a.naks[missing];
  Outcome o;
  o.kind = Outcome::Kind::kMissing;
  o.header = h;
  o.missing = static_cast<std::uint16_t>(missing + 1);
  if (a.have[0] && a.parts[0].size() >= 2) {
    o.serial = static_cast<std::uint16_t>(static_cast<std::uint8_t>(a.parts[0][0]) << 8 |
                                          static_cast<std::uint8_t>(a.parts[0][1]));
  }
  o.error =
      Error{"sl651_packet_missing", describe(a.key) + ": packet " + std::to_string(o.missing) +
                                        " missing, resend requested"};
  out.push_back(std::move(o));
  return out;
}

std::optional<Error> MultiPacketAssembler::abandon() {
  rejected_.reset();
  if (!active_) return std::nullopt;
  Error e{"sl651_multipacket_abandoned", describe(active_->key) + " abandoned after " +
                                             std::to_string(active_->received) + " packets"};
  active_.reset();
  return e;
}

}  // namespace quanyu::ingest::sl651
