#include "server/net/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "server/http/api.hpp"
#include "server/ingest/feeds.hpp"
#include "server/live/engine_service.hpp"
#include "server/live/situation_hub.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr auto kStopGrace = std::chrono::seconds(3);

/// Logs a network error unless it is the normal end of a connection.
void fail(const beast::error_code& ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == bhttp::error::end_of_stream ||
      ec == beast::error::timeout || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return;
  }
  spdlog::debug("{}: {}", what, ec.message());
}

/// Shared by the listener and every session: the routes, the limits and the stop flag.
struct SharedState {
  http::Api& api;
  SituationHub& hub;
  std::size_t body_limit;
  std::atomic<bool> stopping{false};
  std::atomic<int> sessions{0};
  std::atomic<std::uint64_t> refusals_body_limit{0};
  std::atomic<std::uint64_t> refusals_header_limit{0};
};

/// One HTTP/1.1 connection: read a request, answer it, repeat while keep-alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, SharedState& state)
      : stream_(std::move(socket)), state_(state) {
    ++state_.sessions;
  }
  ~HttpSession() { --state_.sessions; }

  void run() {
    // Post to the connection's strand so that all of this session's handlers are serialised.
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&HttpSession::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(state_.body_limit);
    stream_.expires_after(kIdleTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == bhttp::error::body_limit) {
      state_.refusals_body_limit.fetch_add(1);
      respond(
          http::error_response(413, "payload_too_large",
                               "the body exceeds " + std::to_string(state_.body_limit) + " bytes"),
          parser_->get().version(), false, false);
      return;
    }
    if (ec == bhttp::error::header_limit) {
      // Beast's parser allows 8 KiB of request line and headers.
      state_.refusals_header_limit.fetch_add(1);
      respond(http::error_response(431, "header_too_large", "the request's headers are too large"),
              11, false, false);
      return;
    }
    if (ec) return fail(ec, "read");
    const auto started = std::chrono::steady_clock::now();
    auto& message = parser_->get();
    if (beast::websocket::is_upgrade(message)) {
      // The live channel takes the connection over; it answers other paths with 404 itself.
      state_.hub.accept(std::move(stream_), parser_->release());
      return;
    }
    http::Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[std::move(name)] = std::string(field.value());
    }
    request.body = std::move(message.body());
    const unsigned version = message.version();
    const bool keep_alive = message.keep_alive() && !state_.stopping;
    const bool head = message.method() == bhttp::verb::head;
    std::string method = request.method;
    std::string path(request.path());
    state_.api.handle(std::move(request), [self = shared_from_this(), version, keep_alive, head,
                                           started, method = std::move(method),
                                           path =
                                               std::move(path)](http::Response response) mutable {
      // Routes may answer from another thread (the engine's strand): back to ours.
      asio::post(self->stream_.get_executor(), [self, version, keep_alive, head, started,
                                                method = std::move(method), path = std::move(path),
                                                response = std::move(response)]() mutable {
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
        // One line per request: method, path (no query: it may carry search terms), status,
        // size, time.
        spdlog::info("http {} {} -> {} {}B {:.2f}ms", method, path, response.status,
                     response.body.size(), ms);
        self->respond(std::move(response), version, keep_alive, head);
      });
    });
  }

  void respond(http::Response&& response, unsigned version, bool keep_alive, bool head) {
    auto reply = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version == 0 ? 11 : version);
    reply->set(bhttp::field::server, "quanyu");
    reply->set(bhttp::field::content_type, response.content_type);
    reply->set(bhttp::field::cache_control, "no-store");
    for (const auto& [name, value] : response.headers) reply->set(name, value);
    reply->body() = std::move(response.body);
    reply->keep_alive(keep_alive);
    reply->prepare_payload();
    if (head) reply->body().clear();
    bhttp::async_write(stream_, *reply,
                       [self = shared_from_this(), reply, keep_alive](
                           beast::error_code ec, std::size_t) { self->on_write(ec, keep_alive); });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    if (ec) return fail(ec, "write");
    if (!keep_alive) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  SharedState& state_;
};

}  // namespace

/// The live channel's options from the config's `live:` section.
live::LiveOptions live_options(const LiveConfig& c) {
  const auto ms = [](double s) { return std::chrono::milliseconds(static_cast<long>(s * 1000)); };
  live::LiveOptions o;
  o.max_connections = c.max_connections;
  o.queue_messages = c.queue_messages;
  o.queue_bytes = c.queue_bytes;
  o.stall_timeout = ms(c.stall_timeout_s);
  o.heartbeat_interval = ms(c.heartbeat_s);
  o.max_views = c.max_views;
  o.view_linger = ms(c.view_linger_s);
  o.ring.max_deltas = c.ring_deltas;
  o.delta_interval = std::chrono::microseconds(static_cast<long>(c.delta_interval_ms * 1000));
  o.view_frames_per_s = c.view_frames_per_s;
  o.view_part_sessions = c.view_part_sessions;
  o.permessage_deflate = c.permessage_deflate;
  return o;
}

struct Server::Impl {
  Impl(const Config& c, const gis::LayerSet& layers)
      : config(c),
        ioc(static_cast<int>(c.threads)),
        engine(ioc, c, layers),
        api(c, layers, engine),
        hub(engine, c, live_options(c.live)),
        feeds(ioc, c, layers, engine),
        acceptor(asio::make_strand(ioc)),
        signals(ioc, SIGINT, SIGTERM),
        state{api, hub, c.body_limit_bytes} {
    api.set_metrics_source([this] {
      std::string out =
          "# HELP quanyu_http_refusals_total Requests refused by the HTTP layer, by reason.\n"
          "# TYPE quanyu_http_refusals_total counter\n"
          "quanyu_http_refusals_total{reason=\"payload_too_large\"} " +
          std::to_string(state.refusals_body_limit.load()) +
          "\nquanyu_http_refusals_total{reason=\"header_too_large\"} " +
          std::to_string(state.refusals_header_limit.load()) + "\n";
      return out + hub.metrics() + feeds.metrics();
    });
    api.set_feed_routes(
        [this](const http::Request& request, const Scope& scope, const http::Api::Reply& reply) {
          return feeds.route(request, scope, reply);
        });
  }

  void accept() {
    // Each connection gets its own strand: its handlers never run concurrently.
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) spdlog::warn("accept: {}", ec.message());
      } else {
        // Responses and live frames are whole messages written at once: Nagle's algorithm would
        // only hold their last segment back until the peer's delayed ACK.
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<HttpSession>(std::move(socket), state)->run();
      }
      // The acceptor lives on its own strand: re-arming it there serialises it with close().
      asio::post(acceptor.get_executor(), [this] {
        if (acceptor.is_open()) accept();
      });
    });
  }

  void begin_stop(const char* why) {
    if (state.stopping.exchange(true)) return;
    spdlog::info("stopping ({}): no new connections, finishing requests in flight", why);
    // On the acceptor's strand: closing it must not race an accept completing on another thread.
    asio::post(acceptor.get_executor(), [this] {
      beast::error_code ec;
      acceptor.close(ec);
    });
    feeds.stop();
    // WebSocket clients are told at once (close code 1001, going away).
    hub.shutdown();
    // Give open sessions a short grace period, then flush the journal and stop the loop.
    auto timer = std::make_shared<asio::steady_timer>(ioc, kStopGrace);
    timer->async_wait([this, timer](beast::error_code) { finish(); });
    poll_idle();
  }

  void poll_idle() {
    auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
    timer->async_wait([this, timer](beast::error_code) {
      if (state.sessions == 0 && hub.clients() == 0) {
        finish();
      } else {
        poll_idle();
      }
    });
  }

  /// Once: flush the journal, store a snapshot, then end the event loop.
  void finish() {
    if (finishing.exchange(true)) return;
    hub.shutdown();  // any client still open: before the engine stops
    engine.stop([this] { ioc.stop(); });
  }

  const Config& config;
  asio::io_context ioc;
  EngineService engine;
  http::Api api;
  SituationHub hub;  ///< after the engine: it listens to it
  Feeds feeds;       ///< after the engine: it stores through it
  std::atomic<bool> finishing{false};
  tcp::acceptor acceptor;
  asio::signal_set signals;
  SharedState state;
  std::vector<std::pair<std::string, std::string>> feed_listeners;
};

Server::Server(const Config& config, const gis::LayerSet& layers)
    : impl_(std::make_unique<Impl>(config, layers)) {}

Server::~Server() = default;

std::pair<std::string, std::uint16_t> Server::listen() {
  auto& acceptor = impl_->acceptor;
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->config.listen_host, ec);
  if (ec) {
    throw std::runtime_error("listen: '" + impl_->config.listen_host + "' is not an IP address");
  }
  const tcp::endpoint endpoint(address, impl_->config.listen_port);
  const std::string where = impl_->config.listen_host + ":" + std::to_string(endpoint.port());
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("listen on " + where + ": " + ec.message());
  const auto bound = acceptor.local_endpoint();
  impl_->feed_listeners = impl_->feeds.start();
  return {bound.address().to_string(), bound.port()};
}

const std::vector<std::pair<std::string, std::string>>& Server::feed_listeners() const {
  return impl_->feed_listeners;
}

void Server::run() {
  impl_->signals.async_wait([this](const beast::error_code& ec, int signal) {
    if (!ec) impl_->begin_stop(signal == SIGINT ? "SIGINT" : "SIGTERM");
  });
  impl_->engine.start();
  impl_->accept();
  std::vector<std::thread> threads;
  threads.reserve(impl_->config.threads - 1);
  for (unsigned i = 1; i < impl_->config.threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& thread : threads) thread.join();
}

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_stop("stop requested"); });
}

}  // namespace quanyu::server
