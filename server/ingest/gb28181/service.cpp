#include "server/ingest/gb28181/service.hpp"
#include "server/ingest/common/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

#include "server/ingest/gb28181/digest.hpp"
#include "server/ingest/gb28181/manscdp.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

constexpr std::int64_t kMicros = 1'000'000;
constexpr std::string_view kAllow = "REGISTER, MESSAGE, NOTIFY, OPTIONS, ACK";
constexpr std::string_view kManscdp = "Application/MANSCDP+xml";

std::string_view trim(std::string_view s) { return ingest::trim(s, " \t"); }

// For the log line: printable and bounded, since it comes from the device.
std::string loggable(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 96)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f || c == '"') ? '?' : c;
  }
  if (s.size() > 96) out += "...";
  return out;
}

struct Peer {
  std::string transport;
  std::string host;
  std::string port;
};

// "udp:1.2.3.4:5060" or "tcp:[::1]:5060".
std::optional<Peer> parse_peer(std::string_view peer) {
  const auto colon = peer.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  Peer p{std::string(peer.substr(0, colon)), {}, {}};
  std::string_view rest = peer.substr(colon + 1);
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    p.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    p.port = std::string(rest.substr(1));
  } else {
    const auto last = rest.rfind(':');
    if (last == std::string_view::npos) return std::nullopt;
    p.host = std::string(rest.substr(0, last));
    p.port = std::string(rest.substr(last + 1));
  }
  if (p.host.empty() || p.port.empty()) return std::nullopt;
  for (const char c : p.port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return p;
}

std::string host_port(const Peer& p) {
  return p.host.find(':') != std::string::npos ? "[" + p.host + "]:" + p.port
                                               : p.host + ":" + p.port;
}

// Hinnant's civil_from_days: days since 1970-01-01 to year/month/day.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::optional<std::int64_t> whole_seconds(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::string from_user(const Message& m) {
  const std::string* from = m.header("From");
  return from ? uri_user(*from) : std::string();
}

/// Whether `id` can stand as the user part of a SIP URI we send (a request line, a To header):
/// GB/T 28181 codes are 20 digits; letters, '-', '_' and '.' are let through for devices that
/// number themselves otherwise. Anything else (a space, a quote, '@', ';') would make the
/// request we build malformed.
bool device_id_ok(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '_' || c == '.';
  });
}

/// Whether a URI can be a request line's target: no white space or control characters.
bool request_uri_ok(std::string_view uri) {
  return !uri.empty() && std::none_of(uri.begin(), uri.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7F;
  });
}

constexpr const char* kBadDeviceId =
    "the From user part is not a device id (letters, digits, '-', '_' or '.', at most 64)";

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Message reply_to(const Message& request, const std::string& peer, int code,
                 std::string_view reason) {
  Message r = make_response(request, code, reason);
  stamp_received(r, peer);
  return r;
}

// A 400 whose Warning (RFC 3261 §20.43, code 399 "miscellaneous") names what is wrong, so the
// installer looking at the device's log or a capture sees it.
Message bad_request(const Message& request, const std::string& peer, const std::string& platform_id,
                    const std::string& why) {
  Message r = reply_to(request, peer, 400, "Bad Request");
  r.add("Warning", "399 " + platform_id + " \"" + loggable(why) + "\"");
  return r;
}

}  // namespace

Service::Service(ServiceConfig config) : config_(std::move(config)) {}

const Registration* Service::registration(const std::string& device_id) const {
  const auto it = registrations_.find(device_id);
  return it == registrations_.end() ? nullptr : &it->second;
}

std::string Service::password_for(const std::string& device_id) const {
  const auto it = config_.device_passwords.find(device_id);
  return it == config_.device_passwords.end() ? config_.shared_password : it->second;
}

std::vector<std::string> Service::expire(std::int64_t now_us) {
  std::vector<std::string> lapsed;
  for (auto it = registrations_.begin(); it != registrations_.end();) {
    if (it->second.expires_us <= now_us) {
      lapsed.push_back(it->first);
      it = registrations_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(nonces_, [&](const auto& entry) {
    return now_us - entry.second > config_.nonce_lifetime_s * kMicros;
  });
  return lapsed;
}

Outcome Service::handle(const Message& message, const std::string& peer, std::int64_t now_us,
                        std::string_view nonce) {
  if (!message.is_request()) {
    Outcome out;
    const std::string* cseq = message.header("CSeq");
    out.log = "gb28181 response " + std::to_string(message.status_code) + " to " +
              loggable(cseq ? *cseq : "?") + " from " + loggable(peer);
    return out;
  }
  const std::string& method = message.method;
  if (method == "REGISTER") return on_register(message, peer, now_us, nonce);
  if (method == "MESSAGE" || method == "NOTIFY") return on_message(message, peer, now_us);
  Outcome out;
  const std::string who = loggable(peer);
  if (method == "ACK") {
    out.log = "gb28181 ACK from " + who;  // never answered (RFC 3261 §17.2.1)
    return out;
  }
  if (method == "OPTIONS") {
    Message r = reply_to(message, peer, 200, "OK");
    r.add("Allow", std::string(kAllow));
    out.reply = std::move(r);
    out.log = "gb28181 OPTIONS from " + who + " -> 200";
    return out;
  }
  Message r = reply_to(message, peer, 405, "Method Not Allowed");
  r.add("Allow", std::string(kAllow));
  out.reply = std::move(r);
  out.log = "gb28181 " + loggable(method) + " from " + who + " -> 405";
  return out;
}

Message Service::challenge(const Message& m, const std::string& peer, std::int64_t now_us,
                           std::string_view nonce, bool stale) {
  std::string n(nonce);
  if (n.empty()) {
    // The transport should always pass a random nonce; this keeps a challenge possible anyway.
    const std::string* call_id = m.header("Call-ID");
    n = md5_hex((call_id ? *call_id : "") + ":" + std::to_string(now_us));
  }
  // Bounded: expired nonces go first, then the oldest.
  if (nonces_.size() >= config_.max_nonces) {
    std::erase_if(nonces_, [&](const auto& entry) {
      return now_us - entry.second > config_.nonce_lifetime_s * kMicros;
    });
  }
  while (!nonces_.empty() && nonces_.size() >= config_.max_nonces) {
    auto oldest = nonces_.begin();
    for (auto it = nonces_.begin(); it != nonces_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    nonces_.erase(oldest);
  }
  nonces_[n] = now_us;
  Message r = reply_to(m, peer, 401, "Unauthorized");
  DigestChallenge c;
  c.realm = config_.realm;
  c.nonce = n;
  c.stale = stale;
  r.add("WWW-Authenticate", www_authenticate(c));
  return r;
}

Outcome Service::on_register(const Message& m, const std::string& peer, std::int64_t now_us,
                             std::string_view nonce) {
  Outcome out;
  const std::string device_id = from_user(m);
  const std::string who = loggable(device_id) + " peer " + loggable(peer);
  if (device_id.empty()) {
    out.reply = bad_request(m, peer, config_.platform_id, "From has no user part (device id)");
    out.log = "gb28181 REGISTER peer " + loggable(peer) + " -> 400 From has no device id";
    return out;
  }
  if (!device_id_ok(device_id)) {
    out.reply = bad_request(m, peer, config_.platform_id, kBadDeviceId);
    out.log = "gb28181 REGISTER " + who + " -> 400 From user is not a device id";
    return out;
  }

  // Requested expiry: the Contact's expires parameter, else Expires, else the default.
  const std::string* contact = m.header("Contact");
  std::optional<std::int64_t> expires;
  if (contact) {
    if (auto p = header_param(*contact, "expires")) {
      expires = whole_seconds(*p);
      if (!expires) {
        out.reply = bad_request(m, peer, config_.platform_id, "Contact expires is not a number");
        out.log = "gb28181 REGISTER " + who + " -> 400 bad Contact expires";
        return out;
      }
    }
  }
  if (!expires) {
    if (const std::string* e = m.header("Expires")) {
      expires = whole_seconds(*e);
      if (!expires) {
        out.reply = bad_request(m, peer, config_.platform_id, "Expires is not a number");
        out.log = "gb28181 REGISTER " + who + " -> 400 bad Expires";
        return out;
      }
    }
  }
  const std::int64_t requested = expires.value_or(config_.default_expires_s);

  const std::string password = password_for(device_id);
  if (!password.empty()) {
    const std::string* authorization = m.header("Authorization");
    if (!authorization) {
      out.reply = challenge(m, peer, now_us, nonce, false);
      out.log = "gb28181 REGISTER " + who + " -> 401 challenge";
      return out;
    }
    auto credentials = parse_authorization(*authorization);
    if (!credentials) {
      out.reply = bad_request(m, peer, config_.platform_id, credentials.error().message);
      out.log = "gb28181 REGISTER " + who + " -> 400 " + loggable(credentials.error().message);
      return out;
    }
    if (credentials->username != device_id) {
      out.reply = reply_to(m, peer, 403, "Forbidden");
      out.log = "gb28181 REGISTER " + who + " -> 403 Authorization username " +
                loggable(credentials->username) + " is not the From user";
      return out;
    }
    if (credentials->realm != config_.realm || !verify_digest(*credentials, m.method, password)) {
      out.reply = challenge(m, peer, now_us, nonce, false);
      out.log = "gb28181 REGISTER " + who + " -> 401 wrong password or realm";
      return out;
    }
    // The password is right; the nonce must also be one of ours and fresh (no replay).
    const auto issued = nonces_.find(credentials->nonce);
    if (issued == nonces_.end() || now_us - issued->second > config_.nonce_lifetime_s * kMicros) {
      out.reply = challenge(m, peer, now_us, nonce, true);
      out.log = "gb28181 REGISTER " + who + " -> 401 stale nonce";
      return out;
    }
  }

  if (requested == 0) {
    registrations_.erase(device_id);
    Message r = reply_to(m, peer, 200, "OK");
    r.add("Expires", "0");
    r.add("Date", gb_date(now_us, config_.local_offset_minutes));
    out.reply = std::move(r);
    out.log = "gb28181 REGISTER " + who + " -> 200 unregistered";
    return out;
  }
  if (requested < config_.min_expires_s) {
    Message r = reply_to(m, peer, 423, "Interval Too Brief");
    r.add("Min-Expires", std::to_string(config_.min_expires_s));
    out.reply = std::move(r);
    out.log = "gb28181 REGISTER " + who + " -> 423 Expires " + std::to_string(requested);
    return out;
  }
  const std::int64_t granted = std::min(requested, config_.max_expires_s);
  auto it = registrations_.find(device_id);
  if (it == registrations_.end()) {
    if (registrations_.size() >= config_.max_registrations) {
      out.reply = reply_to(m, peer, 503, "Service Unavailable");
      out.log = "gb28181 REGISTER " + who + " -> 503 registration table full";
      return out;
    }
    it = registrations_.emplace(device_id, Registration{}).first;
    it->second.registered_us = now_us;
  }
  Registration& reg = it->second;
  reg.device_id = device_id;
  reg.contact = contact ? header_uri(*contact) : std::string();
  reg.peer = peer;
  reg.expires_us = now_us + granted * kMicros;
  reg.last_seen_us = now_us;

  Message r = reply_to(m, peer, 200, "OK");
  if (contact && !reg.contact.empty()) {
    r.add("Contact", "<" + reg.contact + ">;expires=" + std::to_string(granted));
  }
  r.add("Expires", std::to_string(granted));
  r.add("Date", gb_date(now_us, config_.local_offset_minutes));
  out.reply = std::move(r);
  out.log = "gb28181 REGISTER " + who + " -> 200 expires " + std::to_string(granted);
  return out;
}

Outcome Service::on_message(const Message& m, const std::string& peer, std::int64_t now_us) {
  Outcome out;
  const std::string device_id = from_user(m);
  const std::string who = loggable(device_id) + " peer " + loggable(peer);
  const std::string head = "gb28181 " + m.method + " " + who;
  if (!device_id.empty() && !device_id_ok(device_id)) {
    out.reply = bad_request(m, peer, config_.platform_id, kBadDeviceId);
    out.log = head + " -> 400 From user is not a device id";
    return out;
  }

  std::string charset;
  if (const std::string* type = m.header("Content-Type")) {
    const std::string_view media = trim(std::string_view(*type).substr(0, type->find(';')));
    if (!iequals(media, kManscdp)) {
      Message r = reply_to(m, peer, 415, "Unsupported Media Type");
      r.add("Accept", std::string(kManscdp));
      out.reply = std::move(r);
      out.log = head + " -> 415 Content-Type " + loggable(media);
      return out;
    }
    charset = header_param(*type, "charset").value_or("");
  }
  if (m.body.empty()) {
    out.reply = bad_request(m, peer, config_.platform_id, "empty body");
    out.log = head + " -> 400 empty body";
    return out;
  }
  auto body = parse_manscdp(m.body, charset);
  if (!body) {
    out.reply = bad_request(m, peer, config_.platform_id, body.error().message);
    out.log = head + " -> 400 " + loggable(body.error().message);
    return out;
  }

  auto reg = registrations_.find(device_id);
  if (reg != registrations_.end() && reg->second.expires_us <= now_us) {
    registrations_.erase(reg);
    reg = registrations_.end();
  }
  if (reg == registrations_.end() && config_.refuse_unregistered) {
    out.reply = reply_to(m, peer, 403, "Forbidden");
    out.log = head + " -> 403 not registered (" + loggable(body->cmd_type) + ")";
    return out;
  }
  if (reg != registrations_.end()) reg->second.last_seen_us = now_us;
  const std::string registered = reg == registrations_.end() ? " (unregistered)" : "";

  if (std::holds_alternative<Keepalive>(body->command)) {
    out.reply = reply_to(m, peer, 200, "OK");
    out.log = head + registered + " Keepalive " +
              loggable(std::get<Keepalive>(body->command).status) + " -> 200";
    return out;
  }
  if (const auto* alarm = std::get_if<AlarmNotify>(&body->command)) {
    out.observations.push_back(to_observation(*alarm));
    out.reply_if_stored = reply_to(m, peer, 200, "OK");
    out.reply_if_failed = reply_to(m, peer, 500, "Server Internal Error");
    if (m.method == "MESSAGE") {
      AlarmAck ack;
      ack.device_id = device_id;
      ack.alarm_device_id = alarm->device_id;
      ack.sn = alarm->sn;
      ack.peer = peer;
      if (reg != registrations_.end() && !reg->second.contact.empty()) {
        ack.target_uri = reg->second.contact;
      } else if (const std::string& user = device_id.empty() ? alarm->device_id : device_id;
                 device_id_ok(user)) {
        if (const auto p = parse_peer(peer)) ack.target_uri = "sip:" + user + "@" + host_port(*p);
      }
      // No acknowledgement we could not send well formed (the alarm is still taken: 200).
      if (request_uri_ok(ack.target_uri)) out.ack = std::move(ack);
    }
    const auto& o = out.observations.back();
    out.log = head + registered + " Alarm " + loggable(alarm->device_id) + " SN " +
              loggable(alarm->sn) + " priority " + std::to_string(alarm->priority) + " method " +
              std::to_string(alarm->method) + " type " + std::to_string(alarm->alarm_type) +
              " -> " + v1::CameraAlarm::Type_Name(o.camera_alarm().type()) +
              (o.has_position() ? " with position" : " without position");
    return out;
  }
  out.reply = reply_to(m, peer, 200, "OK");
  out.log = head + registered + " " + loggable(body->root) + " " + loggable(body->cmd_type) +
            " ignored -> 200";
  return out;
}

Message make_alarm_ack(const AlarmAck& ack, const ServiceConfig& config, const RequestIds& ids) {
  Message m;
  m.method = "MESSAGE";
  m.request_uri = ack.target_uri;
  m.add("Via",
        "SIP/2.0/" + ids.transport + " " + ids.sent_by + ";rport;branch=z9hG4bK" + ids.branch);
  m.add("From", "<sip:" + config.platform_id + "@" + config.realm + ">;tag=" + ids.from_tag);
  m.add("To", "<sip:" + ack.device_id + "@" + config.realm + ">");
  m.add("Call-ID", ids.call_id);
  m.add("CSeq", std::to_string(ids.cseq) + " MESSAGE");
  m.add("Max-Forwards", "70");
  m.add("Content-Type", std::string(kManscdp));
  m.body = alarm_response_body(ack.sn, ack.alarm_device_id);
  return m;
}

void stamp_received(Message& response, std::string_view peer) {
  const auto p = parse_peer(peer);
  if (!p) return;
  for (auto& h : response.headers) {
    if (!iequals(h.name, "Via") && !iequals(h.name, "v")) continue;
    // Only the top value: the part before a comma that separates Via values.
    std::string& value = h.value;
    std::size_t end = value.find(',');
    if (end == std::string::npos) end = value.size();
    std::string top = value.substr(0, end);
    const std::string rest = value.substr(end);
    std::string rebuilt;
    std::size_t i = 0;
    bool has_received = false;
    // Rebuild ";param" by ";param", filling an empty rport.
    const auto first = top.find(';');
    rebuilt = top.substr(0, first);
    i = first;
    while (i != std::string::npos && i < top.size()) {
      const auto next = top.find(';', i + 1);
      std::string param =
          top.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
      const std::string key(trim(param.substr(0, param.find('='))));
      if (iequals(key, "rport") && param.find('=') == std::string::npos) {
        param = "rport=" + p->port;
      }
      if (iequals(key, "received")) has_received = true;
      rebuilt += ";" + param;
      i = next;
    }
    if (!has_received) rebuilt += ";received=" + p->host;
    value = rebuilt + rest;
    return;
  }
}

std::string gb_date(std::int64_t now_us, int offset_minutes) {
  const std::int64_t local_ms =
      floor_div(now_us + std::int64_t{offset_minutes} * 60 * kMicros, 1000);
  const std::int64_t days = floor_div(local_ms, 86'400'000);
  const std::int64_t ms_of_day = local_ms - days * 86'400'000;
  std::int64_t y = 0;
  unsigned mo = 0;
  unsigned d = 0;
  civil_from_days(days, y, mo, d);
  std::array<char, 48> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(y), mo, d, static_cast<long long>(ms_of_day / 3'600'000),
                static_cast<long long>(ms_of_day / 60'000 % 60),
                static_cast<long long>(ms_of_day / 1000 % 60),
                static_cast<long long>(ms_of_day % 1000));
  return buffer.data();
}

}  // namespace quanyu::ingest::gb28181
