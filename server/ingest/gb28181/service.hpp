#pragma once
/// The platform side of GB/T 28181-2016 as far as alarm intake needs it: device registration
/// with digest authentication (§9.1), keepalives (§9.6) and alarm notifications (§9.4), kept as a
/// pure state machine. The transport (UDP and TCP listeners) parses each incoming message, calls
/// Service::handle() with the peer address, the current time and a fresh random nonce, sends the
/// reply it gets, ingests the observations, and sends the deferred reply and the alarm
/// acknowledgement when it is told to. The Service never reads a clock, draws a random number or
/// touches a socket; it is not thread-safe (one strand or one mutex around it).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "quanyu/v1/observation.pb.h"
#include "server/ingest/gb28181/sip_message.hpp"

namespace quanyu::ingest::gb28181 {

struct ServiceConfig {
  std::string platform_id = "34020000002000000001";  ///< the platform's 20-digit SIP id
  std::string realm = "3402000000";  ///< the SIP domain (first 10 digits of the ids)
  /// Passwords by device id; a device not listed uses shared_password. An empty password means
  /// the device registers without authentication.
  std::map<std::string, std::string> device_passwords;
  std::string shared_password;
  std::int64_t min_expires_s = 60;     ///< a shorter Expires gets 423 with Min-Expires
  std::int64_t max_expires_s = 86400;  ///< a longer Expires is granted this much
  std::int64_t default_expires_s = 3600;
  std::int64_t nonce_lifetime_s = 600;  ///< a nonce older than this gets 401 stale=TRUE
  /// Refuse (403) keepalives and alarms from devices that are not registered. Off by default: an
  /// alarm from a camera whose registration the server lost (restart) is still an alarm.
  bool refuse_unregistered = false;
  std::size_t max_registrations = 100000;  ///< further devices get 503
  std::size_t max_nonces = 10000;          ///< outstanding challenges kept
  int local_offset_minutes = 8 * 60;       ///< for the Date header (GB/T 28181 §9.10 校时)
};

struct Registration {
  std::string device_id;
  std::string contact;  ///< Contact URI of the REGISTER, e.g. "sip:3402...@192.168.2.64:5060"
  std::string peer;     ///< "udp:192.168.2.64:5060", where the REGISTER came from
  std::int64_t registered_us = 0;
  std::int64_t expires_us = 0;    ///< registration lapses at this time
  std::int64_t last_seen_us = 0;  ///< last REGISTER, keepalive or alarm
};

/// What the platform must send back to acknowledge an alarm (§9.4 报警通知应答), after it has
/// stored the alarm and answered the MESSAGE with 200.
struct AlarmAck {
  std::string device_id;        ///< the registered device that sent the MESSAGE (From user)
  std::string alarm_device_id;  ///< DeviceID of the notification (may be a channel)
  std::string sn;               ///< SN of the notification
  std::string target_uri;       ///< Request-URI: the registration's Contact, else sip:<id>@<peer>
  std::string peer;             ///< where to send it: the peer the alarm came from
};

/// What handle() decided.
struct Outcome {
  /// Send now (to the peer for UDP, on the same connection for TCP). Empty for ACK, for a
  /// response, and for an alarm (see below).
  std::optional<Message> reply;
  /// Alarms to ingest. When not empty, `reply` is empty: ingest first, then send
  /// `reply_if_stored` (200) on success or `reply_if_failed` (500) on failure, so that a device
  /// whose alarm was not stored retransmits it.
  std::vector<v1::Observation> observations;
  std::optional<Message> reply_if_stored;
  std::optional<Message> reply_if_failed;
  /// After sending reply_if_stored: build the acknowledgement with make_alarm_ack() and send it.
  std::optional<AlarmAck> ack;
  std::string log;  ///< one line for the feed log
};

/// Fresh values for a request the platform sends; the transport draws them at random.
struct RequestIds {
  std::string call_id;
  std::string from_tag;
  std::string branch;  ///< without the "z9hG4bK" magic cookie, which is added
  std::uint32_t cseq = 1;
  std::string sent_by;            ///< the platform's host:port for Via, e.g. "10.0.0.5:5060"
  std::string transport = "UDP";  ///< "UDP" or "TCP", for Via
};

class Service {
 public:
  explicit Service(ServiceConfig config);

  /// Handles one message from `peer` ("udp:1.2.3.4:5060", "tcp:[::1]:5060"). `nonce` is a fresh
  /// unpredictable string (e.g. 16 random bytes in hex) used only if a challenge is needed.
  Outcome handle(const Message& message, const std::string& peer, std::int64_t now_us,
                 std::string_view nonce);

  /// Removes registrations whose expiry has passed and nonces past their lifetime; returns the
  /// ids of the devices that lapsed. Call it now and then (e.g. every minute).
  std::vector<std::string> expire(std::int64_t now_us);

  const Registration* registration(const std::string& device_id) const;
  std::size_t registration_count() const { return registrations_.size(); }
  const ServiceConfig& config() const { return config_; }

 private:
  Outcome on_register(const Message& m, const std::string& peer, std::int64_t now_us,
                      std::string_view nonce);
  Outcome on_message(const Message& m, const std::string& peer, std::int64_t now_us);
  Message challenge(const Message& m, const std::string& peer, std::int64_t now_us,
                    std::string_view nonce, bool stale);
  std::string password_for(const std::string& device_id) const;

  ServiceConfig config_;
  std::unordered_map<std::string, Registration> registrations_;
  std::unordered_map<std::string, std::int64_t> nonces_;  ///< nonce -> issued at
};

/// The 报警通知应答 MESSAGE (GB/T 28181-2016 §9.4 step 3) that acknowledges `ack`, from the
/// platform to the device. The transport sends it to ack.peer and expects a 200 back.
Message make_alarm_ack(const AlarmAck& ack, const ServiceConfig& config, const RequestIds& ids);

/// Sets received= and rport= on the top Via of a response as RFC 3261 §18.2.1 and RFC 3581 ask,
/// from the address the request came from ("udp:1.2.3.4:5060").
void stamp_received(Message& response, std::string_view peer);

/// A Date header value in GB/T 28181 form, local time without offset: "2024-05-06T07:08:09.123".
std::string gb_date(std::int64_t now_us, int offset_minutes);

}  // namespace quanyu::ingest::gb28181
