// libFuzzer target for the GB/T 28181 feed: every public parsing entry point (SIP datagram, TCP
// stream framing, Authorization header, MANSCDP body) and the Service on whatever parses, with
// round-trip invariants that trap on violation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/ingest/gb28181/digest.hpp"
#include "server/ingest/gb28181/manscdp.hpp"
#include "server/ingest/gb28181/service.hpp"
#include "server/ingest/gb28181/sip_message.hpp"

namespace gb = quanyu::ingest::gb28181;

namespace {

constexpr std::int64_t kNow = 1718715960LL * 1'000'000;

// Serializing normalises "v:x" to "Via: x" and adds a Content-Length, so a message at the limits
// may grow past them; it is parsed back with room for that.
gb::Limits roomy() {
  gb::Limits limits;
  limits.max_header_bytes = 2 * limits.max_header_bytes + 8192;
  limits.max_headers += 1;
  return limits;
}

void check_wire(const gb::Message& m) {
  const std::string wire = gb::serialize(m);
  auto again = gb::parse_message(wire, roomy());
  if (!again) __builtin_trap();
  if (gb::serialize(*again) != wire) __builtin_trap();
}

void check_message(const gb::Message& m, std::size_t split) {
  const std::string wire = gb::serialize(m);
  check_wire(m);

  // The same bytes over TCP, cut in two anywhere, give the same message.
  gb::StreamFramer framer(roomy());
  split = split % (wire.size() + 1);
  framer.feed(std::string_view(wire).substr(0, split));
  auto first = framer.next();
  if (!first) __builtin_trap();
  if (*first && split < wire.size()) __builtin_trap();
  if (!*first) {
    framer.feed(std::string_view(wire).substr(split));
    first = framer.next();
  }
  if (!first || !*first || gb::serialize(**first) != wire) __builtin_trap();

  if (m.is_request()) check_wire(gb::make_response(m, 200, "OK"));

  if (const std::string* auth = m.header("Authorization")) {
    if (auto c = gb::parse_authorization(*auth)) {
      auto back = gb::parse_authorization(gb::authorization(*c));
      if (!back || back->response != c->response || back->nonce != c->nonce ||
          back->uri != c->uri || back->username != c->username) {
        __builtin_trap();
      }
    }
  }

  gb::ServiceConfig config;
  config.shared_password = "12345678";
  gb::Service service(config);
  for (int round = 0; round < 2; ++round) {
    gb::Outcome out = service.handle(m, "udp:192.168.1.7:5060", kNow + round, "nonce");
    if (out.reply) check_wire(*out.reply);
    if (out.reply_if_stored) check_wire(*out.reply_if_stored);
    if (out.reply_if_failed) check_wire(*out.reply_if_failed);
    if (!out.observations.empty() && out.reply) __builtin_trap();
    for (const auto& o : out.observations) {
      if (o.source().empty() || o.id().empty() || !o.has_camera_alarm()) __builtin_trap();
      const int p = o.camera_alarm().priority();
      if (p < 1 || p > 4) __builtin_trap();
      if (o.camera_alarm().description().size() > 1024) __builtin_trap();
    }
    if (out.ack) {
      gb::RequestIds ids;
      ids.call_id = "c@h";
      ids.from_tag = "t";
      ids.branch = "b";
      ids.sent_by = "10.0.0.1:5060";
      const gb::Message ack = gb::make_alarm_ack(*out.ack, service.config(), ids);
      if (!gb::parse_message(gb::serialize(ack))) __builtin_trap();
      if (!gb::parse_manscdp(ack.body)) __builtin_trap();
    }
  }
  (void)service.expire(kNow + 86'400'000'000LL);
}

void check_body(std::string_view body) {
  auto parsed = gb::parse_manscdp(body);
  if (!parsed) return;
  if (const auto* alarm = std::get_if<gb::AlarmNotify>(&parsed->command)) {
    if (alarm->priority < 1 || alarm->priority > 4 || alarm->method < 1 || alarm->method > 7) {
      __builtin_trap();
    }
    const auto o = gb::to_observation(*alarm);
    if (o.has_position() != (alarm->longitude.has_value() && alarm->latitude.has_value())) {
      __builtin_trap();
    }
    auto ack = gb::parse_manscdp(gb::alarm_response_body(alarm->sn, alarm->device_id));
    if (!ack || ack->sn != alarm->sn || ack->device_id != alarm->device_id) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // As a UDP datagram.
  if (auto m = gb::parse_message(input)) {
    check_message(*m, size > 0 ? data[0] : 0);
    check_body(m->body);
  }

  // As a TCP stream delivered in chunks; small limits so the bounds are reached.
  gb::Limits small;
  small.max_header_bytes = 2048;
  small.max_body_bytes = 4096;
  gb::StreamFramer framer(small);
  const std::size_t chunk = size > 1 ? data[1] % 64 + 1 : 1;
  for (std::size_t pos = 0; pos < size; pos += chunk) {
    framer.feed(input.substr(pos, chunk));
    for (int i = 0; i < 1000; ++i) {
      auto next = framer.next();
      if (!next || !*next) break;
      if ((*next)->body.size() > small.max_body_bytes) __builtin_trap();
    }
  }

  // As a MANSCDP body and as an Authorization header value.
  check_body(input);
  if (auto c = gb::parse_authorization(input)) {
    auto back = gb::parse_authorization(gb::authorization(*c));
    if (!back || back->response != c->response || back->realm != c->realm) __builtin_trap();
    (void)gb::verify_digest(*c, "REGISTER", "12345678");
  }
  return 0;
}
