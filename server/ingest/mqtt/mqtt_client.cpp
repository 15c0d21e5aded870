#include "server/ingest/mqtt/mqtt_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>

#include "server/ingest/feed_sink.hpp"
#include "server/ingest/mqtt/codec.hpp"
#include "server/ingest/mqtt/observation_json.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
namespace codec = ingest::mqtt;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr std::uint16_t kSubscribeId = 1;

}  // namespace

struct MqttFeed::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& ioc, const MqttConfig& c, FeedSink& s, std::size_t batch_limit)
      : strand(asio::make_strand(ioc)),
        config(c),
        sink(s),
        max_batch(batch_limit),
        resolver(strand),
        socket(strand),
        keepalive(strand),
        retry(strand),
        backoff(kFirstBackoff) {}

  // One QoS 1 message waiting for its PUBACK. Acknowledgements go out in the order the
  // messages arrived (MQTT 3.1.1 §4.6), whatever order their ingests finish in.
  struct Pending {
    std::uint16_t packet_id;
    bool done = false;
  };

  void start() {
    asio::post(strand, [self = shared_from_this()] { self->connect(); });
  }

  void stop() {
    asio::post(strand, [self = shared_from_this()] {
      self->stopping = true;
      self->retry.cancel();
      if (self->connected) {
        self->send(codec::encode_disconnect());
      } else {
        self->close();
      }
    });
  }

  void connect() {
    if (stopping) return;
    ++generation;
    decoder = codec::Decoder();
    pending.clear();
    writes.clear();
    writing = false;
    connected = false;
    const std::string where = config.broker.host + ":" + std::to_string(config.broker.port);
    resolver.async_resolve(
        config.broker.host, std::to_string(config.broker.port),
        [self = shared_from_this(), where](const error_code& ec, tcp::resolver::results_type r) {
          if (ec) return self->lost("resolve " + where, ec);
          self->arm_timeout(kConnectTimeout);
          asio::async_connect(
              self->socket, r, [self, where](const error_code& ec2, const tcp::endpoint&) {
                if (ec2) return self->lost("connect " + where, ec2);
                error_code ignored;
                self->socket.set_option(tcp::no_delay(true), ignored);
                codec::ConnectOptions o;
                o.client_id = self->config.client_id;
                o.keepalive_s =
                    static_cast<std::uint16_t>(std::min(65535.0, self->config.keepalive_s));
                o.clean_session = false;
                o.username = self->config.username;
                o.password = self->config.password;
                self->send(codec::encode_connect(o));
                self->read();
              });
        });
  }

  void arm_timeout(std::chrono::steady_clock::duration after) {
    keepalive.expires_after(after);
    const auto gen = generation;
    keepalive.async_wait([self = shared_from_this(), gen](const error_code& ec) {
      if (ec || gen != self->generation) return;
      self->on_keepalive();
    });
  }

  // Sends PINGREQ after a keepalive interval of silence; a broker silent for 1.5 intervals
  // (MQTT's own rule for the server side) is taken as gone.
  void on_keepalive() {
    const auto now = std::chrono::steady_clock::now();
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(config.keepalive_s));
    if (!connected) return lost("no CONNACK from the broker", {});
    if (now - last_received > interval + interval / 2) return lost("broker silent", {});
    if (now - last_sent >= interval) send(codec::encode_pingreq());
    arm_timeout(interval / 2);
  }

  void read() {
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this(), gen = generation](
                                                     const error_code& ec, std::size_t n) {
      if (gen != self->generation) return;
      if (ec) return self->lost("read", ec);
      self->last_received = std::chrono::steady_clock::now();
      self->decoder.feed(std::string_view(self->buffer.data(), n));
      while (true) {
        auto next = self->decoder.next();
        if (!next) return self->lost("protocol error: " + next.error().message, {});
        if (!next.value()) break;
        if (!self->on_packet(std::move(*next.value()))) return;
      }
      self->read();
    });
  }

  bool on_packet(codec::Packet p) {
    switch (p.type) {
      case codec::PacketType::connack:
        if (p.return_code != 0) {
          lost(
              std::string("broker refused the connection: ") + codec::connack_reason(p.return_code),
              {});
          return false;
        }
        connected = true;
        backoff = kFirstBackoff;
        spdlog::info("feed=mqtt connected to {}:{} (session {})", config.broker.host,
                     config.broker.port, p.session_present ? "resumed" : "new");
        send(codec::encode_subscribe(kSubscribeId, config.topics, 1));
        arm_timeout(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(config.keepalive_s / 2)));
        return true;
      case codec::PacketType::suback:
        for (std::size_t i = 0; i < p.granted.size() && i < config.topics.size(); ++i) {
          if (p.granted[i] == 0x80) {
            spdlog::error("feed=mqtt the broker refused the subscription to '{}'",
                          config.topics[i]);
          } else {
            spdlog::info("feed=mqtt subscribed to '{}' with QoS {}", config.topics[i],
                         p.granted[i]);
          }
        }
        return true;
      case codec::PacketType::pingresp:
        return true;
      case codec::PacketType::publish:
        on_publish(std::move(p));
        return true;
      default:
        lost("unexpected packet type " + std::to_string(static_cast<int>(p.type)), {});
        return false;
    }
  }

  void on_publish(codec::Packet p) {
    if (p.qos == 2) {
      // Quanyu subscribes with QoS 1; a broker must not send QoS 2 on that subscription.
      sink.malformed("mqtt:" + p.topic, "QoS 2 PUBLISH on a QoS 1 subscription");
      return lost("QoS 2 PUBLISH on a QoS 1 subscription", {});
    }
    const std::string device = "mqtt:" + p.topic;
    Pending* slot = nullptr;
    if (p.qos == 1) {
      pending.push_back(Pending{p.packet_id});
      slot = &pending.back();
    }
    auto parsed = ingest::parse_observation_json(p.payload);
    std::string problem;
    if (!parsed) {
      problem = parsed.error().message;
    } else if (parsed->observations_size() == 0) {
      problem = "no observations in the message";
    } else if (static_cast<std::size_t>(parsed->observations_size()) > max_batch) {
      problem = std::to_string(parsed->observations_size()) +
                " observations in one message; the limit is " + std::to_string(max_batch);
    }
    if (!problem.empty()) {
      // A message that can never parse is acknowledged, or the broker would resend it forever.
      sink.malformed(device, "topic '" + p.topic + "': " + problem);
      if (slot) complete(generation, p.packet_id, true);
      return;
    }
    std::vector<v1::Observation> observations;
    observations.reserve(static_cast<std::size_t>(parsed->observations_size()));
    for (auto& o : *parsed.value().mutable_observations()) {
      if (o.source().empty()) o.set_source(device);
      observations.push_back(std::move(o));
    }
    sink.submit(std::move(observations), device,
                [self = shared_from_this(), gen = generation, id = p.packet_id,
                 qos = p.qos](const SubmitOutcome& outcome) {
                  asio::post(self->strand, [self, gen, id, qos, outcome] {
                    if (qos == 0) return;
                    // Refused observations will be refused again: acknowledge them. A journal
                    // failure is not acknowledged; reconnecting makes the broker resend.
                    if (outcome.result == FeedResult::failed) {
                      if (gen == self->generation) self->lost("journal unavailable", {});
                      return;
                    }
                    self->complete(gen, id, true);
                  });
                });
  }

  void complete(std::uint64_t gen, std::uint16_t packet_id, bool ok) {
    if (gen != generation || !ok) return;
    for (auto& p : pending) {
      if (p.packet_id == packet_id && !p.done) {
        p.done = true;
        break;
      }
    }
    while (!pending.empty() && pending.front().done) {
      send(codec::encode_puback(pending.front().packet_id));
      pending.pop_front();
    }
  }

  void send(std::string bytes) {
    writes.push_back(std::move(bytes));
    if (!writing) write_next();
  }

  void write_next() {
    if (writes.empty()) {
      writing = false;
      if (stopping) close();
      return;
    }
    writing = true;
    last_sent = std::chrono::steady_clock::now();
    asio::async_write(
        socket, asio::buffer(writes.front()),
        [self = shared_from_this(), gen = generation](const error_code& ec, std::size_t) {
          if (gen != self->generation) return;
          if (ec) return self->lost("write", ec);
          self->writes.pop_front();
          self->write_next();
        });
  }

  void close() {
    error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    keepalive.cancel();
  }

  // The connection is gone (or unusable): close it and try again after the backoff.
  void lost(const std::string& why, const error_code& ec) {
    ++generation;  // completions of the old connection are ignored from here on
    const bool was_connected = connected;
    connected = false;
    close();
    if (stopping) return;
    const std::string reason = ec ? why + ": " + ec.message() : why;
    if (was_connected) {
      spdlog::warn("feed=mqtt connection lost ({}), reconnecting", reason);
    } else {
      spdlog::warn("feed=mqtt cannot connect ({}), retrying in {} ms", reason,
                   std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count());
    }
    retry.expires_after(backoff);
    backoff = std::min<std::chrono::steady_clock::duration>(
        backoff * 2, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(config.reconnect_max_s)));
    retry.async_wait([self = shared_from_this()](const error_code& e) {
      if (!e) self->connect();
    });
  }

  asio::strand<asio::io_context::executor_type> strand;
  const MqttConfig& config;
  FeedSink& sink;
  std::size_t max_batch;
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer keepalive;
  asio::steady_timer retry;
  std::chrono::steady_clock::duration backoff;
  std::chrono::steady_clock::time_point last_received{};
  std::chrono::steady_clock::time_point last_sent{};
  std::array<char, 16384> buffer{};
  codec::Decoder decoder;
  std::deque<Pending> pending;
  std::deque<std::string> writes;
  bool writing = false;
  bool connected = false;
  bool stopping = false;
  std::uint64_t generation = 0;
};

MqttFeed::MqttFeed(asio::io_context& ioc, const MqttConfig& config, FeedSink& sink,
                   std::size_t max_batch)
    : impl_(std::make_shared<Impl>(ioc, config, sink, max_batch)) {}

MqttFeed::~MqttFeed() = default;

void MqttFeed::start() { impl_->start(); }
void MqttFeed::stop() { impl_->stop(); }

}  // namespace quanyu::server
