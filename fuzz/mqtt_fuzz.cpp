// libFuzzer target of the MQTT feed: the broker byte stream decoder, fed in two chunks split at
// an input-chosen point, and the observation JSON of PUBLISH payloads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/ingest/mqtt/codec.hpp"
#include "server/ingest/mqtt/observation_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace quanyu::ingest;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  mqtt::Decoder decoder(1 << 16);
  for (const auto part : {input.substr(0, cut), input.substr(cut)}) {
    decoder.feed(part);
    while (true) {
      auto next = decoder.next();
      if (!next || !next.value()) break;
      const auto& p = *next.value();
      // A decoded PUBLISH re-encodes to a packet that decodes to the same fields.
      if (p.type == mqtt::PacketType::publish) {
        auto again = mqtt::decode_packet(
            mqtt::encode_publish(p.topic, p.payload, p.qos, p.packet_id, p.retain, p.dup));
        if (!again || again->topic != p.topic || again->payload != p.payload ||
            again->packet_id != p.packet_id) {
          __builtin_trap();
        }
        (void)parse_observation_json(p.payload);
      }
    }
  }
  (void)parse_observation_json(input);
  (void)mqtt::topic_matches(input.substr(0, cut), input.substr(cut));
  return 0;
}
