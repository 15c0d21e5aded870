#include "server/ingest/feeds.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include "server/ingest/feed_sink.hpp"
#include "server/ingest/gb28181/sip_server.hpp"
#include "server/ingest/http_routes.hpp"
#include "server/ingest/mqtt/mqtt_client.hpp"
#include "server/ingest/sl651/listener.hpp"
#include "server/live/engine_service.hpp"

namespace quanyu::server {

struct Feeds::Impl {
  Impl(boost::asio::io_context& io, const Config& c, const gis::LayerSet& l, EngineService& e)
      : ioc(io), config(c), layers(l), engine(e) {
    for (std::size_t f = 0; f < static_cast<std::size_t>(Feed::count); ++f) {
      sinks.push_back(std::make_unique<FeedSink>(e, metrics, static_cast<Feed>(f)));
    }
  }

  FeedSink& sink(Feed feed) { return *sinks[static_cast<std::size_t>(feed)]; }

  boost::asio::io_context& ioc;
  const Config& config;
  const gis::LayerSet& layers;
  EngineService& engine;
  FeedMetrics metrics;
  std::vector<std::unique_ptr<FeedSink>> sinks;  ///< one per Feed
  std::unique_ptr<MqttFeed> mqtt;
  std::unique_ptr<Sl651Listener> sl651;
  std::unique_ptr<SipServer> gb28181;
};

Feeds::Feeds(boost::asio::io_context& ioc, const Config& config, const gis::LayerSet& layers,
             EngineService& engine)
    : impl_(std::make_unique<Impl>(ioc, config, layers, engine)) {}

Feeds::~Feeds() = default;

std::vector<std::pair<std::string, std::string>> Feeds::start() {
  std::vector<std::pair<std::string, std::string>> listening;
  const auto& feeds = impl_->config.feeds;
  if (feeds.cap.enabled) check_cap_config(feeds.cap);
  if (feeds.gb28181.enabled) {
    impl_->gb28181 =
        std::make_unique<SipServer>(impl_->ioc, feeds.gb28181, impl_->sink(Feed::gb28181));
    for (auto& entry : impl_->gb28181->start()) listening.push_back(std::move(entry));
  }
  if (feeds.sl651.enabled) {
    impl_->sl651 = std::make_unique<Sl651Listener>(impl_->ioc, feeds.sl651, impl_->layers,
                                                   impl_->sink(Feed::sl651));
    listening.emplace_back("sl651/tcp", impl_->sl651->start());
  }
  if (feeds.mqtt.enabled) {
    impl_->mqtt = std::make_unique<MqttFeed>(impl_->ioc, feeds.mqtt, impl_->sink(Feed::mqtt),
                                             impl_->config.rules.validation.max_batch);
    impl_->mqtt->start();
    listening.emplace_back("mqtt",
                           feeds.mqtt.broker.host + ":" + std::to_string(feeds.mqtt.broker.port));
  }
  return listening;
}

void Feeds::stop() {
  if (impl_->mqtt) impl_->mqtt->stop();
  if (impl_->sl651) impl_->sl651->stop();
  if (impl_->gb28181) impl_->gb28181->stop();
}

bool Feeds::route(const http::Request& request, const Scope& scope,
                  const std::function<void(http::Response)>& reply) {
  const std::string_view path = request.path();
  const auto& feeds = impl_->config.feeds;
  auto forbidden = [&](const char* what) {
    reply(http::error_response(
        403, "forbidden", "a " + std::string(to_string(scope.role)) + " token cannot " + what));
    return true;
  };
  auto post_only = [&] {
    auto r = http::error_response(405, "method_not_allowed", "use POST");
    r.headers.emplace_back("Allow", "POST");
    reply(std::move(r));
    return true;
  };
  // /api/v1/feeds/{isapi|dahua}[/{sensor-id}]
  constexpr std::string_view kFeeds = "/api/v1/feeds/";
  if (path.rfind(kFeeds, 0) == 0) {
    std::string_view rest = path.substr(kFeeds.size());
    const auto slash = rest.find('/');
    const std::string_view kind = rest.substr(0, slash);
    const std::string hint(slash == std::string_view::npos ? std::string_view{}
                                                           : rest.substr(slash + 1));
    if ((kind != "isapi" && kind != "dahua") || hint.find('/') != std::string::npos) {
      reply(http::error_response(404, "not_found", "no such feed: " + std::string(path)));
      return true;
    }
    if (!feeds.camera_push.enabled) {
      reply(http::error_response(404, "feed_disabled", "feeds.camera_push is not enabled"));
      return true;
    }
    if (request.method != "POST") return post_only();
    if (!scope.may_ingest()) return forbidden("push camera events");
    const bool dahua = kind == "dahua";
    handle_camera_push(dahua, request, hint, impl_->sink(dahua ? Feed::dahua : Feed::isapi), reply);
    return true;
  }
  if (path == "/api/v1/cap") {
    if (!feeds.cap.enabled) {
      reply(http::error_response(404, "feed_disabled", "feeds.cap is not enabled"));
      return true;
    }
    if (request.method != "POST") return post_only();
    if (!scope.may_ingest()) return forbidden("import CAP alerts");
    handle_cap_import(request, impl_->sink(Feed::cap), reply);
    return true;
  }
  // /api/v1/incidents/{id}/cap
  constexpr std::string_view kIncidents = "/api/v1/incidents/";
  constexpr std::string_view kCap = "/cap";
  if (path.rfind(kIncidents, 0) == 0 && path.size() > kIncidents.size() + kCap.size() &&
      path.substr(path.size() - kCap.size()) == kCap) {
    const std::string id(
        path.substr(kIncidents.size(), path.size() - kIncidents.size() - kCap.size()));
    if (id.find('/') != std::string::npos) return false;
    if (request.method != "GET" && request.method != "HEAD") {
      auto r = http::error_response(405, "method_not_allowed", "use GET");
      r.headers.emplace_back("Allow", "GET");
      reply(std::move(r));
      return true;
    }
    if (!scope.may_read()) return forbidden("read incidents");
    if (!feeds.cap.enabled) {
      reply(http::error_response(404, "feed_disabled", "feeds.cap is not enabled"));
      return true;
    }
    handle_cap_export(id, scope, feeds.cap, impl_->engine, reply);
    return true;
  }
  return false;
}

std::string Feeds::metrics() const { return impl_->metrics.render(); }

}  // namespace quanyu::server
