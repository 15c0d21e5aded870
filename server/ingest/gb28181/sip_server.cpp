#include "server/ingest/gb28181/sip_server.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <map>

#include "server/ingest/feed_sink.hpp"
#include "server/ingest/gb28181/service.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using boost::system::error_code;
namespace gb = ingest::gb28181;

constexpr auto kExpireEvery = std::chrono::seconds(60);
constexpr std::size_t kMaxDatagram = 65536;

/// `bytes` random bytes from OpenSSL's CSPRNG, in hex: nonces, tags, Call-IDs, branches.
std::string random_hex(std::size_t bytes) {
  std::array<unsigned char, 32> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("gb28181: no random bytes from OpenSSL");
  }
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += kHex[raw[i] >> 4];
    out += kHex[raw[i] & 0xF];
  }
  return out;
}

std::string endpoint_text(const asio::ip::address& address, unsigned short port) {
  return address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(port)
                         : address.to_string() + ":" + std::to_string(port);
}

/// "udp:1.2.3.4:5060" -> ("udp", endpoint); false when it does not parse.
bool split_peer(const std::string& peer, std::string& transport, asio::ip::address& address,
                unsigned short& port) {
  const auto colon = peer.find(':');
  const auto last = peer.rfind(':');
  if (colon == std::string::npos || last == colon) return false;
  transport = peer.substr(0, colon);
  std::string host = peer.substr(colon + 1, last - colon - 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  error_code ec;
  address = asio::ip::make_address(host, ec);
  port = static_cast<unsigned short>(std::atoi(peer.c_str() + last + 1));
  return !ec;
}

gb::ServiceConfig service_config(const Gb28181Config& c) {
  gb::ServiceConfig s;
  s.platform_id = c.sip_id;
  s.realm = c.realm;
  s.shared_password = c.password;
  for (const auto& [id, password] : c.devices) s.device_passwords[id] = password;
  s.max_expires_s = static_cast<std::int64_t>(c.register_expires_max_s);
  s.default_expires_s = std::min<std::int64_t>(3600, s.max_expires_s);
  s.min_expires_s = std::min<std::int64_t>(60, s.max_expires_s);
  s.refuse_unregistered = c.require_register;
  return s;
}

}  // namespace

class SipTcpSession;

struct SipServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, const Gb28181Config& c, FeedSink& s)
      : ioc(io),
        config(c),
        sink(s),
        strand(asio::make_strand(io)),
        service(service_config(c)),
        udp_socket(strand),
        acceptor(strand),
        expiry(strand) {}

  /// Every message, from either transport, goes through here on the strand.
  void on_message(std::string bytes, const std::string& peer,
                  std::function<void(std::string)> send_back);
  void on_stream_error(const std::string& peer, const std::string& why) {
    sink.malformed("gb28181:" + peer, why);
  }
  void send_to_peer(const std::string& peer, std::string bytes);
  void receive_udp();
  void accept_tcp();
  void arm_expiry();
  std::string sent_by(const std::string& transport, const asio::ip::address& to) const;

  asio::io_context& ioc;
  const Gb28181Config& config;
  FeedSink& sink;
  asio::strand<asio::io_context::executor_type> strand;
  gb::Service service;
  udp::socket udp_socket;
  udp::endpoint udp_from;
  std::array<char, kMaxDatagram> udp_buffer{};
  tcp::acceptor acceptor;
  asio::steady_timer expiry;
  unsigned short udp_port = 0;
  unsigned short tcp_port = 0;
  std::map<std::string, std::weak_ptr<SipTcpSession>> tcp_sessions;  ///< by "tcp:ip:port"
  bool stopped = false;
};

/// One SIP over TCP connection: a StreamFramer cuts messages out of the stream; responses and
/// platform requests to this peer are written back on it, in order.
class SipTcpSession : public std::enable_shared_from_this<SipTcpSession> {
 public:
  SipTcpSession(tcp::socket socket, std::shared_ptr<SipServer::Impl> server)
      : socket_(std::move(socket)), server_(std::move(server)) {
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    peer_ = "tcp:" + (ec ? std::string("?:0") : endpoint_text(remote.address(), remote.port()));
    server_->sink.metrics().connection_opened(Feed::gb28181);
  }
  ~SipTcpSession() { server_->sink.metrics().connection_closed(Feed::gb28181); }

  const std::string& peer() const { return peer_; }

  void start() { read(); }

  /// Queues bytes for the peer; callable from any thread.
  void send(std::string bytes) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), bytes = std::move(bytes)] {
      self->writes_.push_back(bytes);
      if (self->writes_.size() == 1) self->write_next();
    });
  }

  void close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
      self->socket_.close(ignored);
    });
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const error_code& ec,
                                                                               std::size_t n) {
      if (ec) return;
      self->framer_.feed(std::string_view(self->buffer_.data(), n));
      while (true) {
        auto next = self->framer_.next();
        if (!next) {
          // The stream cannot be trusted past a framing error: say why and hang up.
          self->server_->on_stream_error(self->peer_, next.error().message);
          error_code ignored;
          self->socket_.close(ignored);
          return;
        }
        if (!next.value()) break;
        asio::post(self->server_->strand, [self, message = gb::serialize(*next.value())]() mutable {
          self->server_->on_message(std::move(message), self->peer_,
                                    [self](std::string reply) { self->send(reply); });
        });
      }
      self->read();
    });
  }

  void write_next() {
    asio::async_write(socket_, asio::buffer(writes_.front()),
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        if (ec) return;
                        self->writes_.pop_front();
                        if (!self->writes_.empty()) self->write_next();
                      });
  }

  tcp::socket socket_;
  std::shared_ptr<SipServer::Impl> server_;
  std::string peer_;
  std::array<char, 8192> buffer_{};
  gb::StreamFramer framer_;
  std::deque<std::string> writes_;
};

void SipServer::Impl::on_message(std::string bytes, const std::string& peer,
                                 std::function<void(std::string)> send_back) {
  auto parsed = gb::parse_message(bytes);
  if (!parsed) {
    // Nothing to answer: without a parsed Via there is nowhere a response could go.
    sink.malformed("gb28181:" + peer, parsed.error().message);
    return;
  }
  const gb::Message request = std::move(parsed).value();
  if (!request.is_request()) {
    // A device's 200 to the platform's alarm acknowledgement, or similar: nothing to do.
    spdlog::debug("feed=gb28181 peer={} response {} {}", peer, request.status_code, request.reason);
    return;
  }
  gb::Outcome outcome = service.handle(request, peer, wall_clock_us(), random_hex(16));
  if (!outcome.log.empty()) spdlog::debug("feed=gb28181 peer={} {}", peer, outcome.log);
  if (outcome.observations.empty()) {
    if (outcome.reply) {
      const int status = outcome.reply->status_code;
      if (status == 400) {
        sink.malformed("gb28181:" + peer,
                       outcome.log.empty() ? outcome.reply->reason : outcome.log);
      } else if (status == 403 || status == 405 || status == 423 || status == 503) {
        sink.refused("gb28181:" + peer, std::to_string(status) + " " + outcome.reply->reason +
                                            (outcome.log.empty() ? "" : ": " + outcome.log));
      } else {
        sink.ignored();
      }
      send_back(gb::serialize(*outcome.reply));
    }
    return;
  }
  const std::string device = "gb28181:" + outcome.observations.front().camera_alarm().camera_id();
  // Taken out first: the callback below captures `outcome` by move.
  std::vector<v1::Observation> observations = std::move(outcome.observations);
  sink.submit(std::move(observations), device,
              [self = shared_from_this(), request, outcome = std::move(outcome), peer,
               send_back = std::move(send_back)](const SubmitOutcome& stored) mutable {
                asio::post(self->strand, [self, request, outcome = std::move(outcome), peer,
                                          send_back = std::move(send_back), stored] {
                  if (stored.result == FeedResult::failed) {
                    if (outcome.reply_if_failed) send_back(gb::serialize(*outcome.reply_if_failed));
                    return;
                  }
                  if (stored.result == FeedResult::refused) {
                    // Well-formed but not acceptable (a stale time, an unknown camera without
                    // coordinates): 400 with the reason, so the device does not retransmit.
                    gb::Message refusal = gb::make_response(request, 400, "Bad Request");
                    gb::stamp_received(refusal, peer);
                    std::string why = stored.error;
                    std::replace(why.begin(), why.end(), '"', '\'');
                    refusal.add("Warning", "399 quanyu \"" + why + "\"");
                    send_back(gb::serialize(refusal));
                    return;
                  }
                  if (outcome.reply_if_stored) send_back(gb::serialize(*outcome.reply_if_stored));
                  if (outcome.ack) {
                    std::string transport;
                    asio::ip::address address;
                    unsigned short port = 0;
                    if (!split_peer(outcome.ack->peer, transport, address, port)) return;
                    gb::RequestIds ids;
                    ids.call_id = random_hex(16);
                    ids.from_tag = random_hex(8);
                    ids.branch = random_hex(12);
                    ids.transport = transport == "tcp" ? "TCP" : "UDP";
                    ids.sent_by = self->sent_by(transport, address);
                    self->send_to_peer(outcome.ack->peer,
                                       gb::serialize(gb::make_alarm_ack(
                                           *outcome.ack, self->service.config(), ids)));
                  }
                });
              });
}

std::string SipServer::Impl::sent_by(const std::string& transport,
                                     const asio::ip::address& to) const {
  // The address the device can reach us at: the route's source address towards it (a UDP
  // connect() only picks the route; nothing is sent).
  error_code ec;
  udp::socket probe(ioc);
  probe.open(to.is_v6() ? udp::v6() : udp::v4(), ec);
  if (!ec) probe.connect(udp::endpoint(to, 9), ec);
  const auto local = ec ? asio::ip::make_address("127.0.0.1") : probe.local_endpoint(ec).address();
  return endpoint_text(local, transport == "tcp" ? tcp_port : udp_port);
}

void SipServer::Impl::send_to_peer(const std::string& peer, std::string bytes) {
  std::string transport;
  asio::ip::address address;
  unsigned short port = 0;
  if (!split_peer(peer, transport, address, port)) return;
  if (transport == "tcp") {
    const auto it = tcp_sessions.find(peer);
    if (it == tcp_sessions.end()) return;
    if (auto session = it->second.lock()) session->send(std::move(bytes));
    return;
  }
  auto data = std::make_shared<std::string>(std::move(bytes));
  udp_socket.async_send_to(asio::buffer(*data), udp::endpoint(address, port),
                           [data](const error_code&, std::size_t) {});
}

void SipServer::Impl::receive_udp() {
  udp_socket.async_receive_from(
      asio::buffer(udp_buffer), udp_from,
      [self = shared_from_this()](const error_code& ec, std::size_t n) {
        if (ec) {
          if (ec == asio::error::operation_aborted || self->stopped) return;
          spdlog::warn("feed=gb28181 udp receive: {}", ec.message());
          return self->receive_udp();
        }
        const udp::endpoint from = self->udp_from;
        const std::string peer = "udp:" + endpoint_text(from.address(), from.port());
        self->on_message(
            std::string(self->udp_buffer.data(), n), peer, [self, from](std::string reply) {
              auto data = std::make_shared<std::string>(std::move(reply));
              self->udp_socket.async_send_to(asio::buffer(*data), from,
                                             [data](const error_code&, std::size_t) {});
            });
        self->receive_udp();
      });
}

void SipServer::Impl::accept_tcp() {
  acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](const error_code& ec,
                                                                            tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        spdlog::warn("feed=gb28181 accept: {}", ec.message());
      }
      // Re-armed on the strand the acceptor lives on, which is where stop() closes it.
      return asio::post(self->strand, [self] {
        if (self->acceptor.is_open()) self->accept_tcp();
      });
    }
    asio::post(self->strand, [self, socket = std::move(socket)]() mutable {
      if (self->acceptor.is_open()) self->accept_tcp();
      for (auto it = self->tcp_sessions.begin(); it != self->tcp_sessions.end();) {
        it = it->second.expired() ? self->tcp_sessions.erase(it) : std::next(it);
      }
      if (self->tcp_sessions.size() >= self->config.max_connections) {
        spdlog::warn("feed=gb28181 {} TCP connections open: refusing another",
                     self->config.max_connections);
        return;
      }
      auto session = std::make_shared<SipTcpSession>(std::move(socket), self);
      self->tcp_sessions[session->peer()] = session;
      session->start();
    });
  });
}

void SipServer::Impl::arm_expiry() {
  expiry.expires_after(kExpireEvery);
  expiry.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec) return;
    for (const auto& id : self->service.expire(wall_clock_us())) {
      spdlog::info("feed=gb28181 device {} registration lapsed", id);
    }
    self->arm_expiry();
  });
}

SipServer::SipServer(asio::io_context& ioc, const Gb28181Config& config, FeedSink& sink)
    : impl_(std::make_shared<Impl>(ioc, config, sink)) {}

SipServer::~SipServer() = default;

std::vector<std::pair<std::string, std::string>> SipServer::start() {
  std::vector<std::pair<std::string, std::string>> bound;
  const auto& c = impl_->config;
  auto address_of = [](const ListenAddress& a, const char* key) {
    error_code ec;
    const auto address = asio::ip::make_address(a.host, ec);
    if (ec) {
      throw std::runtime_error(std::string("feeds.gb28181.") + key + ": '" + a.host +
                               "' is not an IP address");
    }
    return address;
  };
  if (c.udp.enabled()) {
    const udp::endpoint endpoint(address_of(c.udp, "udp"), c.udp.port);
    error_code ec;
    impl_->udp_socket.open(endpoint.protocol(), ec);
    if (!ec) impl_->udp_socket.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->udp_socket.bind(endpoint, ec);
    if (ec) {
      throw std::runtime_error("feeds.gb28181: bind udp " +
                               endpoint_text(endpoint.address(), endpoint.port()) + ": " +
                               ec.message());
    }
    const auto local = impl_->udp_socket.local_endpoint();
    impl_->udp_port = local.port();
    bound.emplace_back("gb28181/udp", endpoint_text(local.address(), local.port()));
    impl_->receive_udp();
  }
  if (c.tcp.enabled()) {
    const tcp::endpoint endpoint(address_of(c.tcp, "tcp"), c.tcp.port);
    auto& acceptor = impl_->acceptor;
    error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("feeds.gb28181: listen tcp " +
                               endpoint_text(endpoint.address(), endpoint.port()) + ": " +
                               ec.message());
    }
    const auto local = acceptor.local_endpoint();
    impl_->tcp_port = local.port();
    bound.emplace_back("gb28181/tcp", endpoint_text(local.address(), local.port()));
    impl_->accept_tcp();
  }
  asio::post(impl_->strand, [impl = impl_] { impl->arm_expiry(); });
  return bound;
}

void SipServer::stop() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->stopped = true;
    error_code ignored;
    impl->expiry.cancel();
    impl->udp_socket.close(ignored);
    impl->acceptor.close(ignored);
    for (auto& [peer, weak] : impl->tcp_sessions) {
      if (auto session = weak.lock()) session->close();
    }
  });
}

}  // namespace quanyu::server
