#include "server/ingest/sl651/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <set>

#include "server/ingest/feed_sink.hpp"
#include "server/ingest/sl651/decoder.hpp"
#include "server/ingest/sl651/observations.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
namespace sl651 = ingest::sl651;

const char* kind_name(sl651::Event::Kind kind) {
  switch (kind) {
    case sl651::Event::Kind::kReport:
      return "report";
    case sl651::Event::Kind::kKeepAlive:
      return "keepalive";
    case sl651::Event::Kind::kUnsupported:
      return "unsupported";
    case sl651::Event::Kind::kError:
      return "error";
  }
  return "?";
}

}  // namespace

/// One station connection. Events are handled strictly in order: the next waits until the
/// previous one's readings are journaled and its acknowledgement is queued, so a station never
/// gets the acknowledgement of a later report before an earlier one.
class Sl651Session : public std::enable_shared_from_this<Sl651Session> {
 public:
  Sl651Session(tcp::socket socket, const Sl651Config& config, const gis::LayerSet& layers,
               FeedSink& sink)
      : socket_(std::move(socket)),
        config_(config),
        layers_(layers),
        sink_(sink),
        idle_(socket_.get_executor()) {
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    peer_ =
        ec ? std::string("?") : remote.address().to_string() + ":" + std::to_string(remote.port());
    sink_.metrics().connection_opened(Feed::sl651);
  }
  ~Sl651Session() { sink_.metrics().connection_closed(Feed::sl651); }

  void start() {
    arm_idle();
    read();
  }

  void close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
  }

 private:
  void arm_idle() {
    idle_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(config_.idle_timeout_s)));
    idle_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (ec) return;
      spdlog::info("feed=sl651 peer={} idle for {} s: closing", self->peer_,
                   self->config_.idle_timeout_s);
      self->shutdown();
    });
  }

  void read() {
    socket_.async_read_some(
        asio::buffer(buffer_), [self = shared_from_this()](const error_code& ec, std::size_t n) {
          if (ec) {
            for (auto& e : self->decoder_.finish()) self->events_.push_back(std::move(e));
            self->closing_ = true;
            self->next_event();
            return;
          }
          self->arm_idle();
          for (auto& e : self->decoder_.feed(std::string_view(self->buffer_.data(), n))) {
            self->events_.push_back(std::move(e));
          }
          self->next_event();
          // Reading goes on while events wait: the decoder's buffer is bounded, and so is the
          // queue, because a station sends its next report only after the acknowledgement.
          if (self->events_.size() < 64) {
            self->read();
          } else {
            self->paused_ = true;
          }
        });
  }

  void next_event() {
    if (busy_) return;
    if (events_.empty()) {
      if (paused_ && !closing_) {
        paused_ = false;
        read();
      }
      if (closing_) shutdown();
      return;
    }
    busy_ = true;
    sl651::Event event = std::move(events_.front());
    events_.pop_front();
    handle(std::move(event));
  }

  void done_event() {
    busy_ = false;
    next_event();
  }

  void handle(sl651::Event event) {
    switch (event.kind) {
      case sl651::Event::Kind::kError:
        // A frame that does not decode is never acknowledged (SL 651: no reply to an invalid
        // message); a NAK for a missing packet is the decoder's reply and goes out.
        sink_.malformed(
            "sl651:" +
                (event.header ? sl651::format_station(event.header->station_address) : peer_),
            event.error.message);
        reply(event);
        return done_event();
      case sl651::Event::Kind::kKeepAlive:
      case sl651::Event::Kind::kUnsupported:
        sink_.ignored();
        spdlog::debug("feed=sl651 peer={} station={} {} function {:02X}H", peer_,
                      event.report.station_id(), kind_name(event.kind),
                      event.report.header.function_code);
        reply(event);
        return done_event();
      case sl651::Event::Kind::kReport:
        break;
    }
    const std::string station =
        event.report.station.empty() ? event.report.station_id() : event.report.station;
    const std::string device = "sl651:" + station;
    const std::string* gauge = layers_.sensor_by_station(station);
    if (gauge == nullptr) {
      // Acknowledged all the same: resending cannot make an unknown station known.
      sink_.refused(device, "station " + station + " is not the stationCode of any sensor");
      reply(event);
      return done_event();
    }
    auto observations = sl651::to_observations(event.report, *gauge);
    sink_.submit(std::move(observations), device,
                 [self = shared_from_this(), event = std::move(event)](const SubmitOutcome& o) {
                   asio::post(self->socket_.get_executor(), [self, event, o] {
                     // Refused readings will be refused again: acknowledge them. Unstored ones
                     // are not, so the station resends.
                     if (o.result != FeedResult::failed) self->reply(event);
                     self->done_event();
                   });
                 });
  }

  void reply(const sl651::Event& event) {
    if (!event.reply || !socket_.is_open()) return;
    writes_.push_back(
        sl651::encode_ack(*event.reply, sl651::station_time_from_us(wall_clock_us())));
    if (writes_.size() == 1) write_next();
  }

  void write_next() {
    asio::async_write(socket_, asio::buffer(writes_.front()),
                      [self = shared_from_this()](const error_code& ec, std::size_t) {
                        if (ec) return self->shutdown();
                        self->writes_.pop_front();
                        if (!self->writes_.empty()) self->write_next();
                      });
  }

  void shutdown() {
    idle_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  const Sl651Config& config_;
  const gis::LayerSet& layers_;
  FeedSink& sink_;
  asio::steady_timer idle_;
  std::string peer_;
  std::array<char, 4096> buffer_{};
  sl651::Decoder decoder_;
  std::deque<sl651::Event> events_;
  std::deque<std::string> writes_;
  bool busy_ = false;
  bool paused_ = false;
  bool closing_ = false;
};

struct Sl651Listener::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, const Sl651Config& c, const gis::LayerSet& l, FeedSink& s)
      : ioc(io), config(c), layers(l), sink(s), acceptor(asio::make_strand(io)) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc),
                          [self = shared_from_this()](const error_code& ec, tcp::socket socket) {
                            if (ec) {
                              if (ec != asio::error::operation_aborted) {
                                spdlog::warn("feed=sl651 accept: {}", ec.message());
                              }
                            } else if (self->sessions_open() >= self->config.max_connections) {
                              spdlog::warn("feed=sl651 {} connections open: refusing another",
                                           self->config.max_connections);
                            } else {
                              auto session = std::make_shared<Sl651Session>(
                                  std::move(socket), self->config, self->layers, self->sink);
                              {
                                const std::lock_guard lock(self->mutex);
                                self->sessions.push_back(session);
                              }
                              session->start();
                            }
                            // The acceptor lives on its own strand: re-arming it there serialises
                            // it with close().
                            asio::post(self->acceptor.get_executor(), [self] {
                              if (self->acceptor.is_open()) self->accept();
                            });
                          });
  }

  std::size_t sessions_open() {
    const std::lock_guard lock(mutex);
    sessions.erase(
        std::remove_if(sessions.begin(), sessions.end(), [](const auto& w) { return w.expired(); }),
        sessions.end());
    return sessions.size();
  }

  asio::io_context& ioc;
  const Sl651Config& config;
  const gis::LayerSet& layers;
  FeedSink& sink;
  tcp::acceptor acceptor;
  std::mutex mutex;
  std::vector<std::weak_ptr<Sl651Session>> sessions;
};

Sl651Listener::Sl651Listener(asio::io_context& ioc, const Sl651Config& config,
                             const gis::LayerSet& layers, FeedSink& sink)
    : impl_(std::make_shared<Impl>(ioc, config, layers, sink)) {}

Sl651Listener::~Sl651Listener() = default;

std::string Sl651Listener::start() {
  auto& acceptor = impl_->acceptor;
  const std::string where = impl_->config.tcp.host + ":" + std::to_string(impl_->config.tcp.port);
  error_code ec;
  const auto address = asio::ip::make_address(impl_->config.tcp.host, ec);
  if (ec)
    throw std::runtime_error("feeds.sl651.tcp: '" + impl_->config.tcp.host +
                             "' is not an IP address");
  const tcp::endpoint endpoint(address, impl_->config.tcp.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("feeds.sl651: listen on " + where + ": " + ec.message());
  impl_->accept();
  const auto bound = acceptor.local_endpoint();
  return bound.address().to_string() + ":" + std::to_string(bound.port());
}

void Sl651Listener::stop() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    error_code ignored;
    impl->acceptor.close(ignored);
    const std::lock_guard lock(impl->mutex);
    for (auto& weak : impl->sessions) {
      if (auto session = weak.lock()) session->close();
    }
  });
}

}  // namespace quanyu::server
